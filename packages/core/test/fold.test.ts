import {
  foldAliases,
  foldSwitches,
  isNewerUpdate,
  mergeLedgerEntry,
  mergePrincipalAlias,
  ownerSideLinkSource,
} from '@lastswitch/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerUpdate, PrincipalAlias, PrincipalRef, RoleRef, RoleSwitch, SwitchMethod } from '../src/model.js';

const T0 = Date.UTC(2025, 5, 1);
const user = (name: string, path = ''): PrincipalRef => ({
  key: `arn:aws:iam::111111111111:user/${name}`,
  kind: 'iam-user',
  account: '111111111111',
  name,
  arn: `arn:aws:iam::111111111111:user/${path}${name}`,
});
const role = (name: string, path = ''): RoleRef => ({
  key: `arn:aws:iam::222222222222:role/${name}`,
  account: '222222222222',
  name,
  arn: `arn:aws:iam::222222222222:role/${path}${name}`,
});
const sw = (principal: PrincipalRef, r: RoleRef, at: number, method: SwitchMethod, eventId: string): RoleSwitch => ({
  principal,
  role: r,
  at,
  method,
  eventId,
});

const switchArb: fc.Arbitrary<RoleSwitch> = fc.record({
  principal: fc.constantFrom(user('alice'), user('alice', 'staff/'), user('bob'), user('carol', 'ops/')),
  role: fc.constantFrom(role('Admin'), role('Admin', 'team/'), role('ReadOnly')),
  // Few distinct times so ties on lastSeen are common, as with CloudTrail's 1-second times.
  at: fc.integer({ min: 0, max: 5 }).map((n) => T0 + n * 1000),
  method: fc.constantFrom<SwitchMethod>('AssumeRole', 'SwitchRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'),
  eventId: fc.uuid(),
});

const aliasArb: fc.Arbitrary<PrincipalAlias> = fc.record({
  account: fc.constantFrom('111111111111', '999999999999'),
  principalId: fc.constantFrom('AIDAONE', 'AIDATWO', 'AROATHREE:session'),
  principal: fc.constantFrom(user('alice'), user('bob'), user('carol')),
  seenAt: fc.integer({ min: 0, max: 3 }).map((n) => T0 + n),
});

/** A random permutation of `items` plus a random selection of them repeated. */
const shuffledWithRepeats = <T>(items: T[]) =>
  fc.shuffledSubarray(items, { minLength: 0, maxLength: items.length }).chain((extra) => {
    const all = [...items, ...extra];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });

describe('foldSwitches', () => {
  it('folds one update per pair: max lastSeen, min firstSeen, sorted methods, newest event id and ARNs', () => {
    const switches = [
      sw(user('alice'), role('Admin'), T0 + 3000, 'SwitchRole', 'e3'),
      sw(user('alice', 'staff/'), role('Admin', 'team/'), T0 + 9000, 'AssumeRole', 'e9'),
      sw(user('alice'), role('Admin'), T0 + 1000, 'AssumeRole', 'e1'),
      sw(user('bob'), role('ReadOnly'), T0, 'AssumeRoleWithSAML', 'e0'),
    ];
    expect(foldSwitches(switches)).toEqual<LedgerUpdate[]>([
      {
        principal: user('alice', 'staff/'),
        role: role('Admin', 'team/'),
        firstSeen: T0 + 1000,
        lastSeen: T0 + 9000,
        methods: ['AssumeRole', 'SwitchRole'],
        lastEventId: 'e9',
      },
      {
        principal: user('bob'),
        role: role('ReadOnly'),
        firstSeen: T0,
        lastSeen: T0,
        methods: ['AssumeRoleWithSAML'],
        lastEventId: 'e0',
      },
    ]);
  });

  it.each([
    ['no switches', [], 0],
    ['one switch', [sw(user('a'), role('R'), T0, 'AssumeRole', 'x')], 1],
    [
      'the same event twice',
      [sw(user('a'), role('R'), T0, 'AssumeRole', 'x'), sw(user('a'), role('R'), T0, 'AssumeRole', 'x')],
      1,
    ],
    [
      'path variants of one user and role',
      [sw(user('a'), role('R'), T0, 'AssumeRole', 'x'), sw(user('a', 'p/'), role('R', 'q/'), T0, 'SwitchRole', 'y')],
      1,
    ],
    [
      'two roles',
      [sw(user('a'), role('R'), T0, 'AssumeRole', 'x'), sw(user('a'), role('S'), T0, 'AssumeRole', 'y')],
      2,
    ],
  ] as const)('%s folds into the expected number of pairs', (_name, switches, pairs) => {
    expect(foldSwitches(switches)).toHaveLength(pairs);
  });

  it('breaks a lastSeen tie by the greater event id, whatever the order', () => {
    const a = sw(user('alice', 'a/'), role('Admin'), T0, 'AssumeRole', 'evt-a');
    const b = sw(user('alice', 'b/'), role('Admin'), T0, 'AssumeRole', 'evt-b');
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const [u] = foldSwitches(order);
      expect(u?.lastEventId).toBe('evt-b');
      expect(u?.principal.arn).toBe('arn:aws:iam::111111111111:user/b/alice');
    }
  });

  it('settles a full tie (same time and event id, different ARNs) the same way in any order', () => {
    const a = sw(user('alice', 'a/'), role('Admin', 'x/'), T0, 'AssumeRole', 'evt-same');
    const b = sw(user('alice', 'b/'), role('Admin', 'y/'), T0, 'SwitchRole', 'evt-same');
    expect(foldSwitches([b, a])).toEqual(foldSwitches([a, b]));
    expect(foldSwitches([a, b])[0]?.principal.arn).toBe('arn:aws:iam::111111111111:user/b/alice');
  });

  it('gives the same updates whatever the order and however often a switch repeats (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(switchArb, { maxLength: 40 })
          .chain((switches) => fc.tuple(fc.constant(switches), shuffledWithRepeats(switches))),
        ([switches, replayed]) => {
          expect(foldSwitches(replayed)).toEqual(foldSwitches(switches));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('folding files separately then merging in any order equals folding everything at once (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.array(switchArb, { maxLength: 15 }), { minLength: 1, maxLength: 6 })
          .chain((files) => fc.tuple(fc.constant(files), shuffledWithRepeats(files.map((f) => foldSwitches(f))))),
        ([files, perFile]) => {
          const merged = new Map<string, LedgerUpdate>();
          for (const updates of perFile) {
            for (const u of updates) {
              const key = `${u.principal.key}\u0000${u.role.key}`;
              merged.set(key, mergeLedgerEntry(merged.get(key), u));
            }
          }
          const sorted = [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, u]) => u);
          expect(sorted).toEqual(foldSwitches(files.flat()));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('mergeLedgerEntry', () => {
  const base: LedgerUpdate = {
    principal: user('alice'),
    role: role('Admin'),
    firstSeen: T0 + 10,
    lastSeen: T0 + 20,
    methods: ['SwitchRole'],
    lastEventId: 'e20',
  };

  it.each<[string, Partial<LedgerUpdate>, Partial<LedgerUpdate>]>([
    [
      'an older update only lowers firstSeen',
      { firstSeen: T0, lastSeen: T0 + 5, lastEventId: 'e5' },
      { firstSeen: T0, lastSeen: T0 + 20, lastEventId: 'e20' },
    ],
    [
      'a newer update raises lastSeen and takes the event id',
      { firstSeen: T0 + 30, lastSeen: T0 + 40, lastEventId: 'e40' },
      { firstSeen: T0 + 10, lastSeen: T0 + 40, lastEventId: 'e40' },
    ],
    [
      'an update inside the range changes nothing but methods',
      { firstSeen: T0 + 12, lastSeen: T0 + 15, methods: ['AssumeRole'] },
      { firstSeen: T0 + 10, lastSeen: T0 + 20, methods: ['AssumeRole', 'SwitchRole'] },
    ],
    [
      'a tie on lastSeen with a smaller event id keeps the entry',
      { lastSeen: T0 + 20, lastEventId: 'e1' },
      { lastEventId: 'e20' },
    ],
    [
      'a tie on lastSeen with a greater event id takes the update',
      { lastSeen: T0 + 20, lastEventId: 'e9' },
      { lastEventId: 'e9' },
    ],
  ])('%s', (_name, change, expected) => {
    const merged = mergeLedgerEntry(base, { ...base, ...change });
    expect(merged).toMatchObject(expected);
  });

  it('sorts and de-duplicates methods even when an update does not', () => {
    const sloppy = { ...base, methods: ['SwitchRole', 'AssumeRole', 'SwitchRole'] as SwitchMethod[] };
    expect(mergeLedgerEntry(undefined, sloppy).methods).toEqual(['AssumeRole', 'SwitchRole']);
    expect(mergeLedgerEntry(sloppy, sloppy).methods).toEqual(['AssumeRole', 'SwitchRole']);
  });

  it('starts an entry from undefined and never mutates its inputs', () => {
    const frozen = structuredClone(base);
    const update = { ...base, lastSeen: T0 + 99, methods: ['AssumeRole' as const] };
    const updateCopy = structuredClone(update);
    expect(mergeLedgerEntry(undefined, base)).toEqual(base);
    mergeLedgerEntry(base, update).methods.push('SwitchRole');
    expect(base).toEqual(frozen);
    expect(update).toEqual(updateCopy);
  });
});

describe('foldAliases', () => {
  it('keeps one alias per account and principal id, the most recently seen winning', () => {
    const one = (principal: PrincipalRef, seenAt: number, account = '111111111111'): PrincipalAlias => ({
      account,
      principalId: 'AIDAONE',
      principal,
      seenAt,
    });
    expect(
      foldAliases([one(user('bob'), T0 + 5), one(user('alice'), T0 + 1), one(user('carol'), T0, '999999999999')]),
    ).toEqual([one(user('bob'), T0 + 5), one(user('carol'), T0, '999999999999')]);
    expect(mergePrincipalAlias(one(user('alice'), T0), one(user('bob'), T0)).principal.name).toBe('bob');
    expect(mergePrincipalAlias(one(user('bob'), T0), one(user('alice'), T0)).principal.name).toBe('bob');
  });

  it('gives the same aliases whatever the order and however often one repeats (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(aliasArb, { maxLength: 30 })
          .chain((aliases) => fc.tuple(fc.constant(aliases), shuffledWithRepeats(aliases))),
        ([aliases, replayed]) => {
          expect(foldAliases(replayed)).toEqual(foldAliases(aliases));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('fold edges found by mutation testing', () => {
  const update = (methods: SwitchMethod[]): LedgerUpdate => ({
    principal: user('alice'),
    role: role('Admin'),
    firstSeen: T0,
    lastSeen: T0,
    methods,
    lastEventId: 'e1',
  });

  it.each<[string, SwitchMethod[], SwitchMethod[]]>([
    ['two methods in reverse order', ['SwitchRole', 'AssumeRole'], ['AssumeRole', 'SwitchRole']],
    ['one method twice', ['AssumeRole', 'AssumeRole'], ['AssumeRole']],
  ])('a new entry from an update listing %s gets them sorted and unique', (_name, methods, expected) => {
    expect(mergeLedgerEntry(undefined, update(methods)).methods).toEqual(expected);
  });

  it('a full tie (same lastSeen and event id) is newer on neither side', () => {
    const a = { lastSeen: T0, lastEventId: 'e1' };
    expect(isNewerUpdate(a, { ...a })).toBe(false);
    expect(isNewerUpdate({ ...a, lastEventId: 'e2' }, a)).toBe(true);
  });

  it.each([
    ['AIDAEXAMPLE>AROAEXAMPLE:erin', 'AIDAEXAMPLE'],
    ['AIDAEXAMPLE', undefined],
    ['>AROAEXAMPLE:erin', undefined],
  ])('the caller behind alias id %j is %j', (aliasId, expected) => {
    expect(ownerSideLinkSource(aliasId)).toBe(expected);
  });

  it('returns updates and aliases sorted by key even when they arrive in reverse', () => {
    const switches = [
      sw(user('carol'), role('ReadOnly'), T0, 'AssumeRole', 'e3'),
      sw(user('bob'), role('ReadOnly'), T0, 'AssumeRole', 'e2'),
      sw(user('bob'), role('Admin'), T0, 'AssumeRole', 'e1'),
    ];
    expect(foldSwitches(switches).map((u) => `${u.principal.name} ${u.role.name}`)).toEqual([
      'bob Admin',
      'bob ReadOnly',
      'carol ReadOnly',
    ]);
    const alias = (principalId: string): PrincipalAlias => ({
      account: '111111111111',
      principalId,
      principal: user(principalId),
      seenAt: T0,
    });
    expect(foldAliases([alias('C'), alias('B'), alias('A')]).map((a) => a.principalId)).toEqual(['A', 'B', 'C']);
  });
});
