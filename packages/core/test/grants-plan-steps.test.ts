import { describe, expect, it } from 'vitest';
import {
  type AuthorizationSnapshot,
  grantsFromSnapshot,
  type PlanAction,
  type PlanRemovalsOptions,
  planRemovals,
} from '../src/grants/index.js';
import { assessLedger, DAY_MS } from '../src/ledger/index.js';
import type { LedgerEntry } from '../src/model.js';
import {
  allowAssume,
  doc,
  ledgerEntry as entry,
  group,
  IDENTITY,
  managedPolicy,
  NOW,
  role,
  snapshot,
  TARGET,
  user,
} from './grants-fixtures.js';

const R = (name: string) => `arn:aws:iam::${TARGET}:role/${name}`;
const U = (name: string) => `arn:aws:iam::${IDENTITY}:user/${name}`;

// The wording, fields and prior states of each kind of plan step (issue #19: mutation testing of plan-removals.ts).
const ROLES = ['A', 'B', 'C', 'Used', 'dev-a', 'dev-b', 'dev-c', 'ops-a'];

/** The plan for an identity snapshot (and the target account's roles), with the snapshots as prior state unless `bare`. */
async function plan(
  identity: AuthorizationSnapshot | AuthorizationSnapshot[],
  ledger: LedgerEntry[] = [],
  options: PlanRemovalsOptions & { bare?: boolean } = {},
) {
  const { bare, ...rest } = options;
  const snapshots = [...[identity].flat(), snapshot(TARGET, { roles: ROLES.map((name) => role(name)) })];
  const assessment = await assessLedger(ledger, { now: NOW, staleAfterDays: 90 });
  return planRemovals(assessment, grantsFromSnapshot(snapshots), bare ? rest : { snapshots, ...rest });
}

const STAYS = 'the group stays as it is for its 0 other member(s) with switch-role grants';
const UNKNOWN_GROUP = "the group's policies may grant other permissions too; check them before removing the user";
const by = (actions: PlanAction[], who: string) => actions.filter((a) => a.principal.name === who);

describe('plan steps: statements of inline and managed policies', () => {
  it('removes a whole statement, naming each resource with its last use', async () => {
    const p = await plan(snapshot(IDENTITY, { users: [user('amy', { inline: [[allowAssume([R('A'), R('B')])]] })] }), [
      entry('amy', 'A', 300),
    ]);
    expect(p.actions).toHaveLength(1);
    const [step] = p.actions;
    expect(step?.kind).toBe('remove-statement');
    expect(step?.summary).toBe(
      `Remove statement #0 from inline policy amy-inline-0 of user amy: remove ${R('A')} (last used 300 days ago), ${R('B')} (never used)`,
    );
    expect(step?.notes).toEqual([]);
    expect(step).not.toHaveProperty('alsoAffects');
    const source = 'inline policy amy-inline-0 of user amy statement #0';
    expect(step?.grants).toEqual([
      {
        id: expect.any(String),
        resource: R('A'),
        status: 'stale',
        lastSeen: NOW - 300 * DAY_MS,
        daysSince: 300,
        usedRoles: [R('A')],
        source,
      },
      { id: expect.any(String), resource: R('B'), status: 'never', usedRoles: [], source },
    ]);
  });

  it('removes a stale wildcard once, without narrowing it', async () => {
    const p = await plan(snapshot(IDENTITY, { users: [user('amy', { inline: [[allowAssume(R('dev-*'))]] })] }), [
      entry('amy', 'dev-a', 200),
    ]);
    expect(p.actions.map((a) => [a.kind, a.summary, a.grants.length, a.addResources])).toEqual([
      [
        'remove-statement',
        `Remove statement #0 from inline policy amy-inline-0 of user amy: remove ${R('dev-*')} (last used 200 days ago)`,
        1,
        undefined,
      ],
    ]);
  });

  it('replaces active wildcards by the roles in active use, sorted, leaving out stale ones', async () => {
    const p = await plan(
      snapshot(IDENTITY, { users: [user('amy', { inline: [[allowAssume([R('dev-*'), R('ops-*')])]] })] }),
      [entry('amy', 'dev-b', 1), entry('amy', 'dev-a', 3), entry('amy', 'dev-c', 100), entry('amy', 'ops-a', 2)],
    );
    expect(p.actions).toHaveLength(1);
    const [step] = p.actions;
    const used = [R('dev-a'), R('dev-b'), R('ops-a')];
    expect(step).toMatchObject({
      kind: 'edit-statement',
      removeResources: [R('dev-*'), R('ops-*')],
      addResources: used,
    });
    expect(step?.summary).toBe(
      `In statement #0 of inline policy amy-inline-0 of user amy: replace ${R('dev-*')}, ${R('ops-*')} with the roles in active use: ${used.join(', ')}`,
    );
    expect(step?.change?.document).toEqual(doc(allowAssume(used)));
  });

  it('removes unused resources and narrows a wildcard in one edit', async () => {
    const p = await plan(
      snapshot(IDENTITY, { users: [user('amy', { inline: [[allowAssume([R('A'), R('dev-*')], { Sid: 'Mixed' })]] })] }),
      [entry('amy', 'dev-a', 1)],
    );
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ kind: 'edit-statement', sid: 'Mixed', notes: [] });
    expect(p.actions[0]?.summary).toBe(
      `In statement "Mixed" (#0) of inline policy amy-inline-0 of user amy: remove ${R('A')} (never used); replace ${R('dev-*')} with the roles in active use: ${R('dev-a')}`,
    );
    expect(p.actions[0]).not.toHaveProperty('alsoAffects');
  });

  it('names a managed policy by ARN and version when editing one of its statements', async () => {
    const kay = managedPolicy('kay-switch', [allowAssume([R('A'), R('Used')])]);
    const p = await plan(snapshot(IDENTITY, { users: [user('kay', { attached: [kay.arn] })], policies: [kay] }), [
      entry('kay', 'Used', 1),
    ]);
    expect(p.actions.map((a) => [a.kind, a.summary])).toEqual([
      ['edit-statement', `In statement #0 of managed policy ${kay.arn} (v3): remove ${R('A')} (never used)`],
    ]);
    expect(p.actions[0]).not.toHaveProperty('alsoAffects');
  });

  it('reviews a NotAction statement, naming the actions it leaves out', async () => {
    const statement = { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: [R('A'), R('B')] };
    const p = await plan(snapshot(IDENTITY, { users: [user('amy', { inline: [[statement]] })] }), [
      entry('amy', 'A', 1),
    ]);
    expect(p.actions.map((a) => [a.kind, a.notes])).toEqual([
      [
        'review',
        ['the statement uses NotAction (iam:*, organizations:*), so its Resource governs far more than role switching'],
      ],
    ]);
  });

  it('reviews a NotResource statement, proposing nothing to add', async () => {
    const statement = { Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: R('A') };
    const p = await plan(snapshot(IDENTITY, { users: [user('amy', { inline: [[statement]] })] }));
    expect(p.actions.map((a) => [a.kind, a.removeResources, a.notes])).toEqual([
      ['review', ['*'], ['the statement uses NotResource']],
    ]);
    expect(p.actions[0]).not.toHaveProperty('addResources');
  });

  it('reviews a shared policy statement, giving every part of the edit and every reason', async () => {
    const shared = managedPolicy('shared', [
      { Effect: 'Allow', Action: ['sts:AssumeRole', 's3:GetObject'], Resource: [R('A'), R('dev-*')] },
    ]);
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('amy', { attached: [shared.arn] }), user('bob', { attached: [shared.arn] })],
        policies: [shared],
      }),
      [entry('amy', 'dev-a', 1)],
    );
    const [review] = by(p.actions, 'amy');
    const reasons = [
      'the statement also allows sts:AssumeRole, s3:GetObject; changing its Resource changes those permissions too',
      `the policy is also attached for ${U('bob')}`,
    ];
    expect(review).toMatchObject({
      kind: 'review',
      removeResources: [R('A'), R('dev-*')],
      addResources: [R('dev-a')],
      alsoAffects: [{ principal: U('bob'), status: 'never' }],
      alsoAffectsCount: 1,
      notes: reasons,
    });
    expect(review?.summary).toBe(
      `Review statement #0 of managed policy ${shared.arn} (v3): remove ${R('A')} (never used); replace ${R('dev-*')} with the roles in active use: ${R('dev-a')} — not proposed automatically because ${reasons.join('; ')}`,
    );
    expect(review?.prior).toEqual({ document: shared.document, versionId: 'v3' });
  });

  it('names at most 20 other holders of a shared policy in a review, with how many more', async () => {
    const shared = managedPolicy('shared', [allowAssume(R('Used')), allowAssume(R('A'))]);
    const names = Array.from({ length: 23 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    const p = await plan(
      snapshot(IDENTITY, { users: names.map((name) => user(name, { attached: [shared.arn] })), policies: [shared] }),
      [entry('u00', 'Used', 1)],
    );
    const [review] = by(p.actions, 'u00');
    const listed = names.slice(1, 21).map(U);
    expect(review?.alsoAffectsCount).toBe(22);
    expect(review?.notes).toEqual([`the policy is also attached for ${listed.join(', ')} and 2 more`]);
  });

  it('counts holders of a shared policy whose grants the plan was not given, but no one else', async () => {
    const shared = managedPolicy('shared', [allowAssume(R('Used')), allowAssume(R('A'))]);
    const snapshots = [
      snapshot(IDENTITY, {
        users: [user('amy', { attached: [shared.arn] }), user('bob', { attached: [shared.arn] }), user('cy')],
        groups: [group('holders', { attached: [shared.arn] }), group('others')],
        roles: [
          { ...role('svc', { account: IDENTITY }), attachedPolicies: [shared.arn] },
          role('plain', { account: IDENTITY }),
        ],
        policies: [shared],
      }),
      snapshot(TARGET, { roles: ROLES.map((name) => role(name)) }),
    ];
    const assessment = await assessLedger([entry('amy', 'Used', 1)], { now: NOW, staleAfterDays: 90 });
    // A plan for amy alone: bob holds the policy too, though his grants are not in this plan.
    const amys = grantsFromSnapshot(snapshots).grants.filter((g) => g.principal.name === 'amy');
    const p = planRemovals(assessment, amys, { snapshots });
    expect(p.actions.map((a) => [a.kind, a.alsoAffectsCount, a.notes])).toEqual([
      ['review', 3, [`the policy is also attached for ${U('bob')}, group holders, role svc`]],
    ]);
  });

  it('lists actions by user, whatever their summaries say', async () => {
    const ops = managedPolicy('ops', [allowAssume(R('B'))]);
    const p = await plan(
      snapshot(IDENTITY, {
        users: [
          user('amy', { inline: [[allowAssume([R('A'), R('Used')])]] }),
          user('zed', { attached: [ops.arn] }),
          user('bea', { inline: [[allowAssume([R('C'), R('Used')])]] }),
        ],
        policies: [ops],
      }),
      [entry('amy', 'Used', 1), entry('bea', 'Used', 1)],
    );
    expect(p.actions.map((a) => [a.step, a.principal.name, a.kind])).toEqual([
      [1, 'amy', 'edit-statement'],
      [2, 'bea', 'edit-statement'],
      [3, 'zed', 'detach-policy'],
    ]);
  });
});

describe('plan steps: groups', () => {
  it('removes a user from a group of their own, with the exact wording and no one else affected', async () => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('amy', { groups: ['solo'] })],
        groups: [group('solo', { inline: [[allowAssume(R('A'))]] })],
      }),
    );
    expect(p.actions).toHaveLength(1);
    const [step] = p.actions;
    expect(step).toMatchObject({
      kind: 'remove-from-group',
      group: 'solo',
      summary: `Remove amy from group solo in account ${IDENTITY}: none of the group's switch-role grants is in use by them`,
      notes: ['the group stays as it is for its 0 other member(s) with switch-role grants'],
      prior: { membership: { user: 'amy', group: 'solo' } },
    });
    expect(step).not.toHaveProperty('alsoAffects');
  });

  it('removes a user from a group whose grants come from an attached managed policy', async () => {
    const switcher = managedPolicy('switcher', [allowAssume(R('A'))]);
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('amy', { groups: ['via-policy'] })],
        groups: [group('via-policy', { attached: [switcher.arn] })],
        policies: [switcher],
      }),
    );
    expect(p.actions.map((a) => [a.kind, a.group, a.prior])).toEqual([
      ['remove-from-group', 'via-policy', { membership: { user: 'amy', group: 'via-policy' } }],
    ]);
  });

  it('names the other members by ARN (path included), each with their best use of the group', async () => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [
          user('amy', { groups: ['g'], path: '/ops/' }),
          user('bob', { groups: ['g'] }),
          user('cy', { groups: ['g'] }),
          user('dee', { groups: ['g'] }),
        ],
        groups: [group('g', { inline: [[allowAssume(R('A'))], [allowAssume(R('B'))]] })],
      }),
      // bob uses the group's first grant, cy its second: each counts as an active member.
      [entry('bob', 'A', 1), entry('cy', 'B', 1)],
    );
    expect(by(p.actions, 'dee')[0]?.alsoAffects).toEqual([
      { principal: U('bob'), status: 'active' },
      { principal: U('cy'), status: 'active' },
      { principal: `arn:aws:iam::${IDENTITY}:user/ops/amy`, status: 'never' },
    ]);
    expect(p.skipped.map((s) => [s.principal, s.resource])).toEqual([
      [U('bob'), R('B')],
      [U('cy'), R('A')],
    ]);
  });

  it('counts a member whose grant never takes effect (outside their boundary) as a member not using the group', async () => {
    const boundary = managedPolicy('boundary', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('amy', { groups: ['g'] }), user('bob', { groups: ['g'], boundary: boundary.arn })],
        groups: [group('g', { inline: [[allowAssume(R('A'))]] })],
        policies: [boundary],
      }),
    );
    expect(p.ineffective.map((i) => [i.principal, i.reason])).toEqual([[U('bob'), 'boundary']]);
    expect(p.actions.map((a) => [a.principal.name, a.alsoAffects])).toEqual([
      ['amy', [{ principal: U('bob'), status: 'never' }]],
    ]);
  });

  it('leaves a new member of a group alone during the grace period', async () => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('amy', { groups: ['g'], createdAt: NOW - 10 * DAY_MS })],
        groups: [group('g', { inline: [[allowAssume(R('A'))]] })],
      }),
    );
    expect(p.actions).toEqual([]);
    expect(p.skipped.map((s) => s.reason)).toEqual(['never used, but the user is within the grace period']);
  });

  it('says why leaving a group does more than remove role switching', async () => {
    const wide = managedPolicy('wide', [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }]);
    const p = await plan(
      snapshot(IDENTITY, {
        users: [
          user('amy', { groups: ['fenced'] }),
          user('bob', { groups: ['busy'] }),
          user('cy', { groups: ['odd'] }),
          user('dee', { groups: ['broad'] }),
          user('eve', { groups: ['managed'] }),
        ],
        groups: [
          group('fenced', {
            inline: [[allowAssume(R('A')), { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: R('B') }]],
          }),
          group('busy', {
            inline: [
              [allowAssume(R('A')), { Effect: 'Allow', Action: ['s3:GetObject', 'ec2:StartInstances'], Resource: '*' }],
              [{ Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' }],
            ],
          }),
          group('odd', { inline: [[allowAssume(R('A')), { Effect: 'Maybe', Action: 's3:*', Resource: '*' }]] }),
          group('broad', {
            inline: [[allowAssume(R('A')), { Effect: 'Allow', NotAction: 'iam:*', Resource: R('B') }]],
          }),
          group('managed', { inline: [[allowAssume(R('A'))]], attached: [wide.arn] }),
        ],
        policies: [wide],
      }),
    );
    const reasons = Object.fromEntries(p.actions.map((a) => [a.principal.name, [a.kind, ...a.notes.slice(1)]]));
    expect(reasons).toEqual({
      amy: ['review', 'inline policy fenced-inline-0 of group fenced has Deny statements, which would no longer apply'],
      bob: [
        'review',
        'inline policy busy-inline-0 of group busy also allows s3:GetObject, ec2:StartInstances',
        'inline policy busy-inline-1 of group busy has Deny statements, which would no longer apply',
      ],
      cy: ['review', 'inline policy odd-inline-0 of group odd has statements lastswitch cannot read'],
      dee: ['review', 'inline policy broad-inline-0 of group broad also allows NotAction'],
      eve: ['review', `managed policy ${wide.arn} of group managed also allows ec2:DescribeInstances`],
    });
    const [bob] = by(p.actions, 'bob');
    expect(bob?.summary).toBe(
      `Review: Remove bob from group busy in account ${IDENTITY}: none of the group's switch-role grants is in use by them — not proposed automatically because ${bob?.notes.slice(1).join('; ')}`,
    );
  });

  it("without the group's documents, judges it by its switch-role statements and says what is unknown", async () => {
    const identity = snapshot(IDENTITY, {
      users: [user('amy', { groups: ['mixed'] }), user('bob', { groups: ['plain'] })],
      groups: [
        group('mixed', {
          inline: [
            [allowAssume(R('A'))],
            [{ Effect: 'Allow', Action: ['sts:AssumeRole', 's3:GetObject'], Resource: R('B') }],
          ],
        }),
        group('plain', { inline: [[allowAssume(R('A'))]] }),
      ],
    });
    const p = await plan(identity, [], { bare: true });
    const steps = Object.fromEntries(p.actions.map((a) => [a.principal.name, a]));
    expect(steps.amy).toMatchObject({
      kind: 'review',
      summary: `Review: Remove amy from group mixed in account ${IDENTITY}: none of the group's switch-role grants is in use by them — not proposed automatically because the group's policies allow more than role switching`,
      notes: [STAYS, "the group's policies allow more than role switching"],
    });
    expect(steps.bob).toMatchObject({
      kind: 'remove-from-group',
      summary: `Remove bob from group plain in account ${IDENTITY}: none of the group's switch-role grants is in use by them`,
      notes: [STAYS, UNKNOWN_GROUP],
    });
    expect(steps.amy).not.toHaveProperty('prior');
    expect(steps.bob).not.toHaveProperty('prior');
  });

  it('treats a group with a managed policy the snapshot does not hold (one AWS manages) as not fully known', async () => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('amy', { groups: ['aws'] })],
        groups: [
          group('aws', { inline: [[allowAssume(R('A'))]], attached: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }),
        ],
      }),
    );
    expect(p.actions.map((a) => [a.kind, a.notes, a.prior])).toEqual([
      ['remove-from-group', [STAYS, UNKNOWN_GROUP], undefined],
    ]);
  });
});

describe('plan steps: managed policies attached to a user', () => {
  it('says why detaching a policy does more than remove role switching, and keeps the attachment as prior state', async () => {
    const wide = managedPolicy('wide', [
      allowAssume(R('A')),
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      { Effect: 'Deny', Action: 'ec2:*', Resource: '*' },
    ]);
    const narrow = managedPolicy('narrow', [allowAssume(R('B'))]);
    const p = await plan(
      snapshot(IDENTITY, { users: [user('amy', { attached: [wide.arn, narrow.arn] })], policies: [wide, narrow] }),
    );
    const steps = Object.fromEntries(p.actions.map((a) => [a.policy?.name, a]));
    const reasons = [
      'the policy also allows s3:GetObject',
      'the policy has Deny statements, which would no longer apply',
    ];
    expect(steps.wide).toMatchObject({
      kind: 'review',
      summary: `Review: Detach managed policy ${wide.arn} from user amy: none of its switch-role grants is in use by them — not proposed automatically because ${reasons.join('; ')}`,
      notes: reasons,
    });
    expect(steps.wide?.prior).toEqual({
      document: wide.document,
      versionId: 'v3',
      attachment: { user: 'amy', policyArn: wide.arn },
    });
    expect(steps.narrow).toMatchObject({
      kind: 'detach-policy',
      summary: `Detach managed policy ${narrow.arn} from user amy: none of its switch-role grants is in use by them`,
      notes: [],
    });
    expect(steps.narrow).not.toHaveProperty('alsoAffects');
  });

  it("without the policy's document, judges it by its switch-role statements and says what is unknown", async () => {
    const mixed = managedPolicy('mixed', [
      allowAssume(R('A')),
      { Effect: 'Allow', Action: ['sts:AssumeRole', 's3:GetObject'], Resource: R('B') },
    ]);
    const plain = managedPolicy('plain', [allowAssume(R('A'))]);
    const p = await plan(
      snapshot(IDENTITY, { users: [user('amy', { attached: [mixed.arn, plain.arn] })], policies: [mixed, plain] }),
      [],
      { bare: true },
    );
    const steps = Object.fromEntries(p.actions.map((a) => [a.policy?.name, a]));
    expect(steps.mixed).toMatchObject({
      kind: 'review',
      summary: `Review: Detach managed policy ${mixed.arn} from user amy: none of its switch-role grants is in use by them — not proposed automatically because the policy allows more than role switching`,
      notes: ['the policy allows more than role switching'],
    });
    expect(steps.plain).toMatchObject({
      kind: 'detach-policy',
      summary: `Detach managed policy ${plain.arn} from user amy: none of its switch-role grants is in use by them`,
      notes: ['the policy may grant other permissions too; check it before detaching'],
    });
    expect(steps.mixed).not.toHaveProperty('prior');
    expect(steps.plain).not.toHaveProperty('prior');
  });

  it('leaves a new user with an attached policy alone during the grace period, unless the grace period is shorter', async () => {
    const ops = managedPolicy('ops', [allowAssume(R('A'))]);
    const identity = snapshot(IDENTITY, {
      users: [user('amy', { attached: [ops.arn], createdAt: NOW - 10 * DAY_MS })],
      policies: [ops],
    });
    const p = await plan(identity);
    expect(p.actions).toEqual([]);
    expect(p.skipped.map((s) => s.reason)).toEqual(['never used, but the user is within the grace period']);
    const short = await plan(identity, [], { graceDays: 7 });
    expect(short.graceDays).toBe(7);
    expect(short.actions.map((a) => a.kind)).toEqual(['detach-policy']);
    expect(short.skipped).toEqual([]);
  });
});

describe('plan steps: trust policies', () => {
  it('removes a user from a role trust statement by ARN and unique id, with the exact wording', async () => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('hal')],
        roles: [
          role('Local', {
            account: IDENTITY,
            trust: [
              { Sid: 'People', Effect: 'Allow', Principal: { AWS: [U('hal'), 'AIDAOTHER'] }, Action: 'sts:AssumeRole' },
            ],
          }),
        ],
      }),
    );
    expect(p.actions).toHaveLength(1);
    const [step] = p.actions;
    expect(step).toMatchObject({
      kind: 'remove-trust-principal',
      summary: `Remove ${U('hal')} from statement "People" (#0) of the trust policy of role Local (never used)`,
      sid: 'People',
      statementIndex: 0,
      removePrincipals: [U('hal'), 'AIDAHAL'],
      notes: [],
    });
    expect(step?.grants.map((g) => [g.resource, g.status])).toEqual([[`arn:aws:iam::${IDENTITY}:role/Local`, 'never']]);
  });

  it('removes a user with a path by the ARN the trust policy writes and by its key', async () => {
    const arn = `arn:aws:iam::${IDENTITY}:user/ops/hal`;
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('hal', { path: '/ops/' })],
        roles: [role('Local', { account: IDENTITY, trusted: [arn, 'AIDAOTHER'] })],
      }),
    );
    expect(p.actions.map((a) => a.removePrincipals)).toEqual([[arn, U('hal'), 'AIDAHAL']]);
    expect(p.actions[0]?.change?.document).toEqual(
      doc({ Effect: 'Allow', Principal: { AWS: ['AIDAOTHER'] }, Action: 'sts:AssumeRole' }),
    );
  });

  it('leaves out an empty unique id (a snapshot without ids)', async () => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [{ ...user('hal'), id: '' }],
        roles: [role('Local', { account: IDENTITY, trusted: [U('hal'), 'AIDAOTHER'] })],
      }),
    );
    expect(p.actions.map((a) => a.removePrincipals)).toEqual([[U('hal')]]);
  });

  it('applies the steps on one trust policy in order, even when a later statement goes first', async () => {
    const ec2 = { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' };
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('hal'), user('ida')],
        roles: [
          role('Local', {
            account: IDENTITY,
            trust: [
              { Effect: 'Allow', Principal: { AWS: U('ida') }, Action: 'sts:AssumeRole' },
              { Effect: 'Allow', Principal: { AWS: U('hal') }, Action: 'sts:AssumeRole' },
              ec2,
            ],
          }),
        ],
      }),
    );
    // hal's step (statement #1) comes first; ida's statement #0 keeps its index.
    expect(p.actions.map((a) => [a.step, a.kind, a.principal.name, a.statementIndex])).toEqual([
      [1, 'remove-trust-principal', 'hal', 1],
      [2, 'remove-trust-principal', 'ida', 0],
    ]);
    expect(p.actions[1]?.change?.document).toEqual(doc(ec2));
  });

  it('says why a trust step that would empty the policy is left to a person', async () => {
    const p = await plan(
      snapshot(IDENTITY, { users: [user('hal')], roles: [role('Local', { account: IDENTITY, trusted: U('hal') })] }),
    );
    expect(p.actions.map((a) => [a.kind, a.summary, a.change])).toEqual([
      [
        'review',
        `Review: Remove ${U('hal')} from statement #0 of the trust policy of role Local (never used) — not proposed automatically because it would leave the trust policy without statements`,
        undefined,
      ],
    ]);
  });
});

describe('plan prior state: each step starts from its own document', () => {
  it('keeps the documents of two inline policies, of two users, of two roles and of two managed policies apart', async () => {
    const first = managedPolicy('first', [allowAssume([R('A'), R('Used')])]);
    const second = managedPolicy('second', [allowAssume([R('B'), R('Used')])]);
    const named = (name: string, statements: object[]) => ({
      ...user(name),
      inlinePolicies: [{ name: 'switch', document: doc(...statements) }],
    });
    const trust = (others: string) => [
      { Effect: 'Allow', Principal: { AWS: [U('hal'), others] }, Action: 'sts:AssumeRole' },
    ];
    const identity = snapshot(IDENTITY, {
      users: [
        user('amy', { inline: [[allowAssume([R('A'), R('Used')])], [allowAssume([R('B'), R('Used')])]] }),
        named('bob', [allowAssume([R('A'), R('Used')])]),
        named('cy', [allowAssume([R('C'), R('Used')])]),
        user('hal'),
        user('kay', { attached: [first.arn, second.arn] }),
      ],
      roles: [
        role('First', { account: IDENTITY, trust: trust('AIDAONE') }),
        role('Second', { account: IDENTITY, trust: trust('AIDATWO') }),
      ],
      policies: [first, second],
    });
    const p = await plan(
      identity,
      ['amy', 'bob', 'cy', 'kay'].map((who) => entry(who, 'Used', 1)),
    );
    const documentOf = (a: PlanAction) => {
      if (a.policy?.kind === 'trust-policy') return identity.roles.find((r) => r.name === a.policy?.owner)?.trustPolicy;
      if (a.policy?.kind === 'user-managed') return identity.policies.find((m) => m.arn === a.policy?.arn)?.document;
      const owner = identity.users.find((u) => u.name === a.policy?.owner);
      return owner?.inlinePolicies.find((i) => i.name === a.policy?.name)?.document;
    };
    expect(p.actions.map((a) => [a.principal.name, a.kind, a.policy?.name])).toEqual([
      ['amy', 'edit-statement', 'amy-inline-0'],
      ['amy', 'edit-statement', 'amy-inline-1'],
      ['bob', 'edit-statement', 'switch'],
      ['cy', 'edit-statement', 'switch'],
      ['hal', 'remove-trust-principal', 'trust policy'],
      ['hal', 'remove-trust-principal', 'trust policy'],
      ['kay', 'edit-statement', 'first'],
      ['kay', 'edit-statement', 'second'],
    ]);
    for (const a of p.actions) {
      const versionId = a.policy?.kind === 'user-managed' ? { versionId: 'v3' } : {};
      expect(a.prior, a.summary).toEqual({ document: documentOf(a), ...versionId });
    }
  });

  it('reads the newest snapshot of an account, as the grants do, whatever order the snapshots come in', async () => {
    const at = (takenAt: number, resources: string[]) =>
      snapshot(IDENTITY, { takenAt, users: [user('amy', { inline: [[allowAssume(resources)]] })] });
    const older = at(NOW - DAY_MS, [R('A'), R('Used')]);
    const newer = at(NOW, [R('A'), R('B'), R('Used')]);
    const ledger = [entry('amy', 'Used', 1)];
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      const p = await plan(order, ledger);
      expect(p.actions.map((a) => [a.kind, a.removeResources])).toEqual([['edit-statement', [R('A'), R('B')]]]);
      expect(p.actions[0]?.prior?.document).toEqual(newer.users[0]?.inlinePolicies[0]?.document);
      expect(p.actions[0]?.change?.document).toEqual(doc(allowAssume([R('Used')])));
    }
    // Two taken at the same time: the plan's prior state is the document its grants came from (the first given).
    const tie = at(NOW, [R('A'), R('Used')]);
    const p = await plan([tie, newer], ledger);
    expect(p.actions.map((a) => [a.kind, a.removeResources])).toEqual([['edit-statement', [R('A')]]]);
    expect(p.actions[0]?.prior?.document).toEqual(tie.users[0]?.inlinePolicies[0]?.document);
  });
});

describe('plan prior state: snapshots newer than the grants', () => {
  // Grants read from yesterday's snapshot, today's given as the state `apply` will find.
  async function planAgainst(then: AuthorizationSnapshot, now: AuthorizationSnapshot, ledger: LedgerEntry[]) {
    const target = snapshot(TARGET, { roles: ROLES.map((name) => role(name)) });
    const assessment = await assessLedger(ledger, { now: NOW, staleAfterDays: 90 });
    return planRemovals(assessment, grantsFromSnapshot([then, target]), { snapshots: [now, target] });
  }

  it('records no prior state for a policy, inline policy or role that is gone (apply then refuses the step)', async () => {
    const kay = managedPolicy('kay-switch', [allowAssume([R('A'), R('Used')])]);
    const then = snapshot(IDENTITY, {
      users: [
        user('amy', { inline: [[allowAssume([R('A'), R('Used')])]] }),
        user('hal'),
        user('kay', { attached: [kay.arn] }),
      ],
      roles: [role('Local', { account: IDENTITY, trusted: [U('hal'), 'AIDAOTHER'] })],
      policies: [kay],
    });
    const now = snapshot(IDENTITY, { users: [user('amy'), user('hal'), user('kay')] });
    const p = await planAgainst(then, now, [entry('amy', 'Used', 1), entry('kay', 'Used', 1)]);
    expect(p.actions.map((a) => [a.principal.name, a.kind, a.prior])).toEqual([
      ['amy', 'edit-statement', undefined],
      ['hal', 'remove-trust-principal', undefined],
      ['kay', 'edit-statement', undefined],
    ]);
  });

  it('turns a step whose statement is no longer there into a review step', async () => {
    const then = snapshot(IDENTITY, {
      users: [user('amy', { inline: [[allowAssume(R('Used')), allowAssume(R('A'))]] })],
    });
    const now = snapshot(IDENTITY, { users: [user('amy', { inline: [[allowAssume(R('Used'))]] })] });
    const p = await planAgainst(then, now, [entry('amy', 'Used', 1)]);
    expect(p.actions.map((a) => [a.kind, a.summary, a.change])).toEqual([
      [
        'review',
        `Review: Remove statement #1 from inline policy amy-inline-0 of user amy: remove ${R('A')} (never used) — not proposed automatically because statement #1 is not as the plan expects it`,
        undefined,
      ],
    ]);
  });

  it('does not remove a statement that has gained resources since: only what the plan names goes', async () => {
    const then = snapshot(IDENTITY, {
      users: [user('amy', { inline: [[allowAssume(R('Used')), allowAssume([R('A'), R('B')])]] })],
    });
    const now = snapshot(IDENTITY, {
      users: [user('amy', { inline: [[allowAssume(R('Used')), allowAssume([R('A'), R('B'), R('C')])]] })],
    });
    const p = await planAgainst(then, now, [entry('amy', 'Used', 1), entry('amy', 'C', 1)]);
    expect(p.actions.map((a) => [a.kind, a.notes, a.change])).toEqual([
      ['review', ['statement #1 is not as the plan expects it'], undefined],
    ]);
  });

  it('never leaves a managed policy without statements: that is a review step (detach it instead)', async () => {
    const kay = (resources: string[]) => managedPolicy('kay-switch', [allowAssume(resources)]);
    const then = snapshot(IDENTITY, {
      users: [user('kay', { attached: [kay([]).arn] })],
      policies: [kay([R('A'), R('Used')])],
    });
    const now = snapshot(IDENTITY, { users: [user('kay', { attached: [kay([]).arn] })], policies: [kay([R('A')])] });
    const p = await planAgainst(then, now, [entry('kay', 'Used', 1)]);
    expect(p.actions.map((a) => [a.kind, a.notes, a.change])).toEqual([
      ['review', ['it would leave the managed policy without statements (detach it instead)'], undefined],
    ]);
  });
});

describe('planRemovals: what it passes through', () => {
  it("keeps the evaluation's problems", async () => {
    const identity = snapshot(IDENTITY, {
      users: [user('amy', { inline: [[allowAssume(R('A')), { Effect: 'Allow', Action: 7, Resource: '*' }]] })],
    });
    const evaluation = grantsFromSnapshot([identity]);
    expect(evaluation.problems).not.toEqual([]);
    const p = planRemovals(await assessLedger([], { now: NOW, staleAfterDays: 90 }), evaluation);
    expect(p.problems).toEqual(evaluation.problems);
  });
});
