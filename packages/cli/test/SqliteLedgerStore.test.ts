import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerStore, LedgerUpdate, PrincipalAlias } from '@lastswitch/core';
import { assessStore, MemoryLedgerStore } from '@lastswitch/core';
import { runLedgerStoreContract } from '@lastswitch/core/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerDatabaseError, SqliteLedgerStore } from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lastswitch-sqlite-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
const freshPath = () => join(root, `case-${++counter}`, 'ledger.db');

runLedgerStoreContract(
  { describe, it, expect },
  {
    name: 'SqliteLedgerStore',
    create: () => new SqliteLedgerStore(freshPath()),
    destroy: (store: LedgerStore) => (store as SqliteLedgerStore).close(),
  },
);

const alice = {
  key: 'arn:aws:iam::111111111111:user/alice',
  kind: 'iam-user' as const,
  account: '111111111111',
  name: 'alice',
};
const update = (lastSeen: number, firstSeen = lastSeen, extra: Partial<LedgerUpdate> = {}): LedgerUpdate => ({
  principal: alice,
  role: {
    key: 'arn:aws:iam::222222222222:role/OpsAdmin',
    account: '222222222222',
    name: 'OpsAdmin',
    arn: 'arn:aws:iam::222222222222:role/platform/OpsAdmin',
  },
  firstSeen,
  lastSeen,
  methods: ['SwitchRole'],
  lastEventId: `event-${lastSeen}`,
  ...extra,
});

const alias: PrincipalAlias = {
  account: '111111111111',
  principalId: 'AIDAEXAMPLEALICE0001',
  principal: alice,
  seenAt: 5,
};

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe('SqliteLedgerStore database handling', () => {
  it('a missing database is an empty ledger and is not created by reading', async () => {
    const path = freshPath();
    const store = new SqliteLedgerStore(path);
    expect(await store.exists()).toBe(false);
    expect(await collect(store.entries())).toEqual([]);
    expect(await collect(store.aliases())).toEqual([]);
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readdir(join(path, '..'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates its folder and schema, in WAL mode, and reads back in a new instance', async () => {
    const path = freshPath();
    const store = new SqliteLedgerStore(path);
    const result = await store.apply([update(2_000, 1_000)], [alias]);
    expect(result).toEqual({ pairs: 1, aliases: 1, writes: 2, heldBack: 0 });
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
    const again = new SqliteLedgerStore(path);
    expect(await again.exists()).toBe(true);
    expect(await collect(again.entries())).toEqual([update(2_000, 1_000)]);
    expect(await collect(again.aliases())).toEqual([alias]);
    again.close();
  });

  it('counts what changed and what was held back', async () => {
    const store = new SqliteLedgerStore(freshPath());
    await store.apply([update(10, 5)]);
    expect(await store.apply([update(10, 5)], [alias])).toEqual({ pairs: 1, aliases: 1, writes: 1, heldBack: 1 });
    expect(await store.apply([update(9, 7)], [alias])).toEqual({ pairs: 1, aliases: 1, writes: 0, heldBack: 2 });
    expect(await store.apply([update(9, 4)])).toEqual({ pairs: 1, aliases: 0, writes: 1, heldBack: 0 });
    expect(await store.apply([update(9, 9, { methods: ['AssumeRole'] })])).toMatchObject({ writes: 1 });
    const [entry] = await collect(store.entries());
    expect(entry).toMatchObject({ firstSeen: 4, lastSeen: 10, methods: ['AssumeRole', 'SwitchRole'] });
    store.close();
  });

  it('merges exactly as the memory store does, display fields included, over many random updates', async () => {
    const sqlite = new SqliteLedgerStore(freshPath());
    const memory = new MemoryLedgerStore();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    for (let batch = 0; batch < 40; batch++) {
      const updates: LedgerUpdate[] = [];
      for (let i = 0; i < 25; i++) {
        const name = pick(['alice', 'bob']);
        updates.push({
          principal: {
            key: `arn:aws:iam::111111111111:user/${name}`,
            kind: 'iam-user',
            account: '111111111111',
            name: pick([name, `${name}-display`]),
            ...(random() < 0.3 ? {} : { arn: `arn:aws:iam::111111111111:user/${pick(['', 'ops/'])}${name}` }),
          },
          role: {
            key: 'arn:aws:iam::222222222222:role/Admin',
            account: '222222222222',
            name: 'Admin',
            arn: `arn:aws:iam::222222222222:role/${pick(['', 'a/', 'b/'])}Admin`,
          },
          firstSeen: Math.floor(random() * 4),
          lastSeen: 4 + Math.floor(random() * 3),
          methods: [pick(['AssumeRole', 'SwitchRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'] as const)],
          lastEventId: pick(['e1', 'e2']),
        });
      }
      const aliases: PrincipalAlias[] = [
        { ...alias, seenAt: Math.floor(random() * 3), principal: { ...alice, key: pick(['a', 'b', 'c']) } },
      ];
      // One update per pair and call, as a scan sends them (the stores agree on sequences of those).
      for (const u of updates) {
        await sqlite.apply([u], aliases);
        await memory.apply([u], aliases);
      }
    }
    const plain = async (store: LedgerStore) =>
      (await collect(store.entries()))
        .map((e) => JSON.parse(JSON.stringify(e)))
        .sort((a, b) => (a.principal.key < b.principal.key ? -1 : 1));
    expect(await plain(sqlite)).toEqual(await plain(memory));
    expect(await collect(sqlite.aliases())).toEqual(await collect(memory.aliases()));
    sqlite.close();
  });

  it('lists more entries than one page, each once, whether iterated sync or async', async () => {
    const store = new SqliteLedgerStore(freshPath());
    // Keys arrive out of order: pages follow the stored key ids, not the key text.
    const updates = Array.from({ length: 10_000 }, (_, i) =>
      update(i + 1, i + 1, {
        principal: { ...alice, key: `${alice.key}-${String((i * 7919) % 10_000).padStart(5, '0')}` },
      }),
    );
    await store.apply(updates);
    const keys = (await collect(store.entries())).map((e) => e.principal.key);
    expect(keys.length).toBe(updates.length);
    expect([...keys].sort()).toEqual(updates.map((u) => u.principal.key).sort());
    const sync = [...(store.entries() as unknown as Iterable<{ principal: { key: string } }>)].map(
      (e) => e.principal.key,
    );
    expect(sync).toEqual(keys);
    store.close();
  });

  it('refuses an unknown switch method without writing anything', async () => {
    const store = new SqliteLedgerStore(freshPath());
    await store.apply([update(1)]);
    const error = await store
      .apply([update(5), update(6, 6, { methods: ['Teleport' as 'SwitchRole'] })])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerDatabaseError);
    expect((error as Error).message).toContain('"Teleport"');
    expect((await collect(store.entries())).map((e) => e.lastSeen)).toEqual([1]);
    store.close();
  });

  const refused: [string, (path: string) => Promise<void>, string][] = [
    [
      'a JSON ledger file',
      (p) => writeFile(p, '{"format":"lastswitch-ledger","version":1,"entries":[],"aliases":[]}\n'),
      'not a SQLite database',
    ],
    ['a short text file', (p) => writeFile(p, 'hello'), 'not a SQLite database'],
    [
      'a SQLite database of something else',
      async (p) => {
        const db = new Database(p);
        db.exec('CREATE TABLE notes (text TEXT)');
        db.close();
      },
      'not a lastswitch ledger database',
    ],
    [
      'a ledger database of a newer schema',
      async (p) => {
        const db = new Database(p);
        db.pragma('application_id = 1280530252');
        db.pragma('user_version = 3');
        db.exec('CREATE TABLE entries (x)');
        db.close();
      },
      'schema version 3, written by a newer lastswitch (this one reads version 2)',
    ],
    ['a folder', (p) => mkdir(p), 'is a directory'],
  ];
  it.each(refused)(
    'refuses %s for reading and writing with one error naming it, and leaves it untouched',
    async (_what, make, message) => {
      const path = freshPath();
      await mkdir(join(path, '..'), { recursive: true });
      await make(path);
      const before = await readFile(path).catch(() => undefined);
      const store = new SqliteLedgerStore(path);
      for (const attempt of [() => store.exists(), () => collect(store.entries()), () => store.apply([update(2)])]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LedgerDatabaseError);
        expect((error as LedgerDatabaseError).path).toBe(path);
        expect((error as Error).message).toContain(message);
        expect((error as Error).message).toContain(path);
        expect((error as Error).message).not.toContain('\n');
      }
      expect(await readFile(path).catch(() => undefined)).toEqual(before);
      store.close();
    },
  );

  it('an empty file is an empty ledger that the first write sets up', async () => {
    const path = freshPath();
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, '');
    const store = new SqliteLedgerStore(path);
    expect(await collect(store.entries())).toEqual([]);
    await store.apply([update(3)]);
    expect((await collect(store.entries())).map((e) => e.lastSeen)).toEqual([3]);
    store.close();
  });

  it('two instances on one database see each other’s writes', async () => {
    const path = freshPath();
    const a = new SqliteLedgerStore(path);
    const b = new SqliteLedgerStore(path);
    expect(await b.exists()).toBe(false);
    await a.apply([update(1)]);
    expect((await collect(b.entries())).map((e) => e.lastSeen)).toEqual([1]);
    await b.apply([update(2)]);
    expect((await collect(a.entries())).map((e) => e.lastSeen)).toEqual([2]);
    a.close();
    b.close();
  });
});

describe('SqliteLedgerStore.countLedger', () => {
  it('counts pairs and principals as assessLedger does, with and without aliases that resolve', async () => {
    const store = new SqliteLedgerStore(freshPath());
    expect(await store.countLedger()).toEqual({ pairs: 0, principals: 0 });
    const owner = (id: string) => ({
      key: `unresolved:111111111111:${id}`,
      kind: 'unresolved' as const,
      account: '111111111111',
      name: id,
    });
    const role = (name: string) => ({ ...update(1).role, key: `arn:aws:iam::222222222222:role/${name}`, name });
    await store.apply([
      update(1),
      update(2, 2, { role: role('Other') }),
      update(3, 3, { principal: owner('AIDAEXAMPLEALICE0001') }),
      update(4, 4, { principal: owner('AIDAEXAMPLEALICE0001'), role: role('Third') }),
      update(5, 5, { principal: owner('AIDAEXAMPLENOBODY01') }),
    ]);
    const assessed = async () => {
      const { summary } = await assessStore(store, { now: 0, staleAfterDays: 1 });
      return { pairs: summary.pairs, principals: summary.principals };
    };
    expect(await store.countLedger()).toEqual({ pairs: 5, principals: 3 });
    expect(await store.countLedger()).toEqual(await assessed());
    await store.apply([], [alias]);
    expect(await store.countLedger()).toEqual({ pairs: 4, principals: 2 });
    expect(await store.countLedger()).toEqual(await assessed());
    store.close();
  });
});
