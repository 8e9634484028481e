import { MemoryLedgerStore } from '@lastswitch/core';
import { type ContractAssertion, runLedgerStoreContract } from '@lastswitch/core/testing';
import { describe, expect, it } from 'vitest';
import type { ApplyResult, LedgerEntry, LedgerStore, LedgerUpdate, PrincipalAlias } from '../src/model.js';

runLedgerStoreContract(
  { describe, it, expect },
  { name: 'MemoryLedgerStore', create: () => new MemoryLedgerStore(), runs: 300, largeBatch: 5000 },
);

const alice = {
  key: 'arn:aws:iam::111111111111:user/alice',
  kind: 'iam-user' as const,
  account: '111111111111',
  name: 'alice',
};
const admin = {
  key: 'arn:aws:iam::333333333333:role/Admin',
  account: '333333333333',
  name: 'Admin',
  arn: 'arn:aws:iam::333333333333:role/Admin',
};
const update = (lastSeen: number, firstSeen = lastSeen): LedgerUpdate => ({
  principal: alice,
  role: admin,
  firstSeen,
  lastSeen,
  methods: ['AssumeRole'],
  lastEventId: `evt-${lastSeen}`,
});

describe('MemoryLedgerStore', () => {
  it('counts an update that changes an entry as a write and one that does not as held back', async () => {
    const store = new MemoryLedgerStore();
    expect(await store.apply([update(100)])).toEqual({ pairs: 1, aliases: 0, writes: 1, heldBack: 0 });
    expect(await store.apply([update(50)])).toEqual({ pairs: 1, aliases: 0, writes: 1, heldBack: 0 }); // lowers firstSeen
    expect(await store.apply([update(80, 60)])).toEqual({ pairs: 1, aliases: 0, writes: 0, heldBack: 1 });
    expect(await store.apply([update(100)])).toEqual({ pairs: 1, aliases: 0, writes: 0, heldBack: 1 });
    const alias: PrincipalAlias = { account: '111111111111', principalId: 'AIDA1', principal: alice, seenAt: 5 };
    expect(await store.apply([], [alias, alias])).toEqual({ pairs: 0, aliases: 2, writes: 1, heldBack: 1 });
    expect(store.size).toBe(1);
  });

  it('settles a full tie by display fields whatever the order', async () => {
    const a = { ...update(100), principal: { ...alice, arn: 'arn:aws:iam::111111111111:user/a/alice' } };
    const b = { ...update(100), principal: { ...alice, arn: 'arn:aws:iam::111111111111:user/b/alice' } };
    const ledgers: LedgerEntry[][] = [];
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const store = new MemoryLedgerStore();
      for (const u of order) await store.apply([u]);
      const entries: LedgerEntry[] = [];
      for await (const e of store.entries()) entries.push(e);
      ledgers.push(entries);
    }
    expect(ledgers[0]).toEqual(ledgers[1]);
    expect(ledgers[0]?.[0]?.principal.arn).toBe('arn:aws:iam::111111111111:user/b/alice');
  });

  it('does not keep a reference to the updates it was given', async () => {
    const store = new MemoryLedgerStore();
    const u = update(100);
    await store.apply([u]);
    u.lastSeen = 1;
    u.methods.push('SwitchRole');
    u.principal.name = 'mallory';
    const entries: LedgerEntry[] = [];
    for await (const e of store.entries()) entries.push(e);
    expect(entries.map((e) => [e.lastSeen, e.methods, e.principal.name])).toEqual([[100, ['AssumeRole'], 'alice']]);
    u.principal.name = 'alice';
  });
});

/** Runs the contract with a runner that records outcomes instead of registering vitest tests. */
async function contractOutcomes(create: () => LedgerStore): Promise<Map<string, boolean>> {
  const tests: { name: string; fn: () => Promise<void> }[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(what);
  };
  const fakeExpect = (actual: unknown): ContractAssertion => ({
    toEqual: (expected) => check(JSON.stringify(actual) === JSON.stringify(expected), 'toEqual'),
    toBe: (expected) => check(Object.is(actual, expected), 'toBe'),
  });
  runLedgerStoreContract(
    { describe: (_name, fn) => fn(), it: (name, fn) => tests.push({ name, fn }), expect: fakeExpect },
    { name: 'probe', create, runs: 50, largeBatch: 10 },
  );
  const outcomes = new Map<string, boolean>();
  for (const test of tests) {
    outcomes.set(
      test.name,
      await test.fn().then(
        () => true,
        () => false,
      ),
    );
  }
  return outcomes;
}

/** A store that overwrites on every apply: what the contract exists to catch. */
class LastWriteWinsStore implements LedgerStore {
  readonly entriesByKey = new Map<string, LedgerEntry>();
  readonly aliasById = new Map<string, PrincipalAlias>();
  async apply(updates: readonly LedgerUpdate[], aliases: readonly PrincipalAlias[] = []): Promise<ApplyResult> {
    for (const u of updates) this.entriesByKey.set(`${u.principal.key} ${u.role.key}`, structuredClone(u));
    for (const a of aliases) this.aliasById.set(`${a.account} ${a.principalId}`, structuredClone(a));
    return { pairs: updates.length, aliases: aliases.length, writes: updates.length + aliases.length, heldBack: 0 };
  }
  async *entries(): AsyncIterable<LedgerEntry> {
    for (const e of this.entriesByKey.values()) yield structuredClone(e);
  }
  async *aliases(): AsyncIterable<PrincipalAlias> {
    for (const a of this.aliasById.values()) yield structuredClone(a);
  }
}

describe('the LedgerStore contract itself', () => {
  it('passes the memory store and fails a last-write-wins store on ordering, methods and aliases', async () => {
    const good = await contractOutcomes(() => new MemoryLedgerStore());
    expect([...good.values()].every(Boolean)).toBe(true);
    const bad = await contractOutcomes(() => new LastWriteWinsStore());
    const failed = [...bad].filter(([, ok]) => !ok).map(([name]) => name);
    expect(failed).toEqual([
      'keeps the latest lastSeen and the earliest firstSeen whatever order updates come in',
      'keeps every method a pair was seen with, sorted, once each',
      'takes lastEventId and display ARNs from the newest update, ties going to the greater event id',
      'gives the same ledger whatever order and however often files are applied (50 seeded runs)',
      'keeps one alias per account and principal id, the latest seen winning in any order',
    ]);
  });
});

describe('MemoryLedgerStore: what counts as a change', () => {
  const all = async (store: MemoryLedgerStore) => {
    const out: LedgerEntry[] = [];
    for await (const entry of store.entries()) out.push(entry);
    return out;
  };

  it('stores a later time for the same event id (a corrected replay), as a write', async () => {
    const store = new MemoryLedgerStore();
    await store.apply([{ ...update(1000), lastEventId: 'evt-1' }]);
    const result = await store.apply([{ ...update(2000, 1000), lastEventId: 'evt-1' }]);
    expect(result).toMatchObject({ writes: 1, heldBack: 0 });
    expect((await all(store))[0]?.lastSeen).toBe(2000);
  });

  it('stores the role path a full tie settles on, in either order', async () => {
    const withPath = { ...admin, arn: 'arn:aws:iam::333333333333:role/team/Admin' };
    for (const order of [
      [admin, withPath],
      [withPath, admin],
    ]) {
      const store = new MemoryLedgerStore();
      for (const role of order) await store.apply([{ ...update(1000), role }]);
      expect((await all(store))[0]?.role.arn).toBe(withPath.arn);
    }
  });

  it('an iterator closed early (break) yields nothing more', async () => {
    const store = new MemoryLedgerStore();
    await store.apply([update(1000), { ...update(1000), role: { ...admin, key: `${admin.key}2`, name: 'Admin2' } }]);
    const iterator = store.entries()[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
