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
import type { AccessStatus, LedgerEntry, PrincipalAlias, PrincipalRef, RoleRef, RosterEntry } from '../src/model.js';

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
        fc.array(
          fc.record({
            p: fc.integer({ min: 0, max: 40 }),
            r: fc.integer({ min: 0, max: 9 }),
            // Whole seconds with a few milliseconds, far apart or close together.
            at: fc.oneof(
              fc.integer({ min: 0, max: 5 }).map((s) => NOW - s * 1000 - (s % 3)),
              fc.integer({ min: 0, max: 1e13 }),
            ),
          }),
          { minLength: 60, maxLength: 400 },
        ),
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
