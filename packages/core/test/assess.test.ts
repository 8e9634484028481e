import {
  AssessOptionsError,
  assessLedger,
  assessStore,
  comparePairAssessments,
  MemoryLedgerStore,
  RosterError,
} from '@lastswitch/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  AccessStatus,
  LedgerEntry,
  PairAssessment,
  PrincipalAlias,
  PrincipalAssessment,
  PrincipalRef,
  RoleRef,
  RosterEntry,
} from '../src/model.js';
import { ledgerRowArb } from './_ledgerRows.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1, 12);
const user = (name: string, path = '', account = '111111111111'): PrincipalRef => ({
  key: `arn:aws:iam::${account}:user/${name}`,
  kind: 'iam-user',
  account,
  name,
  arn: `arn:aws:iam::${account}:user/${path}${name}`,
});
const unresolved = (principalId: string, account = '111111111111'): PrincipalRef => ({
  key: `unresolved:${account}:${principalId}`,
  kind: 'unresolved',
  account,
  name: principalId,
});
const role = (name: string, account = '222222222222', path = ''): RoleRef => ({
  key: `arn:aws:iam::${account}:role/${name}`,
  account,
  name,
  arn: `arn:aws:iam::${account}:role/${path}${name}`,
});
const entry = (principal: PrincipalRef, r: RoleRef, lastSeen: number, firstSeen = lastSeen - DAY): LedgerEntry => ({
  principal,
  role: r,
  firstSeen,
  lastSeen,
  methods: ['AssumeRole'],
  lastEventId: `evt-${lastSeen}`,
});
const ago = (days: number) => NOW - days * DAY;

/** The pairs as "principal → role: status (days)" lines, in the assessment's order. */
const lines = (a: { pairs: { principal: PrincipalRef; role: RoleRef; status: AccessStatus; daysSince?: number }[] }) =>
  a.pairs.map(
    (p) => `${p.principal.name} → ${p.role.name}: ${p.status}${p.daysSince === undefined ? '' : ` (${p.daysSince})`}`,
  );

describe('assessLedger: status per pair', () => {
  it.each<[string, number, AccessStatus, number]>([
    ['a switch today', NOW, 'active', 0],
    ['10 days ago', ago(10), 'active', 10],
    ['one millisecond short of 90 days', ago(90) + 1, 'active', 89],
    ['exactly 90 days ago', ago(90), 'stale', 90],
    ['211 days ago', ago(211), 'stale', 211],
    ['in the future (clock skew)', NOW + 5 * DAY, 'active', 0],
  ])('%s is %s, %d days since', async (_name, lastSeen, status, daysSince) => {
    const a = await assessLedger([entry(user('alice'), role('Admin'), lastSeen)], { now: NOW, staleAfterDays: 90 });
    expect(a.pairs).toHaveLength(1);
    expect(a.pairs[0]).toMatchObject({ status, daysSince, lastSeen });
  });

  it('treats staleAfterDays 0 as "everything is stale"', async () => {
    const a = await assessLedger([entry(user('alice'), role('Admin'), NOW)], { now: NOW, staleAfterDays: 0 });
    expect(a.pairs[0]?.status).toBe('stale');
  });
});

describe('assessLedger: order and roll-up', () => {
  const ledger = [
    entry(user('bob'), role('ReadOnly'), ago(5)),
    entry(user('alice'), role('Admin'), ago(120)),
    entry(user('alice'), role('ReadOnly'), ago(3)),
    entry(user('carol'), role('Admin'), ago(120)),
    entry(user('dave'), role('Deploy'), ago(400)),
    entry(user('alice'), role('Billing'), ago(120)),
  ];

  it('orders pairs stalest first, then by principal name, then by role name', async () => {
    const a = await assessLedger(ledger, { now: NOW, staleAfterDays: 90 });
    expect(lines(a)).toEqual([
      'dave → Deploy: stale (400)',
      'alice → Admin: stale (120)',
      'alice → Billing: stale (120)',
      'carol → Admin: stale (120)',
      'bob → ReadOnly: active (5)',
      'alice → ReadOnly: active (3)',
    ]);
  });

  it('rolls pairs up per principal: the last switch anywhere decides, stalest principal first', async () => {
    const a = await assessLedger(ledger, { now: NOW, staleAfterDays: 90 });
    expect(a.principals.map((p) => [p.principal.name, p.status, p.daysSince, p.roles.map((r) => r.role.name)])).toEqual(
      [
        ['dave', 'stale', 400, ['Deploy']],
        ['carol', 'stale', 120, ['Admin']],
        ['bob', 'active', 5, ['ReadOnly']],
        ['alice', 'active', 3, ['Admin', 'Billing', 'ReadOnly']],
      ],
    );
    expect(a.summary).toEqual({ principals: 4, pairs: 6, active: 2, stale: 4, never: 0 });
    expect(a.generatedAt).toBe(NOW);
    expect(a.staleAfterDays).toBe(90);
  });

  it('gives the same assessment whatever order entries come in', async () => {
    const forward = await assessLedger(ledger, { now: NOW, staleAfterDays: 90 });
    const backward = await assessLedger([...ledger].reverse(), { now: NOW, staleAfterDays: 90 });
    expect(backward).toEqual(forward);
  });

  it('sorts large ledgers exactly like comparePairAssessments, ties and never-seen pairs included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ledgerRowArb(NOW), { minLength: 60, maxLength: 400 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 10 }),
        async (rows, nevers) => {
          const a = await assessLedger(
            rows.map(({ p, r, at }) => entry(user(`u${p}`), role(`R${r}`), at, at)),
            {
              now: NOW,
              staleAfterDays: 90,
              roster: nevers.map((n) => ({
                principal: `arn:aws:iam::111111111111:user/n${n}`,
                role: `arn:aws:iam::222222222222:role/R${n}`,
              })),
            },
          );
          const expected = [...a.pairs].sort(comparePairAssessments);
          expect(a.pairs).toEqual(expected);
          for (let i = 1; i < a.pairs.length; i++) {
            expect(comparePairAssessments(a.pairs[i - 1] as never, a.pairs[i] as never)).toBeLessThanOrEqual(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same assessment whatever the order and repetition of entries and aliases (property)', async () => {
    const principals = [
      user('alice'),
      user('alice', 'staff/'),
      user('bob'),
      unresolved('AIDAONE'),
      unresolved('AIDATWO'),
    ];
    const roles = [role('Admin'), role('Admin', '222222222222', 'team/'), role('ReadOnly')];
    const entryArb = fc
      .record({
        p: fc.nat({ max: 4 }),
        r: fc.nat({ max: 2 }),
        at: fc.integer({ min: 0, max: 300 }),
        e: fc.nat({ max: 9 }),
      })
      .map(({ p, r, at, e }) => ({
        ...entry(principals[p] as PrincipalRef, roles[r] as RoleRef, ago(at)),
        lastEventId: `evt-${e}`,
      }));
    const aliasArb = fc.record({
      account: fc.constant('111111111111'),
      principalId: fc.constantFrom('AIDAONE', 'AIDATWO'),
      principal: fc.constantFrom(user('alice'), user('bob'), user('carol')),
      seenAt: fc.integer({ min: 0, max: 3 }),
    });
    const shuffled = <T>(items: T[]) =>
      fc.shuffledSubarray(items, { minLength: 0, maxLength: items.length }).chain((extra) => {
        const all = [...items, ...extra];
        return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
      });
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 25 }).chain((es) => fc.tuple(fc.constant(es), shuffled(es))),
        fc.array(aliasArb, { maxLength: 5 }).chain((as) => fc.tuple(fc.constant(as), shuffled(as))),
        async ([entries, replayed], [aliases, replayedAliases]) => {
          const options = { now: NOW, staleAfterDays: 90 };
          const once = await assessLedger(entries, { ...options, aliases });
          const again = await assessLedger(replayed, { ...options, aliases: replayedAliases });
          expect(again).toEqual(once);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads entries and aliases from async iterables', async () => {
    async function* stream<T>(items: T[]) {
      yield* items;
    }
    const a = await assessLedger(stream(ledger), { now: NOW, staleAfterDays: 90, aliases: stream<PrincipalAlias>([]) });
    expect(a.summary.pairs).toBe(6);
  });

  it('assesses an empty ledger as empty', async () => {
    const a = await assessLedger([], { now: NOW, staleAfterDays: 90 });
    expect(a).toEqual({
      generatedAt: NOW,
      staleAfterDays: 90,
      summary: { principals: 0, pairs: 0, active: 0, stale: 0, never: 0 },
      pairs: [],
      principals: [],
    });
  });
});

describe('assessLedger: aliases', () => {
  const erin = user('erin', 'ops/', '555555555555');
  const ownerSide = unresolved('AIDAERIN', '555555555555');
  const alias = (principal: PrincipalRef, seenAt: number, principalId = 'AIDAERIN'): PrincipalAlias => ({
    account: '555555555555',
    principalId,
    principal,
    seenAt,
  });

  it('merges an unresolved principal into the one its alias names (max/min over both sides)', async () => {
    const a = await assessLedger(
      [
        entry(erin, role('X'), ago(100), ago(300)),
        entry(ownerSide, role('X'), ago(20), ago(200)),
        entry(ownerSide, role('Y'), ago(95)),
      ],
      { now: NOW, staleAfterDays: 90, aliases: [alias(erin, ago(50))] },
    );
    expect(lines(a)).toEqual(['erin → Y: stale (95)', 'erin → X: active (20)']);
    expect(a.pairs[1]).toMatchObject({ firstSeen: ago(300), lastSeen: ago(20) });
    expect(a.principals.map((p) => p.principal.key)).toEqual([erin.key]);
  });

  it('uses the most recently seen alias when an id was seen with two principals', async () => {
    const frank = user('frank', '', '555555555555');
    const a = await assessLedger([entry(ownerSide, role('X'), ago(1))], {
      now: NOW,
      staleAfterDays: 90,
      aliases: [alias(frank, ago(10)), alias(erin, ago(5)), alias(frank, ago(7))],
    });
    expect(a.pairs[0]?.principal.key).toBe(erin.key);
  });

  it('keeps a principal no alias resolves as unresolved:<account>:<principalId>', async () => {
    const a = await assessLedger([entry(unresolved('AROAOTHER:session'), role('X'), ago(1))], {
      now: NOW,
      staleAfterDays: 90,
      aliases: [
        alias(erin, ago(5)),
        { ...alias(erin, ago(5)), account: '999999999999', principalId: 'AROAOTHER:session' },
      ],
    });
    expect(a.pairs[0]?.principal.key).toBe('unresolved:111111111111:AROAOTHER:session');
  });

  it('resolves through assessStore with the aliases the store holds', async () => {
    const store = new MemoryLedgerStore();
    await store.apply([entry(ownerSide, role('X'), ago(1))], [alias(erin, ago(5))]);
    const a = await assessStore(store, { now: NOW, staleAfterDays: 90 });
    expect(a.pairs.map((p) => p.principal.key)).toEqual([erin.key]);
  });
});

describe('assessLedger: roster', () => {
  const ledger = [
    entry(user('erin', 'ops/'), role('Admin'), ago(200)),
    entry(user('frank'), role('ReadOnlyAudit', '333333333333'), ago(2)),
    entry(user('zoe'), role('Admin'), ago(1)),
  ];
  const R = (principal: string, r?: string, sinceDaysAgo?: number, source?: string): RosterEntry => ({
    principal,
    ...(r === undefined ? {} : { role: r }),
    ...(sinceDaysAgo === undefined ? {} : { since: ago(sinceDaysAgo) }),
    ...(source === undefined ? {} : { source }),
  });

  it.each<[string, RosterEntry[], string[], { graceDays?: number }?]>([
    [
      'a used exact grant (user path ignored) adds nothing',
      [R('arn:aws:iam::111111111111:user/erin', 'arn:aws:iam::222222222222:role/Admin')],
      [],
    ],
    [
      'an unused exact grant is never',
      [R('arn:aws:iam::111111111111:user/erin', 'arn:aws:iam::222222222222:role/Deploy')],
      ['erin → Deploy: never'],
    ],
    ['a used pattern adds nothing', [R('arn:aws:iam::111111111111:user/frank', 'arn:aws:iam::*:role/ReadOnly*')], []],
    [
      'an unused pattern is never, named by the pattern',
      [R('arn:aws:iam::111111111111:user/frank', 'arn:aws:iam::*:role/Admin*')],
      ['frank → Admin*: never'],
    ],
    [
      'a principal never seen anywhere is never for any role',
      [R('arn:aws:iam::111111111111:user/gina')],
      ['gina → *: never'],
    ],
    [
      'a grant younger than the grace period is not never yet',
      [R('arn:aws:iam::111111111111:user/gina', undefined, 30)],
      [],
    ],
    [
      'the grace period defaults to staleAfterDays',
      [R('arn:aws:iam::111111111111:user/gina', undefined, 91)],
      ['gina → *: never'],
    ],
    [
      'an explicit grace period',
      [R('arn:aws:iam::111111111111:user/gina', undefined, 30)],
      ['gina → *: never'],
      { graceDays: 14 },
    ],
    [
      'two grants that name the same thing give one never pair',
      [
        R('arn:aws:iam::111111111111:user/gina', 'arn:aws:iam::222222222222:role/X'),
        R('arn:aws:iam::111111111111:user/ops/gina', 'arn:aws:iam::222222222222:role/path/X'),
      ],
      ['gina → X: never'],
    ],
  ])('%s', async (_name, roster, nevers, extra) => {
    const a = await assessLedger(ledger, { now: NOW, staleAfterDays: 90, roster, ...extra });
    expect(lines(a).filter((l) => l.endsWith('never'))).toEqual(nevers);
    expect(a.summary.never).toBe(nevers.length);
    expect(a.summary.pairs).toBe(ledger.length + nevers.length);
  });

  it('puts never pairs first, rolls a never-only principal up as never, and records allowedBy', async () => {
    const grant = R('arn:aws:iam::111111111111:user/erin', 'arn:aws:iam::222222222222:role/Admin', 400, 'group ops');
    const a = await assessLedger(ledger, {
      now: NOW,
      staleAfterDays: 90,
      roster: [grant, R('arn:aws:iam::111111111111:user/gina', 'arn:aws:iam::222222222222:role/Admin')],
    });
    expect(lines(a)).toEqual([
      'gina → Admin: never',
      'erin → Admin: stale (200)',
      'frank → ReadOnlyAudit: active (2)',
      'zoe → Admin: active (1)',
    ]);
    expect(a.pairs[1]?.allowedBy).toEqual(grant);
    expect(a.pairs[2]?.allowedBy).toBeUndefined();
    expect(a.principals.map((p) => [p.principal.name, p.status])).toEqual([
      ['gina', 'never'],
      ['erin', 'stale'],
      ['frank', 'active'],
      ['zoe', 'active'],
    ]);
    expect(a.principals[0]?.lastSeen).toBeUndefined();
    expect(a.principals[0]?.principal).toMatchObject({ key: 'arn:aws:iam::111111111111:user/gina', kind: 'iam-user' });
  });

  it('a stale principal with an unused grant stays stale overall', async () => {
    const a = await assessLedger(ledger, {
      now: NOW,
      staleAfterDays: 90,
      roster: [R('arn:aws:iam::111111111111:user/erin', 'arn:aws:iam::222222222222:role/Deploy')],
    });
    expect(a.principals.find((p) => p.principal.name === 'erin')?.status).toBe('stale');
  });

  it('matches roster principal keys of federated identities', async () => {
    const provider = 'arn:aws:iam::111111111111:saml-provider/Okta';
    const saml: PrincipalRef = { key: `saml:${provider}:ana`, kind: 'saml', account: '111111111111', name: 'ana' };
    const a = await assessLedger([entry(saml, role('Admin'), ago(10))], {
      now: NOW,
      staleAfterDays: 90,
      roster: [R(`saml:${provider}:ana`, 'arn:aws:iam::222222222222:role/Admin'), R(`saml:${provider}:ben`)],
    });
    expect(lines(a)).toEqual(['ben → *: never', 'ana → Admin: active (10)']);
    expect(a.pairs[0]?.principal).toEqual({
      key: `saml:${provider}:ben`,
      kind: 'saml',
      account: '111111111111',
      name: 'ben',
    });
  });

  it('rejects a roster entry that names no principal with a RosterError', async () => {
    await expect(assessLedger(ledger, { now: NOW, staleAfterDays: 90, roster: [R('erin')] })).rejects.toThrow(
      RosterError,
    );
  });
});

describe('assessLedger: options', () => {
  it.each([
    ['now is NaN', { now: Number.NaN, staleAfterDays: 90 }, 'now'],
    ['staleAfterDays is negative', { now: NOW, staleAfterDays: -1 }, 'staleAfterDays'],
    ['staleAfterDays is infinite', { now: NOW, staleAfterDays: Number.POSITIVE_INFINITY }, 'staleAfterDays'],
    ['graceDays is negative', { now: NOW, staleAfterDays: 90, graceDays: -3 }, 'graceDays'],
  ])('rejects options where %s', async (_name, options, field) => {
    const promise = assessLedger([], options);
    await expect(promise).rejects.toBeInstanceOf(AssessOptionsError);
    await expect(promise).rejects.toThrow(field);
  });
});

describe('assessLedger: errors carry their name and where', () => {
  it('names its options error AssessOptionsError', async () => {
    const error = await assessLedger([], { now: Number.NaN, staleAfterDays: 90 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssessOptionsError);
    expect((error as Error).name).toBe('AssessOptionsError');
    expect((error as Error).message).toBe('now must be epoch milliseconds, got NaN');
  });

  it('says which roster entry is wrong, with the parser’s error as the cause', async () => {
    const error = await assessLedger([], {
      now: NOW,
      staleAfterDays: 90,
      roster: [{ principal: 'arn:aws:iam::111111111111:user/erin' }, { principal: 'erin' }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RosterError);
    const { message, entry, cause } = error as RosterError;
    expect(entry).toBe(1);
    expect(cause).toBeInstanceOf(Error);
    expect(message).toBe(`roster entry 1: ${(cause as Error).message}`);
    expect((cause as Error).message).not.toBe('');
  });
});

describe('assessLedger: ties in the order', () => {
  const at = ago(10);
  const alice999 = user('alice', '', '999999999999');
  const alice111 = user('alice');
  const bob111 = user('bob');

  it('breaks a tie in time by principal name before principal key, and a pair equals itself', async () => {
    const a = await assessLedger(
      [entry(bob111, role('X'), at), entry(alice999, role('X'), at), entry(alice111, role('X'), at)],
      { now: NOW, staleAfterDays: 90 },
    );
    expect(a.pairs.map((p) => p.principal.key)).toEqual([alice111.key, alice999.key, bob111.key]);
    const [first, second] = a.pairs as [PairAssessment, PairAssessment];
    expect(comparePairAssessments(first, first)).toBe(0);
    expect(comparePairAssessments(second, first)).toBe(1);
    expect(comparePairAssessments(first, second)).toBe(-1);
  });

  it.each([
    ['in one order', false],
    ['in the other', true],
  ])('orders principals with the same last switch by name, then key, whatever order they come %s', async (_n, flip) => {
    // bob's and alice999's older pairs list them before alice111 until the principals are sorted.
    const entries = [
      entry(bob111, role('Old'), ago(50)),
      entry(alice999, role('Old'), ago(40)),
      entry(bob111, role('X'), at),
      entry(alice999, role('X'), at),
      entry(alice111, role('Y'), at),
      entry(user('carol'), role('X'), ago(20)),
    ];
    const roster: RosterEntry[] = ['zed', 'amy', 'max'].map((name) => ({
      principal: `arn:aws:iam::111111111111:user/${name}`,
    }));
    const a = await assessLedger(flip ? entries.reverse() : entries, {
      now: NOW,
      staleAfterDays: 90,
      roster: flip ? roster.reverse() : roster,
    });
    expect(a.principals.map((p) => p.principal.key)).toEqual([
      'arn:aws:iam::111111111111:user/amy',
      'arn:aws:iam::111111111111:user/max',
      'arn:aws:iam::111111111111:user/zed',
      user('carol').key,
      alice111.key,
      alice999.key,
      bob111.key,
    ]);
  });
});

describe('assessLedger: a principal’s roll-up', () => {
  const grant = (r: string, principal = 'arn:aws:iam::111111111111:user/gina'): RosterEntry => ({
    principal,
    role: `arn:aws:iam::222222222222:role/${r}`,
  });

  it('is never, with no last switch, when all its pairs are never', async () => {
    const a = await assessLedger([], { now: NOW, staleAfterDays: 90, roster: [grant('A'), grant('B'), grant('C')] });
    expect(a.principals).toHaveLength(1);
    const [gina] = a.principals as [PrincipalAssessment];
    expect(gina.status).toBe('never');
    expect(gina.roles.map((p) => p.role.name)).toEqual(['A', 'B', 'C']);
    expect(gina).not.toHaveProperty('lastSeen');
    expect(gina).not.toHaveProperty('daysSince');
  });

  it.each<[string, number[], AccessStatus, number]>([
    ['never and stale', [200], 'stale', 200],
    ['never, stale and active', [200, 100, 3], 'active', 3],
    ['never and active', [3], 'active', 3],
  ])('is the most recent pair’s status: %s is %s', async (_name, days, status, daysSince) => {
    const gina = user('gina');
    const a = await assessLedger(
      days.map((d, i) => entry(gina, role(`R${i}`), ago(d))),
      { now: NOW, staleAfterDays: 90, roster: [grant('Never1'), grant('Never2')] },
    );
    expect(a.principals).toHaveLength(1);
    expect(a.principals[0]).toMatchObject({ status, daysSince, lastSeen: ago(daysSince) });
  });

  it('shows the principal as its most recent pair names it, the first such pair on a tie', async () => {
    const plain = user('erin');
    const ops = user('erin', 'ops/');
    const newer = await assessLedger([entry(ops, role('Old'), ago(9)), entry(plain, role('New'), ago(2))], {
      now: NOW,
      staleAfterDays: 90,
    });
    expect(newer.principals[0]?.principal).toEqual(plain);
    const tie = await assessLedger([entry(plain, role('Billing'), ago(2)), entry(ops, role('Admin'), ago(2))], {
      now: NOW,
      staleAfterDays: 90,
    });
    expect(tie.principals[0]?.principal).toEqual(ops);
    expect(tie.principals[0]?.roles.map((p) => p.role.name)).toEqual(['Admin', 'Billing']);
  });
});

describe('assessLedger: roster details', () => {
  const erinArn = 'arn:aws:iam::111111111111:user/erin';

  it('records the first grant that allows a used pair', async () => {
    const pattern: RosterEntry = { principal: erinArn, role: 'arn:aws:iam::*:role/Ad*', source: 'pattern' };
    const exact: RosterEntry = { principal: erinArn, role: 'arn:aws:iam::222222222222:role/Admin', source: 'exact' };
    for (const roster of [
      [pattern, exact],
      [exact, pattern],
    ]) {
      const a = await assessLedger([entry(user('erin'), role('Admin'), ago(1))], {
        now: NOW,
        staleAfterDays: 90,
        roster,
      });
      expect(a.pairs.map((p) => p.allowedBy)).toEqual([roster[0]]);
    }
  });

  it('names a never pair of a principal in the ledger as its latest switch does, in any entry order', async () => {
    const entries = [
      entry(user('erin', 'ops/'), role('Admin'), ago(5)),
      entry(user('erin', 'new/'), role('ReadOnly'), ago(3)),
      entry(user('erin', 'mid/'), role('Audit'), ago(4)),
    ];
    const options = {
      now: NOW,
      staleAfterDays: 90,
      roster: [{ principal: erinArn, role: 'arn:aws:iam::222222222222:role/Deploy' }],
    };
    for (const order of [entries, [...entries].reverse()]) {
      const a = await assessLedger(order, options);
      expect(a.pairs[0]).toMatchObject({ status: 'never', role: { name: 'Deploy' } });
      expect(a.pairs[0]?.principal).toEqual(user('erin', 'new/'));
      expect(a.principals[0]?.principal).toEqual(user('erin', 'new/'));
    }
    // Switched at the same moment: the greater ARN, whatever the order.
    const tied = [entry(user('erin', 'a/'), role('Admin'), ago(3)), entry(user('erin', 'b/'), role('Audit'), ago(3))];
    for (const order of [tied, [...tied].reverse()]) {
      expect((await assessLedger(order, options)).pairs[0]?.principal).toEqual(user('erin', 'b/'));
    }
  });

  it('names a never pair of a principal only in the roster as its first roster entry does', async () => {
    const a = await assessLedger([], {
      now: NOW,
      staleAfterDays: 90,
      roster: [
        { principal: 'arn:aws:iam::111111111111:user/ops/gina', role: 'arn:aws:iam::222222222222:role/A' },
        { principal: 'arn:aws:iam::111111111111:user/gina', role: 'arn:aws:iam::222222222222:role/B' },
      ],
    });
    expect(lines(a)).toEqual(['gina → A: never', 'gina → B: never']);
    expect(a.pairs.map((p) => p.principal.arn)).toEqual([
      'arn:aws:iam::111111111111:user/ops/gina',
      'arn:aws:iam::111111111111:user/ops/gina',
    ]);
  });
});

describe('assessLedger: alias resolution details', () => {
  const U = '111111111111';
  const W = '333333333333';
  const erin = user('erin');
  const frank = user('frank');
  const ownerSide = unresolved('AIDAERIN', U);
  const session = (sessionId: string) => unresolved(`console:${sessionId}`, W);
  /** The owner-side link (AssumeRole seen in W) and, when seen, the console SwitchRole that names the user. */
  const link = (sessionId: string, seenAt: number): PrincipalAlias => ({
    account: U,
    principalId: `AIDAERIN>${sessionId}`,
    principal: session(sessionId),
    seenAt,
  });
  const switchRole = (sessionId: string, principal: PrincipalRef, seenAt: number): PrincipalAlias => ({
    account: W,
    principalId: `console:${sessionId}`,
    principal,
    seenAt,
  });
  const direct = (principal: PrincipalRef, seenAt: number): PrincipalAlias => ({
    account: U,
    principalId: 'AIDAERIN',
    principal,
    seenAt,
  });
  const keysAfter = async (aliases: PrincipalAlias[], entries = [entry(ownerSide, role('OpsAdmin', W), ago(1))]) => {
    const a = await assessLedger(entries, { now: NOW, staleAfterDays: 90, aliases });
    return a.pairs.map((p) => p.principal.key);
  };

  it('follows every owner-side link of a caller, not only the last one', async () => {
    const aliases = [
      link('AROAOPS:erin', ago(3)),
      switchRole('AROAOPS:erin', erin, ago(3)),
      link('AROAAUDIT:erin', ago(2)),
    ];
    expect(await keysAfter(aliases)).toEqual([erin.key]);
  });

  it('prefers a direct alias to an owner-side link, even a more recent one', async () => {
    const aliases = [direct(erin, ago(30)), link('AROAOPS:erin', ago(2)), switchRole('AROAOPS:erin', frank, ago(2))];
    expect(await keysAfter(aliases)).toEqual([erin.key]);
  });

  it('ignores a direct alias that names an unresolved principal, and still follows the link', async () => {
    const aliases = [
      direct(unresolved('AIDAOTHER', U), ago(1)),
      link('AROAOPS:erin', ago(2)),
      switchRole('AROAOPS:erin', erin, ago(2)),
    ];
    expect(await keysAfter(aliases)).toEqual([erin.key]);
  });

  it('ignores a link whose session names no resolved principal', async () => {
    const aliases = [link('AROAOPS:erin', ago(2)), switchRole('AROAOPS:erin', unresolved('AROAX:erin', W), ago(2))];
    expect(await keysAfter(aliases)).toEqual([ownerSide.key]);
  });

  it('reads the principal id from an unresolved key, whatever name the ref carries', async () => {
    const renamed: PrincipalRef = { ...ownerSide, name: 'erin (owner side)' };
    expect(await keysAfter([direct(erin, ago(5))], [entry(renamed, role('OpsAdmin', W), ago(1))])).toEqual([erin.key]);
  });

  it('never re-resolves a principal that is already resolved, even when an alias id equals its name', async () => {
    const alias: PrincipalAlias = { account: U, principalId: 'erin', principal: frank, seenAt: ago(1) };
    expect(await keysAfter([alias], [entry(erin, role('OpsAdmin', W), ago(1))])).toEqual([erin.key]);
  });
});

// From 64 pairs assessLedger sorts (second of lastSeen × slots + index) as doubles. Today's times
// always fit; times far apart, or far from 1970, must fall back to the comparator (or just fit).
describe('assessLedger: the fast sort where packed keys would not fit', () => {
  const DATE_MAX = 8.64e15;
  const LIMIT = 2 ** 42 * 1000;
  /** n pairs cycling through `times` (the last entry gets the last time), ties within each time. */
  const ledgerOf = (n: number, times: number[]) =>
    Array.from({ length: n }, (_, i) =>
      entry(
        user(`u${i % 37}`),
        role(`R${Math.floor(i / 37)}`),
        times[(i + times.length - (n % times.length)) % times.length] as number,
        0,
      ),
    );

  it.each<[string, number, number[]]>([
    ['across the whole Date range, oldest last', 1100, [DATE_MAX, DATE_MAX, 1e12, 0, -1e12, -DATE_MAX]],
    ['all long before 1970', 1100, [-1e12, -1e12 - 500, -4e15, -DATE_MAX]],
    ['all long after 1970', 1100, [DATE_MAX, DATE_MAX - 700, 4e15, 1e12]],
    ['just past the packing limit', 600, [LIMIT, LIMIT, LIMIT + 999, -LIMIT]],
    ['just short of the packing limit', 600, [LIMIT - 2000, LIMIT - 2000, -LIMIT]],
    ['close together at the end of the Date range', 600, [DATE_MAX, DATE_MAX - 1, DATE_MAX - 1000, DATE_MAX - 2500]],
    ['close together at the start of the Date range', 600, [-DATE_MAX, -DATE_MAX + 1, -DATE_MAX + 1000]],
  ])('sorts every pair exactly once, like comparePairAssessments: %s', async (_name, n, times) => {
    const entries = ledgerOf(n, times);
    const roster = ['n1', 'n2', 'n3'].map((name) => ({ principal: `arn:aws:iam::111111111111:user/${name}` }));
    const a = await assessLedger(entries, { now: NOW, staleAfterDays: 90, roster });
    const key = (p: { principal: PrincipalRef; role: RoleRef }) => `${p.principal.key} ${p.role.key}`;
    expect(new Set(a.pairs.map(key))).toEqual(new Set([...entries.map(key), ...roster.map((r) => `${r.principal} *`)]));
    expect(a.pairs).toHaveLength(n + roster.length);
    expect(a.pairs).toEqual([...a.pairs].sort(comparePairAssessments));
  });
});
