/**
 * @lastswitch/core/testing — the contract every `LedgerStore` must meet, as a test suite any
 * vitest-compatible runner can run. Core does not depend on a test framework: pass yours in.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * import { runLedgerStoreContract } from '@lastswitch/core/testing';
 *
 * runLedgerStoreContract({ describe, it, expect }, { name: 'MyStore', create: () => new MyStore() });
 * ```
 */
import { assessLedger, assessStore } from './ledger/assess.js';
import { consoleSessionAliasId, foldAliases, foldSwitches, ownerSideLinkAliasId, pairKey } from './ledger/fold.js';
import type {
  LedgerEntry,
  LedgerStore,
  LedgerUpdate,
  PrincipalAlias,
  PrincipalRef,
  RoleRef,
  RoleSwitch,
  SwitchMethod,
} from './model.js';

/** The assertions the contract uses; vitest's and jest's `expect(...)` both fit. */
export interface ContractAssertion {
  toEqual(expected: unknown): void;
  toBe(expected: unknown): void;
}

/** The test functions the contract needs: `{ describe, it, expect }` from vitest (or any look-alike). */
export interface ContractRunner {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeout?: number): void;
  expect(actual: unknown, message?: string): ContractAssertion;
}

/** How to run the contract against one store implementation. */
export interface LedgerStoreContractOptions {
  /** Shown in the suite name. */
  name: string;
  /** A new, empty store; called once per test and once per property run. */
  create: () => LedgerStore | Promise<LedgerStore>;
  /** Releases a store made by `create` (drop a table, close a file). */
  destroy?: (store: LedgerStore) => void | Promise<void>;
  /** Property runs (random file orders and replays), each on a fresh store. Default 20. */
  runs?: number;
  /** Seed of the property runs, to replay a failure. Default 20260101. */
  seed?: number;
  /** Updates in the one-call large batch test. Default 1000. */
  largeBatch?: number;
  /** Per-test timeout in ms passed to `it`. Default 120000. */
  timeout?: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same runs. */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;
const METHODS: SwitchMethod[] = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'SwitchRole'];

function _user(account: string, name: string, path = ''): PrincipalRef {
  return {
    key: `arn:aws:iam::${account}:user/${name}`,
    kind: 'iam-user',
    account,
    name,
    arn: `arn:aws:iam::${account}:user/${path}${name}`,
  };
}

function _unresolved(account: string, principalId: string): PrincipalRef {
  return { key: `unresolved:${account}:${principalId}`, kind: 'unresolved', account, name: principalId };
}

function _role(account: string, name: string, path = ''): RoleRef {
  return {
    key: `arn:aws:iam::${account}:role/${name}`,
    account,
    name,
    arn: `arn:aws:iam::${account}:role/${path}${name}`,
  };
}

function _update(
  principal: PrincipalRef,
  role: RoleRef,
  firstSeen: number,
  lastSeen: number,
  extra: Partial<LedgerUpdate> = {},
): LedgerUpdate {
  return { principal, role, firstSeen, lastSeen, methods: ['AssumeRole'], lastEventId: `evt-${lastSeen}`, ...extra };
}

async function _list<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Entries sorted by pair key, reduced to their plain fields, for comparing stores. */
async function _ledger(store: LedgerStore): Promise<LedgerEntry[]> {
  const entries = await _list(store.entries());
  return entries
    .map((e) => ({ key: pairKey(e.principal.key, e.role.key), e }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ e }) => _plainEntry(e));
}

function _plainEntry(e: LedgerEntry): LedgerEntry {
  const principal: PrincipalRef = {
    key: e.principal.key,
    kind: e.principal.kind,
    account: e.principal.account,
    name: e.principal.name,
  };
  if (e.principal.arn !== undefined) principal.arn = e.principal.arn;
  return {
    principal,
    role: { key: e.role.key, account: e.role.account, name: e.role.name, arn: e.role.arn },
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    methods: [...e.methods],
    lastEventId: e.lastEventId,
  };
}

async function _aliases(store: LedgerStore): Promise<PrincipalAlias[]> {
  const aliases = await _list(store.aliases());
  return aliases
    .map((a) => ({ ...a, principal: { ...a.principal } }))
    .sort((a, b) => {
      const ka = `${a.account}\u0000${a.principalId}`;
      const kb = `${b.account}\u0000${b.principalId}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

/** One random history: switches split into files, and the aliases each file taught. */
function _history(random: () => number): {
  files: { switches: RoleSwitch[]; aliases: PrincipalAlias[] }[];
  order: number[];
} {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const principals = [
    _user('111111111111', 'alice'),
    _user('111111111111', 'alice', 'staff/'),
    _user('111111111111', 'bob'),
    _user('222222222222', 'carol', 'ops/'),
    _unresolved('111111111111', 'AIDAEXAMPLEDAVE0001'),
  ];
  const roles = [
    _role('333333333333', 'Admin'),
    _role('333333333333', 'Admin', 'team/'),
    _role('333333333333', 'ReadOnly'),
    _role('444444444444', 'Deploy'),
  ];
  const fileCount = 1 + Math.floor(random() * 5);
  const files = Array.from({ length: fileCount }, () => ({
    switches: [] as RoleSwitch[],
    aliases: [] as PrincipalAlias[],
  }));
  const switchCount = 1 + Math.floor(random() * 30);
  for (let i = 0; i < switchCount; i++) {
    // Few distinct times, so equal lastSeen with different event ids (CloudTrail's 1-second
    // resolution makes those common) is exercised often.
    const at = T0 + Math.floor(random() * 6) * MIN;
    pick(files).switches.push({
      principal: pick(principals),
      role: pick(roles),
      at,
      method: pick(METHODS),
      eventId: `evt-${String(Math.floor(random() * 1e6)).padStart(6, '0')}-${i}`,
    });
  }
  const aliasCount = Math.floor(random() * 4);
  for (let i = 0; i < aliasCount; i++) {
    const target = pick(principals.slice(0, 4));
    pick(files).aliases.push({
      account: '111111111111',
      principalId: pick(['AIDAEXAMPLEDAVE0001', 'AIDAEXAMPLEERIN0002']),
      principal: target,
      seenAt: T0 + Math.floor(random() * 4) * MIN,
    });
  }
  // Every file applied at least once, some replayed up to twice more, in a shuffled order.
  const order: number[] = [];
  files.forEach((_, index) => {
    const times = 1 + (random() < 0.4 ? 1 + Math.floor(random() * 2) : 0);
    for (let k = 0; k < times; k++) order.push(index);
  });
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return { files, order };
}

/**
 * Registers the `LedgerStore` contract suite: max/min semantics, methods union, newest-wins
 * display fields, the same ledger whatever order and however often files are applied (seeded
 * random permutations and replays), aliases (latest `seenAt` wins) resolving role-owner-side
 * principals in assessment, the empty store and a large batch.
 */
export function runLedgerStoreContract(t: ContractRunner, options: LedgerStoreContractOptions): void {
  const runs = options.runs ?? 20;
  const seed = options.seed ?? 20260101;
  const largeBatch = options.largeBatch ?? 1000;
  const timeout = options.timeout ?? 120_000;
  const { expect } = t;

  const withStore = async (body: (store: LedgerStore) => Promise<void>) => {
    const store = await options.create();
    try {
      await body(store);
    } finally {
      await options.destroy?.(store);
    }
  };
  const test = (name: string, body: (store: LedgerStore) => Promise<void>) =>
    t.it(name, () => withStore(body), timeout);

  const alice = _user('111111111111', 'alice', 'staff/');
  const admin = _role('333333333333', 'Admin', 'team/');

  t.describe(`LedgerStore contract: ${options.name}`, () => {
    test('an empty store lists no entries and no aliases', async (store) => {
      expect(await _ledger(store)).toEqual([]);
      expect(await _aliases(store)).toEqual([]);
    });

    test('keeps the latest lastSeen and the earliest firstSeen whatever order updates come in', async (store) => {
      const newer = _update(alice, admin, T0 + 5 * MIN, T0 + 9 * MIN);
      const older = _update(alice, admin, T0 + 1 * MIN, T0 + 3 * MIN);
      const inBetween = _update(alice, admin, T0 + 2 * MIN, T0 + 8 * MIN);
      await store.apply([newer]);
      await store.apply([older]);
      await store.apply([inBetween]);
      const [entry, ...rest] = await _ledger(store);
      expect(rest).toEqual([]);
      expect(entry?.lastSeen).toBe(T0 + 9 * MIN);
      expect(entry?.firstSeen).toBe(T0 + 1 * MIN);
      expect(entry?.lastEventId).toBe(newer.lastEventId);
    });

    test('keeps every method a pair was seen with, sorted, once each', async (store) => {
      await store.apply([_update(alice, admin, T0, T0 + MIN, { methods: ['SwitchRole'] })]);
      await store.apply([_update(alice, admin, T0, T0 + 2 * MIN, { methods: ['AssumeRole', 'SwitchRole'] })]);
      await store.apply([_update(alice, admin, T0, T0, { methods: ['AssumeRoleWithSAML'] })]);
      const [entry] = await _ledger(store);
      expect(entry?.methods).toEqual(['AssumeRole', 'AssumeRoleWithSAML', 'SwitchRole']);
    });

    test('takes lastEventId and display ARNs from the newest update, ties going to the greater event id', async (store) => {
      const plainAlice = _user('111111111111', 'alice');
      const plainAdmin = _role('333333333333', 'Admin');
      await store.apply([_update(plainAlice, plainAdmin, T0, T0 + 4 * MIN, { lastEventId: 'evt-b' })]);
      await store.apply([_update(alice, admin, T0, T0 + 4 * MIN, { lastEventId: 'evt-a' })]);
      let [entry] = await _ledger(store);
      expect(entry?.lastEventId).toBe('evt-b');
      expect(entry?.principal.arn).toBe(plainAlice.arn);
      expect(entry?.role.arn).toBe(plainAdmin.arn);
      await store.apply([_update(alice, admin, T0, T0 + 5 * MIN, { lastEventId: 'evt-0' })]);
      [entry] = await _ledger(store);
      expect(entry?.lastEventId).toBe('evt-0');
      expect(entry?.principal.arn).toBe(alice.arn);
      expect(entry?.role.arn).toBe(admin.arn);
    });

    test('keeps one entry per principal key and role key (paths do not split a pair)', async (store) => {
      const bob = _user('111111111111', 'bob');
      await store.apply([
        _update(alice, admin, T0, T0 + MIN),
        _update(_user('111111111111', 'alice'), _role('333333333333', 'Admin'), T0, T0 + 2 * MIN),
        _update(bob, admin, T0, T0 + MIN),
        _update(alice, _role('333333333333', 'ReadOnly'), T0, T0 + MIN),
      ]);
      const keys = (await _ledger(store)).map((e) => `${e.principal.name}/${e.role.name}`);
      expect(keys).toEqual(['alice/Admin', 'alice/ReadOnly', 'bob/Admin']);
    });

    test('replaying the same updates changes nothing and reports what it received', async (store) => {
      const updates = [
        _update(alice, admin, T0, T0 + MIN),
        _update(_user('111111111111', 'bob'), admin, T0, T0 + 2 * MIN),
      ];
      const aliases: PrincipalAlias[] = [
        { account: '111111111111', principalId: 'AIDAEXAMPLEALICE001', principal: alice, seenAt: T0 },
      ];
      const first = await store.apply(updates, aliases);
      expect({ pairs: first.pairs, aliases: first.aliases }).toEqual({ pairs: 2, aliases: 1 });
      const before = await _ledger(store);
      const second = await store.apply(updates, aliases);
      expect({ pairs: second.pairs, aliases: second.aliases }).toEqual({ pairs: 2, aliases: 1 });
      expect(await _ledger(store)).toEqual(before);
      expect(await _aliases(store)).toEqual(aliases);
      const empty = await store.apply([]);
      expect({ pairs: empty.pairs, aliases: empty.aliases }).toEqual({ pairs: 0, aliases: 0 });
    });

    test('returns entries as values: changing one (or trying to) does not change the store', async (store) => {
      await store.apply([_update(alice, admin, T0, T0 + MIN)]);
      for await (const entry of store.entries()) {
        // A store may hand out copies (changes are lost) or frozen objects (changes throw).
        try {
          entry.lastSeen = 0;
        } catch {}
        try {
          entry.methods.push('SwitchRole');
        } catch {}
        try {
          entry.principal.name = 'mallory';
        } catch {}
      }
      const [entry] = await _ledger(store);
      expect(entry?.lastSeen).toBe(T0 + MIN);
      expect(entry?.methods).toEqual(['AssumeRole']);
      expect(entry?.principal.name).toBe('alice');
    });

    t.it(
      `gives the same ledger whatever order and however often files are applied (${runs} seeded runs)`,
      async () => {
        const random = createPrng(seed);
        for (let run = 0; run < runs; run++) {
          const { files, order } = _history(random);
          const expected = foldSwitches(files.flatMap((f) => f.switches)).map(_plainEntry);
          const expectedAliases = foldAliases(files.flatMap((f) => f.aliases));
          await withStore(async (store) => {
            for (const index of order) {
              const file = files[index] as (typeof files)[number];
              await store.apply(foldSwitches(file.switches), foldAliases(file.aliases));
            }
            const what = `run ${run} of seed ${seed}, file order ${order.join(',')}`;
            expect(await _ledger(store), what).toEqual(expected);
            expect(await _aliases(store), what).toEqual(expectedAliases);
            if (store.columns !== undefined) {
              // The same entries as columns: assessed alike, aliases merging entries included.
              const options = { now: T0 + 10 * MIN, staleAfterDays: 90, aliases: expectedAliases };
              expect(await assessLedger(await store.columns(), options), what).toEqual(
                await assessLedger(expected, options),
              );
            }
          });
        }
      },
      timeout,
    );

    test('keeps one alias per account and principal id, the latest seen winning in any order', async (store) => {
      const carol = _user('222222222222', 'carol');
      const early: PrincipalAlias = {
        account: '111111111111',
        principalId: 'AIDAEXAMPLE00000001',
        principal: carol,
        seenAt: T0,
      };
      const late: PrincipalAlias = { ...early, principal: alice, seenAt: T0 + MIN };
      const other: PrincipalAlias = {
        account: '999999999999',
        principalId: 'AIDAEXAMPLE00000001',
        principal: carol,
        seenAt: T0,
      };
      await store.apply([], [late]);
      await store.apply([], [early, other]);
      expect(await _aliases(store)).toEqual([late, other]);
    });

    test('aliases resolve role-owner-side principals to the caller, merged in assessment', async (store) => {
      const erin = _user('555555555555', 'erin', 'ops/');
      const role = _role('666666666666', 'CrossAccountAdmin');
      const ownerSide = _unresolved('555555555555', 'AIDAEXAMPLEERIN0001');
      const stranger = _unresolved('555555555555', 'AIDAEXAMPLENOBODY01');
      await store.apply([
        _update(erin, role, T0 + 2 * MIN, T0 + 3 * MIN, { methods: ['AssumeRole'] }),
        _update(ownerSide, role, T0 + MIN, T0 + 9 * MIN, { methods: ['AssumeRole'], lastEventId: 'evt-owner' }),
        _update(stranger, role, T0, T0 + MIN),
      ]);
      await store.apply(
        [],
        [{ account: '555555555555', principalId: 'AIDAEXAMPLEERIN0001', principal: erin, seenAt: T0 }],
      );
      const assessment = await assessStore(store, { now: T0 + 10 * MIN, staleAfterDays: 90 });
      const pairs = assessment.pairs.map((p) => ({
        principal: p.principal.key,
        role: p.role.key,
        firstSeen: p.firstSeen,
        lastSeen: p.lastSeen,
      }));
      expect(pairs).toEqual([
        { principal: stranger.key, role: role.key, firstSeen: T0, lastSeen: T0 + MIN },
        { principal: erin.key, role: role.key, firstSeen: T0 + MIN, lastSeen: T0 + 9 * MIN },
      ]);
      expect(assessment.summary.principals).toBe(2);
    });

    test('an owner-side console switch resolves through its SwitchRole applied later (and replayed)', async (store) => {
      const erin = _user('555555555555', 'erin');
      const role = _role('666666666666', 'OpsAdmin');
      const session = 'AROAEXAMPLEOPSADMIN1:erin';
      const target = consoleSessionAliasId(session);
      const ownerSide = _update(_unresolved('555555555555', 'AIDAEXAMPLEERIN0001'), role, T0, T0, {
        lastEventId: 'evt-assume',
      });
      const link: PrincipalAlias = {
        account: '555555555555',
        principalId: ownerSideLinkAliasId('AIDAEXAMPLEERIN0001', session),
        principal: {
          key: `unresolved:666666666666:${target}`,
          kind: 'unresolved',
          account: '666666666666',
          name: target,
        },
        seenAt: T0,
      };
      const console: PrincipalAlias = { account: '666666666666', principalId: target, principal: erin, seenAt: T0 };
      await store.apply([ownerSide], [link]);
      await store.apply(
        [_update(erin, role, T0, T0, { methods: ['SwitchRole'], lastEventId: 'evt-switch' })],
        [console],
      );
      await store.apply([ownerSide], [link]);
      const assessment = await assessStore(store, { now: T0 + MIN, staleAfterDays: 90 });
      expect(assessment.pairs.map((p) => [p.principal.key, p.role.key, p.via])).toEqual([
        [erin.key, role.key, ['AssumeRole', 'SwitchRole']],
      ]);
    });

    test(`lists every entry of a large batch (${largeBatch} updates in one call)`, async (store) => {
      const updates: LedgerUpdate[] = [];
      for (let i = 0; i < largeBatch; i++) {
        const principal = _user('111111111111', `user-${String(i % 97).padStart(3, '0')}`, 'bulk/');
        const role = _role('333333333333', `Role-${String(Math.floor(i / 97)).padStart(4, '0')}`, 'a/b/');
        updates.push(
          _update(principal, role, T0 + i, T0 + i * 7, { lastEventId: `evt-${String(i).padStart(8, '0')}` }),
        );
      }
      const result = await store.apply(updates);
      expect(result.pairs).toBe(largeBatch);
      const ledger = await _ledger(store);
      expect(ledger.length).toBe(largeBatch);
      const expected = updates
        .map((u) => ({ key: pairKey(u.principal.key, u.role.key), u }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map(({ u }) => _plainEntry(u));
      expect(ledger).toEqual(expected);
    });
  });
}
