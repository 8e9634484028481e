import { AssessOptionsError, assessLedger, assessStore, MemoryLedgerStore } from '@lastswitch/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { _principalGroups } from '../src/ledger/assess.js';
import type {
  Assessment,
  LedgerColumns,
  LedgerEntry,
  PrincipalAlias,
  PrincipalRef,
  RoleRef,
  RosterEntry,
  SwitchMethod,
} from '../src/model.js';
import { ledgerRowArb } from './_ledgerRows.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1, 12);
const ACCOUNT = '111111111111';

/** `_principalGroups` of the assessment's pairs: one number per pair, equal exactly when principal keys are. */
function expectGroupsFollowKeys(a: Assessment): void {
  const groups = _principalGroups.get(a.pairs);
  expect(groups?.length).toBe(a.pairs.length);
  const byGroup = new Map<number, string>();
  const byKey = new Map<string, number>();
  a.pairs.forEach((pair, i) => {
    const group = groups?.[i] as number;
    expect(byGroup.get(group) ?? pair.principal.key).toBe(pair.principal.key);
    expect(byKey.get(pair.principal.key) ?? group).toBe(group);
    byGroup.set(group, pair.principal.key);
    byKey.set(pair.principal.key, group);
  });
}

/** The entries as columns: one table row per distinct ref object (so one key may have several). */
function columnsOf(entries: readonly LedgerEntry[], onEventId?: (index: number) => void): LedgerColumns {
  const principals: PrincipalRef[] = [];
  const roles: RoleRef[] = [];
  const methodLists: (readonly SwitchMethod[])[] = [];
  const indexOf = <T>(table: T[], item: T, same: (a: T, b: T) => boolean = (a, b) => a === b) => {
    const at = table.findIndex((t) => same(t, item));
    if (at >= 0) return at;
    table.push(item);
    return table.length - 1;
  };
  const sameList = (a: readonly SwitchMethod[], b: readonly SwitchMethod[]) => a.join() === b.join();
  // Spare room past `length`: only the first `length` count.
  const n = entries.length;
  const columns = {
    principal: new Uint32Array(n + 3).fill(99),
    role: new Uint32Array(n + 3).fill(99),
    firstSeen: new Float64Array(n + 3),
    lastSeen: new Float64Array(n + 3),
    methods: new Uint8Array(n + 3).fill(99),
  };
  entries.forEach((e, i) => {
    columns.principal[i] = indexOf(principals, e.principal);
    columns.role[i] = indexOf(roles, e.role);
    columns.firstSeen[i] = e.firstSeen;
    columns.lastSeen[i] = e.lastSeen;
    columns.methods[i] = indexOf(methodLists, e.methods, sameList);
  });
  return {
    length: n,
    principals,
    roles,
    methodLists,
    ...columns,
    lastEventId: (i) => {
      onEventId?.(i);
      return (entries[i] as LedgerEntry).lastEventId;
    },
  };
}

const user = (name: string, arnPath = ''): PrincipalRef => ({
  key: `arn:aws:iam::${ACCOUNT}:user/${name}`,
  kind: 'iam-user',
  account: ACCOUNT,
  name,
  arn: `arn:aws:iam::${ACCOUNT}:user/${arnPath}${name}`,
});
const unresolved = (id: string): PrincipalRef => ({
  key: `unresolved:${ACCOUNT}:${id}`,
  kind: 'unresolved',
  account: ACCOUNT,
  name: id,
});
const role = (name: string, arnPath = ''): RoleRef => ({
  key: `arn:aws:iam::222222222222:role/${name}`,
  account: '222222222222',
  name,
  arn: `arn:aws:iam::222222222222:role/${arnPath}${name}`,
});

// Few names, display variants (ARN paths) and times, so keys repeat, aliases merge entries and
// lastSeen ties happen.
const NAMES = ['ana', 'bo', 'cy'];
const principalArb = fc.oneof(
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('', 'ops/', 'a/b/')).map(([n, p]) => user(n, p)),
  fc.constantFrom('AIDAANA', 'AIDABO', 'AIDANOBODY').map(unresolved),
);
const roleArb = fc
  .tuple(fc.constantFrom('Admin', 'Read', 'Deploy'), fc.constantFrom('', 'team/'))
  .map(([n, p]) => role(n, p));
const methodsArb = fc
  .subarray(['AssumeRole', 'AssumeRoleWithSAML', 'SwitchRole'] as SwitchMethod[], { minLength: 1 })
  .map((m) => [...m].sort());
const entryArb = fc.record({
  principal: principalArb,
  role: roleArb,
  lastSeen: fc.integer({ min: 0, max: 6 }).map((d) => NOW - d * 40 * DAY),
  back: fc.integer({ min: 0, max: 3 }),
  methods: methodsArb,
  eventId: fc.constantFrom('evt-a', 'evt-b', 'evt-c'),
});
const aliasArb = fc.record({
  principalId: fc.constantFrom('AIDAANA', 'AIDABO'),
  target: fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('', 'ops/')).map(([n, p]) => user(n, p)),
  seenAt: fc.integer({ min: 0, max: 3 }),
});

interface Drawn {
  principal: PrincipalRef;
  role: RoleRef;
  lastSeen: number;
  back: number;
  methods: SwitchMethod[];
  eventId: string;
}

/** One entry per (principal key, role key), as a store hands them out (the first drawn wins). */
function unique(drawn: readonly Drawn[]): LedgerEntry[] {
  const byKey = new Map<string, LedgerEntry>();
  for (const d of drawn) {
    const key = `${d.principal.key} ${d.role.key}`;
    if (byKey.has(key)) continue;
    byKey.set(key, {
      principal: d.principal,
      role: d.role,
      firstSeen: d.lastSeen - d.back * DAY,
      lastSeen: d.lastSeen,
      methods: d.methods,
      lastEventId: d.eventId,
    });
  }
  return [...byKey.values()];
}

describe('assessLedger over LedgerColumns', () => {
  it('gives exactly the assessment of the same entries as objects: aliases, merges, ties, rosters (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 40 }),
        fc.array(aliasArb, { maxLength: 3 }),
        fc.array(
          fc.record({
            principal: fc.constantFrom(...NAMES).map((n) => user(n).arn as string),
            role: fc.constantFrom(
              'arn:aws:iam::222222222222:role/Admin',
              'arn:aws:iam::222222222222:role/*',
              undefined,
            ),
          }),
          { maxLength: 3 },
        ),
        async (drawn, drawnAliases, drawnRoster) => {
          const entries = unique(drawn);
          const aliases: PrincipalAlias[] = drawnAliases.map((a) => ({
            account: ACCOUNT,
            principalId: a.principalId,
            principal: a.target,
            seenAt: NOW - a.seenAt * DAY,
          }));
          const roster: RosterEntry[] = drawnRoster.map((r) => ({
            principal: r.principal,
            ...(r.role === undefined ? {} : { role: r.role }),
          }));
          const options = { now: NOW, staleAfterDays: 90, aliases, roster };
          const expected = await assessLedger(entries, options);
          const actual = await assessLedger(columnsOf(entries), options);
          expect(actual).toEqual(expected);
          // Both number each pair's principal for the renderers: equal numbers, equal keys.
          for (const a of [expected, actual]) expectGroupsFollowKeys(a);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('sorts large ledgers exactly as from entries: ties within a second, never-seen pairs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(ledgerRowArb(NOW), { minLength: 64, maxLength: 400, selector: (row) => `${row.p} ${row.r}` }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 10 }),
        async (rows, nevers) => {
          const entries = rows.map(({ p, r, at }) => ({
            principal: user(`u${p}`),
            role: role(`R${r}`),
            firstSeen: at,
            lastSeen: at,
            methods: ['AssumeRole'] as SwitchMethod[],
            lastEventId: `e${p}.${r}`,
          }));
          const options = {
            now: NOW,
            staleAfterDays: 90,
            roster: nevers.map((n) => ({
              principal: `arn:aws:iam::111111111111:user/n${n}`,
              role: `arn:aws:iam::222222222222:role/R${n}`,
            })),
          };
          expect(await assessLedger(columnsOf(entries), options)).toEqual(await assessLedger(entries, options));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('merges the entries an alias joins into one pair, asking for the event ids of those entries only', async () => {
    const ana = user('ana', 'ops/');
    const admin = role('Admin');
    const t = NOW - 3 * DAY;
    const direct: LedgerEntry = {
      principal: ana,
      role: admin,
      firstSeen: t - 9 * DAY,
      lastSeen: t,
      methods: ['SwitchRole'],
      lastEventId: 'evt-a',
    };
    const ownerSide: LedgerEntry = {
      principal: unresolved('AIDAANA'),
      role: admin,
      firstSeen: t - 2 * DAY,
      lastSeen: t,
      methods: ['AssumeRole'],
      lastEventId: 'evt-b',
    };
    const other: LedgerEntry = { ...direct, role: role('Read'), lastSeen: t - DAY, lastEventId: 'evt-c' };
    const aliases: PrincipalAlias[] = [
      { account: ACCOUNT, principalId: 'AIDAANA', principal: user('ana', 'new/'), seenAt: t },
    ];
    const asked: number[] = [];
    const a = await assessLedger(
      columnsOf([direct, other, ownerSide], (i) => asked.push(i)),
      {
        now: NOW,
        staleAfterDays: 90,
        aliases,
      },
    );
    expect(a.pairs.map((p) => [p.role.name, p.principal.arn, p.firstSeen, p.via])).toEqual([
      ['Read', ana.arn, t - 9 * DAY, ['SwitchRole']],
      // A tie at lastSeen: the greater event id (evt-b, the owner side resolved to ana's alias) wins the display.
      ['Admin', 'arn:aws:iam::111111111111:user/new/ana', t - 9 * DAY, ['AssumeRole', 'SwitchRole']],
    ]);
    expect(asked.sort()).toEqual([0, 2]);
    // No alias: nothing merges, no event id is asked for.
    asked.length = 0;
    const apart = await assessLedger(
      columnsOf([direct, other, ownerSide], (i) => asked.push(i)),
      {
        now: NOW,
        staleAfterDays: 90,
      },
    );
    expect(apart.summary.pairs).toBe(3);
    expect(asked).toEqual([]);
  });

  it('counts many principals and roles apart (a bit per possible pair) and equal keys together', async () => {
    const entries: LedgerEntry[] = [];
    for (let p = 0; p < 300; p++) {
      for (let r = 0; r < 7; r++) {
        const at = NOW - ((p * 7 + r) % 200) * DAY;
        // Every principal's even roles name its ARN with a path: two display rows, one key.
        const principal = user(`u${p}`, r % 2 === 0 ? 'p/' : '');
        entries.push({
          principal,
          role: role(`R${r}`),
          firstSeen: at,
          lastSeen: at,
          methods: ['AssumeRole'],
          lastEventId: `e${p}.${r}`,
        });
      }
    }
    const options = { now: NOW, staleAfterDays: 90 };
    const asked: number[] = [];
    const a = await assessLedger(
      columnsOf(entries, (i) => asked.push(i)),
      options,
    );
    // No two entries share a pair: none is taken for a merge (which would ask for its event id).
    expect(asked).toEqual([]);
    expect(a.summary).toEqual({
      principals: 300,
      pairs: 2100,
      active: a.summary.active,
      stale: a.summary.stale,
      never: 0,
    });
    expect(a).toEqual(await assessLedger(entries, options));
  });

  it('shares one frozen via per method list, entries or columns', async () => {
    const t = NOW - DAY;
    const e = (name: string, methods: SwitchMethod[]): LedgerEntry => ({
      principal: user(name),
      role: role('Admin'),
      firstSeen: t,
      lastSeen: t,
      methods,
      lastEventId: name,
    });
    const entries = [e('ana', ['AssumeRole']), e('bo', ['AssumeRole']), e('cy', ['AssumeRole', 'SwitchRole'])];
    for (const input of [entries, columnsOf(entries)]) {
      const a = await assessLedger(input, { now: NOW, staleAfterDays: 90 });
      const [ana, bo, cy] = a.pairs;
      expect(ana?.via).toBe(bo?.via);
      expect(ana?.via).toEqual(['AssumeRole']);
      expect(cy?.via).toEqual(['AssumeRole', 'SwitchRole']);
      expect(Object.isFrozen(ana?.via)).toBe(true);
      // Not the entry's own array: the ledger's entries stay apart from the assessment.
      expect(ana?.via).not.toBe(entries[0]?.methods);
    }
  });

  it('is what assessStore reads from a store that has columns()', async () => {
    const memory = new MemoryLedgerStore();
    const t = NOW - DAY;
    await memory.apply([
      {
        principal: user('ana'),
        role: role('Admin'),
        firstSeen: t,
        lastSeen: t,
        methods: ['AssumeRole'],
        lastEventId: 'e1',
      },
    ]);
    let read = 0;
    const withColumns = {
      apply: memory.apply.bind(memory),
      aliases: memory.aliases.bind(memory),
      entries: (): never => {
        throw new Error('entries() read although columns() is there');
      },
      columns: async () => {
        read++;
        const entries: LedgerEntry[] = [];
        for await (const e of memory.entries()) entries.push(e);
        return columnsOf(entries);
      },
    };
    const a = await assessStore(withColumns, { now: NOW, staleAfterDays: 90 });
    expect(read).toBe(1);
    expect(a.pairs.map((p) => p.principal.name)).toEqual(['ana']);
  });

  it('refuses columns that do not hold what they claim, naming the column or the entry', async () => {
    const t = NOW - DAY;
    const good = columnsOf([
      {
        principal: user('ana'),
        role: role('Admin'),
        firstSeen: t,
        lastSeen: t,
        methods: ['AssumeRole'],
        lastEventId: 'e',
      },
    ]);
    const options = { now: NOW, staleAfterDays: 90 };
    const cases: [Partial<LedgerColumns>, RegExp][] = [
      [{ length: 5 }, /principal holds 4 entries, fewer than length 5/],
      [{ lastSeen: new Float64Array(0) }, /lastSeen holds 0 entries, fewer than length 1/],
      [{ length: -1 }, /length must be a whole number ≥ 0, got -1/],
      [{ length: 0.5 }, /length must be a whole number ≥ 0, got 0.5/],
      [{ principal: Uint32Array.of(1) }, /entry 0 points past the principals \(1 of 1\)/],
      [{ role: Uint32Array.of(2) }, /roles \(2 of 1\)/],
      [{ methods: Uint8Array.of(1) }, /method lists \(1 of 1\)/],
    ];
    for (const [change, message] of cases) {
      await expect(assessLedger({ ...good, ...change }, options)).rejects.toThrow(AssessOptionsError);
      await expect(assessLedger({ ...good, ...change }, options)).rejects.toThrow(message);
    }
    expect((await assessLedger({ ...good, length: 0 }, options)).pairs).toEqual([]);
  });
});
