import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerColumns, LedgerEntry, LedgerStore, LedgerUpdate, PrincipalAlias } from '@lastswitch/core';
import { assessLedger, assessStore, MemoryLedgerStore, pairKey } from '@lastswitch/core';
import { runLedgerStoreContract } from '@lastswitch/core/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerDatabaseError, SqliteLedgerStore } from '../src/index.js';
import { _parseNumbers } from '../src/store/SqliteLedgerStore.js';

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

describe('SqliteLedgerStore.columns', () => {
  const entriesOf = (c: LedgerColumns): LedgerEntry[] =>
    Array.from({ length: c.length }, (_, i) => ({
      principal: c.principals[c.principal[i] as number] as LedgerEntry['principal'],
      role: c.roles[c.role[i] as number] as LedgerEntry['role'],
      firstSeen: c.firstSeen[i] as number,
      lastSeen: c.lastSeen[i] as number,
      methods: [...(c.methodLists[c.methods[i] as number] ?? [])],
      lastEventId: c.lastEventId(i),
    }));
  const byKey = (entries: LedgerEntry[]) =>
    entries
      .map((e) => JSON.parse(JSON.stringify(e)) as LedgerEntry)
      .sort((a, b) => pairKey(a.principal.key, a.role.key).localeCompare(pairKey(b.principal.key, b.role.key)));

  it('holds exactly the entries of entries(), over more than one page, and assesses alike', async () => {
    const store = new SqliteLedgerStore(freshPath());
    // 70,000 entries: past one page of 65,536. Keys arrive out of order, display rows vary per key.
    const n = 70_000;
    const updates = Array.from({ length: n }, (_, i) => {
      const p = (i * 7919) % 3001;
      return update(1_700_000_000_000 + i * 1000, 1_600_000_000_000 - i, {
        principal: {
          ...alice,
          key: `${alice.key}-${p}`,
          name: `alice-${p}`,
          ...(i % 3 === 0 ? { arn: `arn:aws:iam::111111111111:user/p${i % 2}/alice-${p}` } : {}),
        },
        role: {
          ...update(1).role,
          key: `arn:aws:iam::222222222222:role/R${i % 41}-${Math.floor(i / 3001)}`,
          name: `R${i % 41}`,
        },
        methods: i % 5 === 0 ? ['AssumeRole', 'SwitchRole'] : ['AssumeRoleWithWebIdentity'],
        lastEventId: `evt-${i}`,
      });
    });
    await store.apply(updates);
    const columns = await store.columns();
    expect(columns.length).toBe(n);
    expect(byKey(entriesOf(columns))).toEqual(byKey(await collect(store.entries())));
    const options = { now: 1_800_000_000_000, staleAfterDays: 90, aliases: [alias] };
    expect(await assessLedger(columns, options)).toEqual(await assessLedger(store.entries(), options));
    store.close();
  });

  it('reads a missing database as no entries, without creating it', async () => {
    const path = freshPath();
    const store = new SqliteLedgerStore(path);
    const columns = await store.columns();
    expect(columns.length).toBe(0);
    expect((await assessLedger(columns, { now: 0, staleAfterDays: 1 })).pairs).toEqual([]);
    await expect(readdir(join(path, '..'))).rejects.toThrow(/ENOENT/);
    store.close();
  });

  it('reads what SQLite holds as it is (a time stored as REAL, a negative time), like entries()', async () => {
    const path = freshPath();
    const store = new SqliteLedgerStore(path);
    await store.apply([update(-86_400_000, -90_061_001), update(5, 5, { role: { ...update(1).role, key: 'k2' } })]);
    store.close();
    const db = new Database(path);
    db.prepare('UPDATE entries SET first_seen = 1.5 WHERE last_seen = 5').run();
    db.close();
    const reopened = new SqliteLedgerStore(path);
    const columns = await reopened.columns();
    expect(byKey(entriesOf(columns))).toEqual(byKey(await collect(reopened.entries())));
    expect([...columns.firstSeen.subarray(0, 2)].sort()).toEqual([-90_061_001, 1.5]);
    reopened.close();
  });

  it.each([
    [
      'an entry naming a principal row that is not there',
      'UPDATE entries SET principal_id = 999',
      /damaged: an entry names a principal row that does not exist/,
    ],
    [
      'an entry naming a role row that is not there',
      'UPDATE entries SET role_id = 999',
      /damaged: an entry names a role row that does not exist/,
    ],
    [
      'a time that is not a number',
      "UPDATE entries SET last_seen = 'soon'",
      /damaged: an entry has a missing or non-numeric field/,
    ],
  ])('refuses a damaged database: %s', async (_what, sql, message) => {
    const path = freshPath();
    const store = new SqliteLedgerStore(path);
    await store.apply([update(10)]);
    store.close();
    const db = new Database(path);
    db.exec(sql);
    db.close();
    const reopened = new SqliteLedgerStore(path);
    await expect(reopened.columns()).rejects.toThrow(LedgerDatabaseError);
    await expect(reopened.columns()).rejects.toThrow(message);
    reopened.close();
  });
});

describe('_parseNumbers (the columns text)', () => {
  it.each<[string, number, number[] | undefined]>([
    ['1,2,3', 3, [1, 2, 3]],
    ['-5,0,-0', 3, [-5, 0, -0]],
    ['1795651140000,1.5,-2.25', 3, [1_795_651_140_000, 1.5, -2.25]],
    // Past 15 digits, through Number: rounded as SQLite's int64 to double is.
    ['9007199254740993,1234567890123456789', 2, [9_007_199_254_740_992, 1_234_567_890_123_456_800]],
    ['1e3', 1, [1000]],
    ['1,2', 3, undefined],
    ['1,2,3,4', 3, undefined],
    ['1,,3', 3, undefined],
    ['1,x,3', 3, undefined],
    ['-', 1, undefined],
    ['', 1, undefined],
  ])('%j as %i numbers', (text, count, expected) => {
    const numbers = _parseNumbers(text, count);
    expect(numbers === undefined ? undefined : [...numbers]).toEqual(expected);
  });
});
