import { describe, expect, it } from 'vitest';
import { roleRefFromArn } from '../src/arn.js';
import {
  assessAssignmentGrants,
  assignmentGrantsToRoster,
  type IdentityCenterSnapshot,
  identityCenterGrants,
  identityCenterRoleMatches,
  parseIdentityCenterSnapshot,
  planAssignmentRemovals,
  planRemovals,
  renderPlan,
  withAssignmentRemovals,
} from '../src/grants/index.js';
import { assessLedger, DAY_MS } from '../src/ledger/index.js';
import type { LedgerEntry } from '../src/model.js';
import { role, snapshot, TARGET } from './grants-fixtures.js';

const NOW = Date.UTC(2025, 5, 1);
const OTHER = '333333333333';
const PROVIDER = 'AWSSSO_0123456789abcdef_DO_NOT_DELETE';
const PS = (n: string) => `arn:aws:sso:::permissionSet/ssoins-1/ps-${n}`;
const ssoRole = (account: string, ps: string, path = 'aws-reserved/sso.amazonaws.com/') =>
  `arn:aws:iam::${account}:role/${path}AWSReservedSSO_${ps}_0a1b2c3d4e5f6789`;

// Both built inside each test (not at import), so mutation testing sees which tests cover them.
const ic = (): IdentityCenterSnapshot =>
  parseIdentityCenterSnapshot({
    format: 'lastswitch.identity-center-snapshot',
    version: 1,
    takenAt: NOW,
    instanceArn: 'arn:aws:sso:::instance/ssoins-1',
    identityStoreId: 'd-1',
    accounts: [TARGET, OTHER],
    permissionSets: [
      { arn: PS('admin'), name: 'Admin' },
      { arn: PS('ro'), name: 'ReadOnly' },
      { arn: PS('admin-x'), name: 'Admin_Extra' },
    ],
    assignments: [
      { accountId: TARGET, permissionSetArn: PS('admin'), principalType: 'USER', principalId: 'u-carol' },
      { accountId: OTHER, permissionSetArn: PS('ro'), principalType: 'USER', principalId: 'u-dave' },
      { accountId: TARGET, permissionSetArn: PS('ro'), principalType: 'GROUP', principalId: 'g-ops' },
      { accountId: OTHER, permissionSetArn: PS('admin'), principalType: 'GROUP', principalId: 'g-ops' },
      { accountId: OTHER, permissionSetArn: PS('admin'), principalType: 'GROUP', principalId: 'g-auditors' },
      { accountId: OTHER, permissionSetArn: PS('admin'), principalType: 'USER', principalId: 'u-deleted' },
      { accountId: OTHER, permissionSetArn: PS('admin'), principalType: 'USER', principalId: 'u-new' },
    ],
    users: [
      { id: 'u-carol', userName: 'carol', emails: [] },
      { id: 'u-dave', userName: 'dave', emails: [] },
      { id: 'u-erin', userName: 'erin', emails: [] },
      { id: 'u-frank', userName: 'frank', emails: [] },
      { id: 'u-gina', userName: 'gina', emails: [] },
      { id: 'u-new', userName: 'newbie', emails: [], createdAt: NOW - 2 * DAY_MS },
    ],
    groups: [
      {
        id: 'g-ops',
        displayName: 'ops',
        members: [
          { membershipId: 'm-carol', userId: 'u-carol' },
          { membershipId: 'm-erin', userId: 'u-erin' },
          { membershipId: 'm-gina', userId: 'u-gina' },
        ],
      },
      { id: 'g-auditors', displayName: 'auditors', members: [{ membershipId: 'm-frank', userId: 'u-frank' }] },
    ],
    problems: [],
  });

const entry = (who: string, roleArn: string, daysAgo: number): LedgerEntry => ({
  principal: { key: `saml:${PROVIDER}:${who}`, kind: 'saml', account: '', name: who },
  role: roleRefFromArn(roleArn),
  lastSeen: NOW - daysAgo * DAY_MS,
  firstSeen: NOW - daysAgo * DAY_MS,
  methods: ['AssumeRoleWithSAML'],
  lastEventId: `event-${who}-${daysAgo}`,
});

const ledger = () => [
  entry('carol', ssoRole(TARGET, 'Admin'), 1),
  entry('carol', ssoRole(TARGET, 'ReadOnly', 'aws-reserved/sso.amazonaws.com/eu-west-1/'), 3),
  // gina uses the group's Admin in OTHER, but never its ReadOnly in TARGET.
  entry('gina', ssoRole(OTHER, 'Admin'), 2),
  // A user who switched but is no longer in the identity store.
  entry('olduser', ssoRole(TARGET, 'Admin'), 5),
];

describe('identityCenterRoleMatches', () => {
  it.each([
    [ssoRole(TARGET, 'Admin'), 'Admin', TARGET, true],
    [ssoRole(TARGET, 'Admin', 'aws-reserved/sso.amazonaws.com/eu-west-1/'), 'Admin', TARGET, true],
    [`arn:aws:iam::${TARGET}:role/AWSReservedSSO_Admin_0a1b2c3d4e5f6789`, 'Admin', TARGET, true],
    [ssoRole(TARGET, 'Admin_Extra'), 'Admin', TARGET, false],
    [ssoRole(TARGET, 'Admin'), 'Admin_Extra', TARGET, false],
    [ssoRole(OTHER, 'Admin'), 'Admin', TARGET, false],
    [`arn:aws:iam::${TARGET}:role/custom/AWSReservedSSO_Admin_0a1b2c3d4e5f6789`, 'Admin', TARGET, false],
    [`arn:aws:iam::${TARGET}:role/AWSReservedSSO_Admin_`, 'Admin', TARGET, false],
  ])('%s is permission set %s in %s: %s', (arn, ps, account, expected) => {
    expect(identityCenterRoleMatches(ps, account, roleRefFromArn(arn))).toBe(expected);
  });
});

describe('identityCenterGrants', () => {
  it('gives one grant per user, permission set and account, directly or through a named group', () => {
    const evaluation = identityCenterGrants(ic(), { principalKeys: [`saml:${PROVIDER}:carol`] });
    const rows = evaluation.grants
      .map(
        (g) =>
          `${g.user.userName} ${g.permissionSet.name} ${g.account} ${g.via.kind === 'group' ? g.via.groupName : 'direct'}`,
      )
      .sort();
    expect(rows).toEqual(
      [
        `carol Admin ${TARGET} direct`,
        `dave ReadOnly ${OTHER} direct`,
        `carol ReadOnly ${TARGET} ops`,
        `erin ReadOnly ${TARGET} ops`,
        `gina ReadOnly ${TARGET} ops`,
        `carol Admin ${OTHER} ops`,
        `erin Admin ${OTHER} ops`,
        `gina Admin ${OTHER} ops`,
        `frank Admin ${OTHER} auditors`,
        `newbie Admin ${OTHER} direct`,
      ].sort(),
    );
    expect(evaluation.grants[0]?.principal.key).toBe(`saml:${PROVIDER}:carol`);
    expect(evaluation.problems.map((p) => p.message)).toEqual([
      'assigned to user id u-deleted, who is not in the identity store (deleted?)',
    ]);
  });

  it('learns the provider name from the IAM snapshots when the ledger has none', () => {
    const iam = snapshot(TARGET, {
      roles: [
        role('AWSReservedSSO_Admin_0a1b2c3d4e5f6789', {
          trust: [
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::${TARGET}:saml-provider/AWSSSO_feedfacefeedface_DO_NOT_DELETE` },
              Action: 'sts:AssumeRoleWithSAML',
            },
          ],
        }),
      ],
    });
    const evaluation = identityCenterGrants(ic(), { iamSnapshots: [iam] });
    expect(evaluation.grants[0]?.principal.key).toBe('saml:AWSSSO_feedfacefeedface_DO_NOT_DELETE:carol');
    expect(evaluation.problems.some((p) => p.message.includes('provider name is not known'))).toBe(false);
    const unknown = identityCenterGrants(ic());
    expect(unknown.problems.some((p) => p.message.includes('provider name is not known'))).toBe(true);
  });

  it('roster entries match the ledger: used assignments are not "never", unused ones are', async () => {
    const evaluation = identityCenterGrants(ic(), { principalKeys: ledger().map((e) => e.principal.key) });
    const assessment = await assessLedger(ledger(), {
      now: NOW,
      staleAfterDays: 90,
      graceDays: 7,
      roster: assignmentGrantsToRoster(evaluation.grants),
    });
    const never = assessment.pairs
      .filter((p) => p.status === 'never')
      .map((p) => `${p.principal.name} ${p.role.key}`)
      .sort();
    expect(never).toEqual(
      [
        `carol arn:aws:iam::${OTHER}:role/AWSReservedSSO_Admin_*`,
        `dave arn:aws:iam::${OTHER}:role/AWSReservedSSO_ReadOnly_*`,
        `erin arn:aws:iam::${OTHER}:role/AWSReservedSSO_Admin_*`,
        `erin arn:aws:iam::${TARGET}:role/AWSReservedSSO_ReadOnly_*`,
        `frank arn:aws:iam::${OTHER}:role/AWSReservedSSO_Admin_*`,
        `gina arn:aws:iam::${TARGET}:role/AWSReservedSSO_ReadOnly_*`,
      ].sort(),
    );
  });
});

describe('planAssignmentRemovals', () => {
  const plan = async () => {
    const assessment = await assessLedger(ledger(), { now: NOW, staleAfterDays: 90 });
    const evaluation = identityCenterGrants(ic(), { principalKeys: ledger().map((e) => e.principal.key) });
    return { assessment, evaluation, plan: planAssignmentRemovals(assessment, evaluation, { graceDays: 7 }) };
  };

  it('deletes unused direct assignments, a group assignment nobody uses, removes idle members, reviews the rest', async () => {
    const { plan: p } = await plan();
    const steps = p.actions.map((a) => `${a.kind}: ${a.summary.split(':')[0]}`).sort();
    expect(steps).toEqual(
      [
        `delete-account-assignment: Delete the assignment of permission set Admin to group auditors in account ${OTHER}`,
        `delete-account-assignment: Delete the assignment of permission set ReadOnly to user dave in account ${OTHER} (never used)`,
        'remove-from-group: Remove erin from identity-store group ops',
        "review: Review carol's access through group ops",
        "review: Review gina's access through group ops",
      ].sort(),
    );
    const direct = p.actions.find((a) => a.assignment?.principalType === 'USER');
    expect(direct?.assignment).toEqual({
      instanceArn: 'arn:aws:sso:::instance/ssoins-1',
      identityStoreId: 'd-1',
      accountId: OTHER,
      permissionSetArn: PS('ro'),
      permissionSetName: 'ReadOnly',
      principalType: 'USER',
      principalId: 'u-dave',
    });
    const erin = p.actions.find((a) => a.kind === 'remove-from-group');
    expect(erin?.identityStoreGroup).toEqual({
      identityStoreId: 'd-1',
      groupId: 'g-ops',
      groupName: 'ops',
      userId: 'u-erin',
      membershipId: 'm-erin',
      userName: 'erin',
    });
    expect(erin?.alsoAffects).toEqual([
      { principal: 'carol', status: 'active' },
      { principal: 'gina', status: 'active' },
    ]);
    expect(erin?.notes[0]).toContain(`ReadOnly in ${TARGET} (stays for carol, gina)`);
    expect(erin?.grants.map((g) => g.status)).toEqual(['never', 'never']);
    // gina uses the group's Admin in OTHER, never its ReadOnly in TARGET: only a human can split that.
    const review = p.actions.find((a) => a.kind === 'review' && a.principal.name === 'gina');
    expect(review?.summary).toContain(`ReadOnly in ${TARGET} (never used)`);
    expect(review?.summary).toContain(`still needs Admin in ${OTHER} (active)`);
    expect(review?.alsoAffects).toEqual([
      { principal: 'carol', status: 'active' },
      { principal: 'erin', status: 'never' },
    ]);
    // carol's direct Admin in TARGET is in use: no step touches it.
    expect(p.actions.some((a) => a.assignment?.principalId === 'u-carol')).toBe(false);
  });

  it('keeps new users in grace and reports users the ledger has but the identity store lost', async () => {
    const { plan: p } = await plan();
    expect(p.skipped.map((s) => `${s.principal} ${s.reason}`)).toEqual([
      `saml:${PROVIDER}:newbie never used, but the user or membership is within the grace period`,
    ]);
    expect(p.problems.map((x) => x.entity)).toEqual(['permission set Admin', 'Identity Center user olduser']);
    expect(p.problems[1]?.message).toContain('renamed or deleted');
  });

  it('numbers the joined steps from 1, ordered by account, principal and summary', async () => {
    const { assessment, evaluation } = await plan();
    const joined = withAssignmentRemovals(planRemovals(assessment, [], { graceDays: 7 }), assessment, evaluation);
    expect(joined.actions.map((a) => a.step)).toEqual([1, 2, 3, 4, 5]);
    const order = joined.actions.map((a) => `${a.account}|${a.principal.key}|${a.summary}`);
    expect(order).toEqual([...order].sort());
  });

  it('joins the IAM plan: one summary, Markdown names the assignment and the group', async () => {
    const { assessment, evaluation } = await plan();
    const iam = planRemovals(assessment, [], { graceDays: 7 });
    const joined = withAssignmentRemovals(iam, assessment, evaluation);
    expect(joined.summary).toMatchObject({ grants: 10, actions: 5, inGrace: 1 });
    expect(joined.summary.active + joined.summary.stale + joined.summary.never).toBe(10);
    const markdown = renderPlan(joined, 'markdown');
    expect(markdown).toContain('Delete Identity Center assignment');
    expect(markdown).toContain('- identity-store group: `ops` (`g-ops`), membership `m-erin` of `erin`');
    expect(assessAssignmentGrants(assessment, evaluation.grants).filter((u) => u.status === 'active')).toHaveLength(3);
  });
});
