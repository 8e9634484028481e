import { describe, expect, it } from 'vitest';
import { principalRefFromArn, roleRefFromArn } from '../src/arn.js';
import {
  editStatementResources,
  grantsFromSnapshot,
  PLAN_VERSION,
  type PlanAction,
  planRemovals,
  removeTrustPrincipals,
  renderPlan,
} from '../src/grants/index.js';
import { assessLedger, DAY_MS } from '../src/ledger/index.js';
import type { LedgerEntry } from '../src/model.js';
import { allowAssume, doc, group, IDENTITY, managedPolicy, role, snapshot, TARGET, user } from './grants-fixtures.js';

// Plan safety (issue #19): once `apply` exists, every automatic step must change role switching only.
const NOW = Date.UTC(2025, 5, 1);
const R = (name: string) => `arn:aws:iam::${TARGET}:role/${name}`;
const U = (name: string) => `arn:aws:iam::${IDENTITY}:user/${name}`;
const target = snapshot(TARGET, { roles: ['A', 'B', 'C', 'Used'].map((name) => role(name)) });

const entry = (who: string, roleName: string, daysAgo: number): LedgerEntry => ({
  principal: principalRefFromArn(U(who)),
  role: roleRefFromArn(R(roleName)),
  firstSeen: NOW - 400 * DAY_MS,
  lastSeen: NOW - daysAgo * DAY_MS,
  methods: ['AssumeRole'],
  lastEventId: `${who}-${roleName}`,
});

async function plan(identity: ReturnType<typeof snapshot>, ledger: LedgerEntry[] = []) {
  const snapshots = [identity, target];
  const assessment = await assessLedger(ledger, { now: NOW, staleAfterDays: 90 });
  return planRemovals(assessment, grantsFromSnapshot(snapshots), { snapshots });
}

const kinds = (actions: PlanAction[]) => actions.map((a) => a.kind);

describe('plan safety: only role switching is ever changed automatically', () => {
  it.each([
    ['sts:AssumeRole and s3:*', ['sts:AssumeRole', 's3:*']],
    ['s3:* listed first', ['s3:*', 'sts:AssumeRole']],
    ['everything', '*'],
    ['iam:PassRole beside sts:*', ['sts:*', 'iam:PassRole']],
  ])('a statement allowing %s becomes a review step, never an edit', async (_label, Action) => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('ann', { inline: [[{ Effect: 'Allow', Action, Resource: [R('A'), R('B')] }]] })],
      }),
      [entry('ann', 'A', 1)],
    );
    expect(kinds(p.actions)).toEqual(['review']);
    expect(p.actions[0]?.change).toBeUndefined();
  });

  it('an STS-only statement is edited automatically (the review above is not a blanket rule)', async () => {
    const p = await plan(
      snapshot(IDENTITY, {
        users: [
          user('ann', {
            inline: [[{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: [R('A'), R('B')] }]],
          }),
        ],
      }),
      [entry('ann', 'A', 1)],
    );
    expect(kinds(p.actions)).toEqual(['edit-statement']);
  });

  it('removing a user from a group whose policies also allow other actions is a review step', async () => {
    const s3 = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('bea', { groups: ['data'] }), user('cy', { groups: ['switch-only'] })],
        groups: [
          group('data', { inline: [[allowAssume(R('A'))], [s3]] }),
          group('switch-only', { inline: [[allowAssume(R('A'))]] }),
        ],
      }),
    );
    const bea = p.actions.find((a) => a.principal.name === 'bea');
    expect(bea?.kind).toBe('review');
    expect(bea?.notes).toContain('inline policy data-inline-1 of group data also allows s3:GetObject');
    const cy = p.actions.find((a) => a.principal.name === 'cy');
    expect(cy?.kind).toBe('remove-from-group');
    expect(cy?.prior).toEqual({ membership: { user: 'cy', group: 'switch-only' } });
  });

  it('a group with Deny statements is a review step (leaving it would lift the Deny)', async () => {
    const deny = { Effect: 'Deny', Action: 'ec2:*', Resource: '*' };
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('dan', { groups: ['fenced'] })],
        groups: [group('fenced', { inline: [[allowAssume(R('A')), deny]] })],
      }),
    );
    expect(kinds(p.actions)).toEqual(['review']);
  });

  it('detaching a managed policy that also allows other actions is a review step', async () => {
    const wide = managedPolicy('wide', [
      allowAssume(R('A')),
      { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
    ]);
    const narrow = managedPolicy('narrow', [allowAssume(R('B'))]);
    const p = await plan(
      snapshot(IDENTITY, {
        users: [user('eve', { attached: [wide.arn, narrow.arn] })],
        policies: [wide, narrow],
      }),
    );
    const byPolicy = Object.fromEntries(p.actions.map((a) => [a.policy?.name, a.kind]));
    expect(byPolicy).toEqual({ wide: 'review', narrow: 'detach-policy' });
    const detach = p.actions.find((a) => a.kind === 'detach-policy');
    expect(detach?.prior).toEqual({
      document: narrow.document,
      versionId: 'v3',
      attachment: { user: 'eve', policyArn: narrow.arn },
    });
  });

  it('a shared managed policy counts every other holder: groups, roles and users without grants', async () => {
    const shared = managedPolicy('shared', [
      allowAssume(R('Used'), { Sid: 'Used' }),
      allowAssume(R('A'), { Sid: 'A' }),
    ]);
    const base = {
      users: [user('fay', { attached: [shared.arn] })],
      policies: [shared],
    };
    const alone = await plan(snapshot(IDENTITY, base), [entry('fay', 'Used', 1)]);
    expect(kinds(alone.actions)).toEqual(['remove-statement']);

    const held = await plan(
      snapshot(IDENTITY, {
        ...base,
        groups: [group('empty-group', { attached: [shared.arn] })],
        roles: [{ ...role('service', { account: IDENTITY }), attachedPolicies: [shared.arn] }],
      }),
      [entry('fay', 'Used', 1)],
    );
    expect(kinds(held.actions)).toEqual(['review']);
    expect(held.actions[0]?.alsoAffectsCount).toBe(2);
    expect(held.actions[0]?.notes[0]).toContain('group empty-group, role service');
  });
});

describe('plan prior state: each step records exactly what it changes', () => {
  it('records the document before and after, chaining steps that change one document', async () => {
    const statements = [
      allowAssume([R('A'), R('Used')], { Sid: 'First' }),
      allowAssume(R('B'), { Sid: 'Second' }),
      allowAssume([R('C'), R('Used')], { Sid: 'Third' }),
    ];
    const identity = snapshot(IDENTITY, { users: [user('gus', { inline: [statements] })] });
    const p = await plan(identity, [entry('gus', 'Used', 1)]);
    expect(p.format).toBe('lastswitch.removal-plan');
    expect(p.version).toBe(PLAN_VERSION);
    const steps = p.actions.map((a) => [a.step, a.kind, a.statementIndex, a.prior?.afterStep]);
    expect(steps).toEqual([
      [1, 'edit-statement', 0, undefined],
      [2, 'edit-statement', 2, 1],
      [3, 'remove-statement', 1, 2],
    ]);
    const [first, second, third] = p.actions;
    expect(first?.prior?.document).toEqual(doc(...statements));
    expect(second?.prior?.document).toEqual(first?.change?.document);
    expect(third?.prior?.document).toEqual(second?.change?.document);
    expect(third?.change?.document).toEqual(
      doc(allowAssume([R('Used')], { Sid: 'First' }), allowAssume([R('Used')], { Sid: 'Third' })),
    );
  });

  it('edits a later statement at its shifted index once an earlier step has removed a whole statement', async () => {
    const ec2 = { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' };
    const identity = snapshot(IDENTITY, {
      users: [user('hal'), user('ida')],
      roles: [
        role('Local', {
          account: IDENTITY,
          trust: [
            { Effect: 'Allow', Principal: { AWS: U('hal') }, Action: 'sts:AssumeRole' },
            { Effect: 'Allow', Principal: { AWS: U('ida') }, Action: 'sts:AssumeRole' },
            ec2,
          ],
        }),
      ],
    });
    const p = await plan(identity);
    const steps = p.actions.map((a) => [a.step, a.kind, a.principal.name, a.statementIndex, a.prior?.afterStep]);
    expect(steps).toEqual([
      [1, 'remove-trust-principal', 'hal', 0, undefined],
      [2, 'remove-trust-principal', 'ida', 1, 1],
    ]);
    // Step 1 removes statement #0, so ida's statement #1 is the first one left.
    expect(p.actions[1]?.change?.document).toEqual(doc(ec2));
  });

  it('records the managed policy version on the first step of a chain only', async () => {
    const shared = managedPolicy('kay-switch', [allowAssume([R('A'), R('Used')]), allowAssume(R('B'))]);
    const identity = snapshot(IDENTITY, { users: [user('kay', { attached: [shared.arn] })], policies: [shared] });
    const p = await plan(identity, [entry('kay', 'Used', 1)]);
    const steps = p.actions.map((a) => [a.step, a.kind, a.statementIndex, a.prior?.versionId, a.prior?.afterStep]);
    expect(steps).toEqual([
      [1, 'edit-statement', 0, 'v3', undefined],
      [2, 'remove-statement', 1, undefined, 1],
    ]);
    expect(p.actions[1]?.change?.document).toEqual(doc(allowAssume([R('Used')])));
  });

  it('deletes an inline policy whose last statement goes, and edits trust policies by ARN and unique id', async () => {
    const identity = snapshot(IDENTITY, {
      users: [user('hal', { inline: [[allowAssume(R('A'))]] }), user('ida')],
      roles: [
        role('Local', {
          account: IDENTITY,
          trust: [{ Effect: 'Allow', Principal: { AWS: [U('hal'), 'AIDAIDA'] }, Action: 'sts:AssumeRole' }],
        }),
      ],
    });
    const p = await plan(identity);
    const byKind = Object.fromEntries(p.actions.map((a) => [`${a.kind} ${a.principal.name}`, a]));
    expect(byKind['remove-statement hal']?.change).toEqual({ deletePolicy: true });
    const trustHal = byKind['remove-trust-principal hal'];
    expect(trustHal?.removePrincipals).toContain(U('hal'));
    expect(trustHal?.change?.document).toEqual(
      doc({ Effect: 'Allow', Principal: { AWS: ['AIDAIDA'] }, Action: 'sts:AssumeRole' }),
    );
    // The last principal of the only trust statement: an empty trust policy is never proposed.
    const trustIda = byKind['review ida'];
    expect(trustIda?.notes).toContain('it would leave the trust policy without statements');
    expect(trustIda?.prior?.afterStep).toBe(trustHal?.step);
  });

  it('puts the version, digests and prior states into the JSON plan', async () => {
    const identity = snapshot(IDENTITY, { users: [user('jo', { inline: [[allowAssume(R('A'))]] })] });
    const snapshots = [identity, target];
    const p = planRemovals(await assessLedger([], { now: NOW, staleAfterDays: 90 }), grantsFromSnapshot(snapshots), {
      snapshots,
      madeFrom: [{ file: 'iam.json', sha256: 'ab'.repeat(32), account: IDENTITY }],
    });
    const json = JSON.parse(renderPlan(p, 'json')) as Record<string, unknown> & { actions: PlanAction[] };
    expect(json.version).toBe(2);
    expect(json.madeFrom).toEqual([{ file: 'iam.json', sha256: 'ab'.repeat(32), account: IDENTITY }]);
    expect(json.actions[0]?.prior?.document).toEqual(doc(allowAssume(R('A'))));
    expect(renderPlan(p, 'markdown')).toContain('Made from: `iam.json` (sha256 abababababab…)');
  });
});

describe('policy document edits', () => {
  it('keeps a single Resource a string, and returns undefined for a statement that is not there', () => {
    const d = doc(allowAssume([R('A'), R('B')]), allowAssume(R('C')));
    expect(editStatementResources(d, 0, [R('A')])).toEqual(doc(allowAssume([R('B')]), allowAssume(R('C'))));
    expect(editStatementResources(d, 1, [R('C')], [R('B')])).toEqual(
      doc(allowAssume([R('A'), R('B')]), allowAssume(R('B'))),
    );
    expect(editStatementResources(d, 5, [R('A')])).toBeUndefined();
    expect(removeTrustPrincipals(d, 0, ['x'])).toBeUndefined();
  });
});
