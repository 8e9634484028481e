import { describe, expect, it } from 'vitest';
import { roleRefFromArn } from '../src/arn.js';
import {
  identityCenterGrants,
  parseIdentityCenterSnapshot,
  planAssignmentRemovals,
  planRemovals,
  withAssignmentRemovals,
} from '../src/grants/index.js';
import { assessLedger, DAY_MS } from '../src/ledger/index.js';
import type { LedgerEntry } from '../src/model.js';

const NOW = Date.UTC(2025, 5, 1);
const TARGET = '222222222222';
const OTHER = '333333333333';
const PROVIDER = 'AWSSSO_0123456789abcdef_DO_NOT_DELETE';
const NAMES = ['Admin', 'Audit', 'Billing', 'Dev', 'ReadOnly'] as const;
type PermissionSet = (typeof NAMES)[number];
const PS = (name: PermissionSet) => `arn:aws:sso:::permissionSet/ssoins-1/ps-${name.toLowerCase()}`;
const ROLE = (account: string, ps: PermissionSet) =>
  `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${ps}_0a1b2c3d4e5f6789`;
const KEY = (name: string) => `saml:${PROVIDER}:${name}`;

type Assigned = [account: string, permissionSet: PermissionSet];

interface Store {
  /** User names (id `u-<name>`), with the days since the user was created when it matters. */
  users: (string | [name: string, createdDaysAgo: number])[];
  /** Groups (id `g-<name>`): members in this order, some joined a number of days ago; and what the group is assigned. */
  groups?: { name: string; members: (string | [name: string, joinedDaysAgo: number])[]; assigned: Assigned[] }[];
  /** Assignments straight to a user. */
  direct?: [user: string, account: string, permissionSet: PermissionSet][];
}

/** An Identity Center snapshot of instance `ssoins-1` (identity store `d-1`). */
function store(s: Store) {
  const nameOf = (m: string | [string, number]) => (typeof m === 'string' ? m : m[0]);
  return parseIdentityCenterSnapshot({
    format: 'lastswitch.identity-center-snapshot',
    version: 1,
    takenAt: NOW,
    instanceArn: 'arn:aws:sso:::instance/ssoins-1',
    identityStoreId: 'd-1',
    accounts: [TARGET, OTHER],
    permissionSets: NAMES.map((name) => ({ arn: PS(name), name })),
    assignments: [
      ...(s.direct ?? []).map(([u, accountId, ps]) => ({
        accountId,
        permissionSetArn: PS(ps),
        principalType: 'USER' as const,
        principalId: `u-${u}`,
      })),
      ...(s.groups ?? []).flatMap((g) =>
        g.assigned.map(([accountId, ps]) => ({
          accountId,
          permissionSetArn: PS(ps),
          principalType: 'GROUP' as const,
          principalId: `g-${g.name}`,
        })),
      ),
    ],
    users: s.users.map((u) => ({
      id: `u-${nameOf(u)}`,
      userName: nameOf(u),
      emails: [],
      ...(typeof u === 'string' ? {} : { createdAt: NOW - u[1] * DAY_MS }),
    })),
    groups: (s.groups ?? []).map((g) => ({
      id: `g-${g.name}`,
      displayName: g.name,
      members: g.members.map((m) => ({
        membershipId: `m-${g.name}-${nameOf(m)}`,
        userId: `u-${nameOf(m)}`,
        ...(typeof m === 'string' ? {} : { createdAt: NOW - m[1] * DAY_MS }),
      })),
    })),
    problems: [],
  });
}

/** Ledger entries: who switched into which permission set's role, how many days ago. */
const ledger = (uses: [who: string, account: string, ps: PermissionSet, daysAgo: number][]): LedgerEntry[] =>
  uses.map(([who, account, ps, daysAgo]) => ({
    principal: { key: KEY(who), kind: 'saml', account: '', name: who },
    role: roleRefFromArn(ROLE(account, ps)),
    lastSeen: NOW - daysAgo * DAY_MS,
    firstSeen: NOW - daysAgo * DAY_MS,
    methods: ['AssumeRoleWithSAML'],
    lastEventId: `event-${who}-${ps}-${daysAgo}`,
  }));

/** Assessed with a 90-day window; the plan's grace period is 7 days. */
async function planFor(s: Store, uses: Parameters<typeof ledger>[0]) {
  const entries = ledger(uses);
  const assessment = await assessLedger(entries, { now: NOW, staleAfterDays: 90 });
  const evaluation = identityCenterGrants(store(s), { principalKeys: entries.map((e) => e.principal.key) });
  return planAssignmentRemovals(assessment, evaluation, { graceDays: 7 });
}

/** A group `eng` of five, assigned five permission sets; who uses what is in `engUses`. */
const eng = (): Store => ({
  users: ['zoe', 'kim', 'ivan', 'bob', 'amy'],
  groups: [
    {
      name: 'eng',
      members: ['zoe', 'kim', 'ivan', 'bob', 'amy'],
      assigned: [
        [TARGET, 'Dev'],
        [TARGET, 'Audit'],
        [OTHER, 'ReadOnly'],
        [OTHER, 'Billing'],
        [OTHER, 'Admin'],
      ],
    },
  ],
});
const engUses = (): Parameters<typeof ledger>[0] => [
  ['zoe', TARGET, 'Dev', 1],
  ['zoe', TARGET, 'Audit', 1],
  ['zoe', OTHER, 'ReadOnly', 1],
  ['zoe', OTHER, 'Billing', 1],
  ['kim', TARGET, 'Dev', 3],
  ['kim', TARGET, 'Audit', 3],
  ['kim', OTHER, 'ReadOnly', 120],
  ['bob', OTHER, 'Admin', 200],
  ['bob', TARGET, 'Dev', 150],
];

describe('planAssignmentRemovals: direct assignments', () => {
  it('deletes a stale direct assignment saying when it was last used, and a never-used one', async () => {
    const plan = await planFor(
      {
        users: ['sam', 'tom'],
        direct: [
          ['sam', TARGET, 'Admin'],
          ['tom', OTHER, 'ReadOnly'],
        ],
      },
      [['sam', TARGET, 'Admin', 120]],
    );
    const assignment = (user: string, account: string, ps: PermissionSet) => ({
      instanceArn: 'arn:aws:sso:::instance/ssoins-1',
      identityStoreId: 'd-1',
      accountId: account,
      permissionSetArn: PS(ps),
      permissionSetName: ps,
      principalType: 'USER',
      principalId: `u-${user}`,
    });
    expect(plan.actions).toStrictEqual([
      {
        kind: 'delete-account-assignment',
        account: TARGET,
        principal: { key: KEY('sam'), kind: 'saml', account: '', name: 'sam' },
        summary: `Delete the assignment of permission set Admin to user sam in account ${TARGET} (last used 120 days ago)`,
        assignment: assignment('sam', TARGET, 'Admin'),
        grants: [
          {
            id: `identity-center|u-sam|${PS('Admin')}|${TARGET}|direct`,
            resource: `arn:aws:iam::${TARGET}:role/AWSReservedSSO_Admin_*`,
            status: 'stale',
            lastSeen: NOW - 120 * DAY_MS,
            daysSince: 120,
            usedRoles: [ROLE(TARGET, 'Admin')],
            source: `Identity Center permission set Admin in ${TARGET}, assigned directly`,
          },
        ],
        notes: [],
      },
      {
        kind: 'delete-account-assignment',
        account: OTHER,
        principal: { key: KEY('tom'), kind: 'saml', account: '', name: 'tom' },
        summary: `Delete the assignment of permission set ReadOnly to user tom in account ${OTHER} (never used)`,
        assignment: assignment('tom', OTHER, 'ReadOnly'),
        grants: [
          {
            id: `identity-center|u-tom|${PS('ReadOnly')}|${OTHER}|direct`,
            resource: `arn:aws:iam::${OTHER}:role/AWSReservedSSO_ReadOnly_*`,
            status: 'never',
            usedRoles: [],
            source: `Identity Center permission set ReadOnly in ${OTHER}, assigned directly`,
          },
        ],
        notes: [],
      },
    ]);
  });
});

describe('planAssignmentRemovals: group assignments', () => {
  it('plans one step per idle member or unused group assignment, and none for a member who uses all', async () => {
    const plan = await planFor(eng(), engUses());
    expect(plan.actions.map((a) => `${a.kind} ${a.principal.name}`)).toEqual([
      'delete-account-assignment group eng',
      'review kim',
      'remove-from-group ivan',
      'remove-from-group bob',
      'remove-from-group amy',
    ]);
  });

  it('deletes a group assignment nobody uses for the whole group, naming every member, stale before never', async () => {
    const plan = await planFor(eng(), engUses());
    const step = plan.actions[0];
    expect(step?.principal).toStrictEqual({
      key: 'identity-store-group:d-1:g-eng',
      kind: 'saml',
      account: '',
      name: 'group eng',
    });
    expect(step?.summary).toBe(
      `Delete the assignment of permission set Admin to group eng in account ${OTHER}: none of its 5 member(s) uses it`,
    );
    expect(step?.assignment).toMatchObject({ principalType: 'GROUP', principalId: 'g-eng', accountId: OTHER });
    expect(step?.grants.map((g) => `${g.id.split('|')[1]} ${g.status}`)).toEqual([
      'u-zoe never',
      'u-kim never',
      'u-ivan never',
      'u-bob stale',
      'u-amy never',
    ]);
    expect(step?.alsoAffects).toStrictEqual([
      { principal: 'bob', status: 'stale' },
      { principal: 'amy', status: 'never' },
      { principal: 'ivan', status: 'never' },
      { principal: 'kim', status: 'never' },
      { principal: 'zoe', status: 'never' },
    ]);
    expect(step?.alsoAffectsCount).toBe(5);
    expect(step?.notes).toStrictEqual([`every member of group eng loses Admin in ${OTHER}; none of them has used it`]);
  });

  it('removes an idle member: what the group still gives and to whom, who else keeps it (most active first)', async () => {
    const plan = await planFor(eng(), engUses());
    const ivan = plan.actions.find((a) => a.principal.name === 'ivan');
    expect(ivan?.account).toBe('d-1');
    expect(ivan?.summary).toBe(
      `Remove ivan from identity-store group eng: none of the group's assignments is in use by them (Dev in ${TARGET}: never used; Audit in ${TARGET}: never used; ReadOnly in ${OTHER}: never used; Billing in ${OTHER}: never used)`,
    );
    // Admin in OTHER is deleted for the whole group by another step: not what the group still gives.
    const stays = '(stays for zoe, kim, bob, amy)';
    expect(ivan?.notes).toStrictEqual([
      `the group gives Dev in ${TARGET} ${stays}, Audit in ${TARGET} ${stays}, ReadOnly in ${OTHER} ${stays}, Billing in ${OTHER} ${stays}`,
      'the group stays as it is for its 4 other member(s)',
    ]);
    expect(ivan?.alsoAffects).toStrictEqual([
      { principal: 'kim', status: 'active' },
      { principal: 'zoe', status: 'active' },
      { principal: 'bob', status: 'stale' },
      { principal: 'amy', status: 'never' },
    ]);
    expect(ivan?.alsoAffectsCount).toBe(4);
    const bob = plan.actions.find((a) => a.principal.name === 'bob');
    expect(bob?.summary).toContain(`(Dev in ${TARGET}: last used 150 days ago; Audit in ${TARGET}: never used;`);
    expect(bob?.grants.map((g) => g.resource)).not.toContain(`arn:aws:iam::${OTHER}:role/AWSReservedSSO_Admin_*`);
  });

  it('reviews a member who still uses part of the group: every unused and every kept assignment named', async () => {
    const plan = await planFor(eng(), engUses());
    const kim = plan.actions.find((a) => a.principal.name === 'kim');
    expect(kim?.kind).toBe('review');
    expect(kim?.summary).toBe(
      `Review kim's access through group eng: ReadOnly in ${OTHER} (last used 120 days ago), Billing in ${OTHER} (never used) — not proposed automatically because the user still needs Dev in ${TARGET} (active), Audit in ${TARGET} (active) from the same group, and changing the group's assignment would affect its other members`,
    );
    expect(kim?.grants.map((g) => `${g.resource} ${g.status}`)).toEqual([
      `arn:aws:iam::${OTHER}:role/AWSReservedSSO_ReadOnly_* stale`,
      `arn:aws:iam::${OTHER}:role/AWSReservedSSO_Billing_* never`,
    ]);
    expect(kim?.alsoAffects).toStrictEqual([
      { principal: 'zoe', status: 'active' },
      { principal: 'amy', status: 'never' },
      { principal: 'bob', status: 'never' },
      { principal: 'ivan', status: 'never' },
    ]);
    expect(kim?.notes).toStrictEqual([
      'to take this away from this user alone, move them to a group without it (or assign what they use directly)',
    ]);
  });

  it('keeps what a new member has not used yet: the review says it is in grace', async () => {
    const plan = await planFor(
      {
        users: ['zoe', 'nina'],
        groups: [
          {
            name: 'qa',
            members: ['zoe', ['nina', 2]],
            assigned: [
              [TARGET, 'Dev'],
              [OTHER, 'ReadOnly'],
            ],
          },
        ],
      },
      [
        ['zoe', TARGET, 'Dev', 1],
        ['zoe', OTHER, 'ReadOnly', 1],
        // Before she (re)joined the group two days ago.
        ['nina', OTHER, 'ReadOnly', 120],
      ],
    );
    expect(plan.actions.map((a) => `${a.kind} ${a.principal.name}`)).toEqual(['review nina']);
    expect(plan.actions[0]?.summary).toContain(
      `nina's access through group qa: ReadOnly in ${OTHER} (last used 120 days ago) — not proposed automatically because the user still needs Dev in ${TARGET} (in grace) from the same group`,
    );
    expect(plan.skipped).toStrictEqual([
      {
        grantId: `identity-center|u-nina|${PS('Dev')}|${TARGET}|group:g-qa`,
        principal: KEY('nina'),
        resource: `arn:aws:iam::${TARGET}:role/AWSReservedSSO_Dev_*`,
        reason: 'never used, but the user or membership is within the grace period',
      },
    ]);
  });

  it('names at most 20 other members, the active first, and counts them all', async () => {
    const idle = Array.from({ length: 21 }, (_, i) => `m${String(21 - i).padStart(2, '0')}`);
    const plan = await planFor(
      { users: ['zoe', ...idle], groups: [{ name: 'all', members: [...idle, 'zoe'], assigned: [[TARGET, 'Dev']] }] },
      [['zoe', TARGET, 'Dev', 1]],
    );
    expect(plan.actions).toHaveLength(21);
    const m01 = plan.actions.find((a) => a.principal.name === 'm01');
    expect(m01?.alsoAffects).toStrictEqual([
      { principal: 'zoe', status: 'active' },
      ...Array.from({ length: 19 }, (_, i) => ({ principal: `m${String(i + 2).padStart(2, '0')}`, status: 'never' })),
    ]);
    expect(m01?.alsoAffectsCount).toBe(21);
    expect(m01?.notes[1]).toBe('the group stays as it is for its 21 other member(s)');
  });
});

describe('withAssignmentRemovals', () => {
  it("uses the IAM plan's grace period and carries the Identity Center skips and problems over", async () => {
    const entries = ledger([
      ['sam', TARGET, 'Admin', 1],
      ['gone', TARGET, 'Admin', 5],
    ]);
    // Assessed with a 90-day window, planned with a 7-day grace: lee (30 days old) is past it.
    const assessment = await assessLedger(entries, { now: NOW, staleAfterDays: 90 });
    const evaluation = identityCenterGrants(
      store({
        users: ['sam', ['lee', 30], ['new', 2]],
        direct: [
          ['sam', TARGET, 'Admin'],
          ['lee', TARGET, 'Admin'],
          ['new', TARGET, 'Admin'],
        ],
      }),
      { principalKeys: entries.map((e) => e.principal.key) },
    );
    const iam = planRemovals(assessment, [], { graceDays: 7 });
    const joined = withAssignmentRemovals(iam, assessment, evaluation);
    expect(joined.actions.map((a) => a.summary)).toEqual([
      `Delete the assignment of permission set Admin to user lee in account ${TARGET} (never used)`,
    ]);
    expect(joined.skipped.map((s) => s.principal)).toEqual([KEY('new')]);
    expect(joined.problems.map((p) => p.entity)).toEqual(['Identity Center user gone']);
  });
});
