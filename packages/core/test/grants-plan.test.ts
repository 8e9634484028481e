import { describe, expect, it } from 'vitest';
import {
  ALSO_AFFECTS_LIMIT,
  assessGrants,
  grantsFromSnapshot,
  grantsToRoster,
  type PlanAction,
  planRemovals,
  renderPlan,
} from '../src/grants/index.js';
import { assessLedger, DAY_MS } from '../src/ledger/index.js';
import {
  allowAssume,
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

const ops = managedPolicy('switch-ops', [allowAssume(R('Ops'), { Sid: 'Ops' })]);
const identity = snapshot(IDENTITY, {
  users: [
    user('alice', {
      groups: ['devs'],
      inline: [[allowAssume([R('Admin'), R('ReadOnly')], { Sid: 'People' })], [allowAssume(R('dev-*'))]],
    }),
    user('bob', { groups: ['devs'] }),
    user('carol', { attached: [ops.arn] }),
    user('dave', { attached: [ops.arn] }),
    user('erin', { inline: [[allowAssume(R('Admin'))]], createdAt: NOW - 10 * DAY_MS }),
    user('frank', { inline: [[{ Effect: 'Allow', Action: '*', Resource: '*' }]] }),
  ],
  groups: [group('devs', { inline: [[allowAssume(R('Deploy'))]] })],
  policies: [ops],
});
const target = snapshot(TARGET, {
  roles: ['Admin', 'ReadOnly', 'dev-a', 'dev-b', 'Deploy', 'Ops'].map((name) => role(name)),
});

// Built inside each test (not at import), so mutation testing sees which tests parse these ARNs.
const ledger = () => [
  entry('alice', 'Admin', 10),
  entry('alice', 'ReadOnly', 300),
  entry('alice', 'dev-a', 5),
  entry('dave', 'Ops', 1),
  // A switch no grant explains (e.g. granted by an account without a snapshot): ignored by the plan.
  entry('bob', 'Elsewhere', 3),
];

// Evaluated inside each test (not at import), so mutation testing sees which tests cover it.
const evaluation = () => grantsFromSnapshot([identity, target]);

describe('assessGrants', () => {
  it('gives each grant its status and the concrete roles used under it', async () => {
    const assessment = await assessLedger(ledger(), { now: NOW, staleAfterDays: 90 });
    const usage = assessGrants(assessment, evaluation().grants);
    const table = usage.map((u) => [
      u.grant.principal.name,
      u.grant.resource,
      u.status,
      u.inGrace,
      u.usedRoles.map((r) => r.role.name),
    ]);
    expect(table).toEqual([
      ['alice', R('Admin'), 'active', false, ['Admin']],
      ['alice', R('ReadOnly'), 'stale', false, ['ReadOnly']],
      ['alice', R('dev-*'), 'active', false, ['dev-a']],
      ['alice', R('Deploy'), 'never', false, []],
      ['bob', R('Deploy'), 'never', false, []],
      ['carol', R('Ops'), 'never', false, []],
      ['dave', R('Ops'), 'active', false, ['Ops']],
      ['erin', R('Admin'), 'never', true, []],
      ['frank', '*', 'never', false, []],
    ]);
  });

  it('is stale when the only switches under a grant are older than the window', async () => {
    const assessment = await assessLedger([entry('alice', 'dev-b', 200), entry('alice', 'dev-a', 120)], {
      now: NOW,
      staleAfterDays: 90,
    });
    const dev = assessGrants(assessment, evaluation().grants).find((u) => u.grant.resource === R('dev-*'));
    expect(dev).toMatchObject({ status: 'stale', daysSince: 120 });
    expect(dev?.usedRoles.map((r) => r.role.name)).toEqual(['dev-a', 'dev-b']);
  });
});

describe('grantsToRoster with assessLedger', () => {
  it('reports never-used grants as `never`, with the user creation date as grace and the provenance as source', async () => {
    const roster = grantsToRoster(evaluation().grants);
    expect(roster[0]).toEqual({
      principal: U('alice'),
      role: R('Admin'),
      since: identity.users[0]?.createdAt,
      source: 'inline policy alice-inline-0 of user alice statement "People" (#0)',
    });
    const assessment = await assessLedger(ledger(), { now: NOW, staleAfterDays: 90, roster });
    const never = assessment.pairs
      .filter((p) => p.status === 'never')
      .map((p) => `${p.principal.name} → ${p.role.key}`);
    expect(never.sort()).toEqual([
      `alice → ${R('Deploy')}`,
      `bob → ${R('Deploy')}`,
      `carol → ${R('Ops')}`,
      'frank → *',
    ]);
    const stale = assessment.pairs
      .filter((p) => p.status === 'stale')
      .map((p) => `${p.principal.name} → ${p.role.name}`);
    expect(stale).toEqual(['alice → ReadOnly']);
  });
});

describe('planRemovals', () => {
  const plan = async () => planRemovals(await assessLedger(ledger(), { now: NOW, staleAfterDays: 90 }), evaluation());
  const find = (actions: PlanAction[], who: string, kind: PlanAction['kind']) =>
    actions.filter((a) => a.principal.name === who && a.kind === kind);

  it('takes its grace period from the assessment window unless given one', async () => {
    const assessment = await assessLedger(ledger(), { now: NOW, staleAfterDays: 45 });
    expect(planRemovals(assessment, evaluation()).graceDays).toBe(45);
    expect(planRemovals(assessment, evaluation(), { graceDays: 7 }).graceDays).toBe(7);
  });

  it('is a dry run with a summary', async () => {
    const p = await plan();
    expect(p.dryRun).toBe(true);
    expect(p.summary).toEqual({ grants: 9, active: 3, stale: 1, never: 5, inGrace: 1, actions: 6 });
  });

  it('removes a stale ARN from its statement and keeps the used one', async () => {
    const [edit] = find((await plan()).actions, 'alice', 'edit-statement').filter((a) => a.sid === 'People');
    expect(edit).toMatchObject({
      account: IDENTITY,
      policy: { kind: 'user-inline', name: 'alice-inline-0', owner: 'alice' },
      statementIndex: 0,
      removeResources: [R('ReadOnly')],
    });
    expect(edit?.addResources).toBeUndefined();
    expect(edit?.summary).toBe(
      `In statement "People" (#0) of inline policy alice-inline-0 of user alice: remove ${R('ReadOnly')} (last used 300 days ago)`,
    );
  });

  it('replaces an active wildcard by the roles actually used under it', async () => {
    const edit = find((await plan()).actions, 'alice', 'edit-statement').find(
      (a) => a.policy?.name === 'alice-inline-1',
    );
    expect(edit).toMatchObject({ removeResources: [R('dev-*')], addResources: [R('dev-a')] });
  });

  it('removes a user from a group none of whose grants they use, naming who else the group serves', async () => {
    const actions = (await plan()).actions;
    const [alice] = find(actions, 'alice', 'remove-from-group');
    expect(alice).toMatchObject({ group: 'devs', alsoAffects: [{ principal: U('bob'), status: 'never' }] });
    expect(alice?.grants.map((g) => g.resource)).toEqual([R('Deploy')]);
    expect(find(actions, 'bob', 'remove-from-group')[0]?.alsoAffects).toEqual([
      { principal: U('alice'), status: 'never' },
    ]);
  });

  it('detaches an unused managed policy from one user, saying who still uses it', async () => {
    const [detach] = find((await plan()).actions, 'carol', 'detach-policy');
    expect(detach).toMatchObject({
      policy: { arn: ops.arn, versionId: 'v3' },
      alsoAffects: [{ principal: U('dave'), status: 'active' }],
    });
    expect(find((await plan()).actions, 'dave', 'detach-policy')).toEqual([]);
  });

  it('asks for review instead of editing a statement that allows more than role switching', async () => {
    const [review] = find((await plan()).actions, 'frank', 'review');
    expect(review?.notes).toEqual(['the statement also allows *; changing its Resource changes those permissions too']);
  });

  it('leaves grants of users in their grace period alone, saying why', async () => {
    const p = await plan();
    expect(p.actions.filter((a) => a.principal.name === 'erin')).toEqual([]);
    expect(p.skipped).toEqual([
      {
        grantId: expect.stringContaining(U('erin')),
        principal: U('erin'),
        resource: R('Admin'),
        reason: 'never used, but the user is within the grace period',
      },
    ]);
  });

  it('removes a whole statement when none of its resources is used, and edits trust policies', async () => {
    const s = snapshot(IDENTITY, {
      users: [user('gina', { inline: [[allowAssume([R('A'), R('B')])]] })],
      roles: [role('Local', { account: IDENTITY, trusted: U('gina') })],
    });
    const p = planRemovals(await assessLedger([], { now: NOW, staleAfterDays: 90 }), grantsFromSnapshot(s));
    expect(p.actions.map((a) => [a.kind, a.removeResources ?? a.policy?.owner])).toEqual([
      ['remove-trust-principal', 'Local'],
      ['remove-statement', [R('A'), R('B')]],
    ]);
  });

  it('lists at most 20 other members of a big group, the ones still using it first, with the total', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const s = snapshot(IDENTITY, {
      users: names.map((name) => user(name, { groups: ['big'] })),
      groups: [group('big', { inline: [[allowAssume(R('Shared'))]] })],
    });
    const assessment = await assessLedger([entry('m29', 'Shared', 1)], { now: NOW, staleAfterDays: 90 });
    const p = planRemovals(assessment, grantsFromSnapshot(s));
    const first = p.actions.find((a) => a.principal.name === 'm00');
    expect(p.actions).toHaveLength(29);
    expect(first?.alsoAffectsCount).toBe(29);
    expect(first?.alsoAffects).toHaveLength(ALSO_AFFECTS_LIMIT);
    expect(first?.alsoAffects?.slice(0, 2)).toEqual([
      { principal: U('m29'), status: 'active' },
      { principal: U('m01'), status: 'never' },
    ]);
    expect(renderPlan(p, 'markdown')).toContain('(never) and 9 more');
  });

  it('leaves unused group grants alone when the user still uses the group', async () => {
    const s = snapshot(IDENTITY, {
      users: [user('hank', { groups: ['g'] })],
      groups: [group('g', { inline: [[allowAssume(R('Used'))], [allowAssume(R('Unused'))]] })],
    });
    const assessment = await assessLedger([entry('hank', 'Used', 1)], { now: NOW, staleAfterDays: 90 });
    const p = planRemovals(assessment, grantsFromSnapshot(s));
    expect(p.actions).toEqual([]);
    expect(p.skipped.map((k) => k.reason)).toEqual([
      "never used, but the user still uses other grants of group g; changing the group's policy would affect its other members",
    ]);
  });
});

describe('planRemovals: grants that are written but not in effect', () => {
  it('lists them with the reason and where they are written', async () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('ivy', {
          inline: [
            [
              allowAssume(R('Gone')),
              { Effect: 'Deny', Action: 'sts:*', Resource: R('Blocked') },
              allowAssume(R('Blocked')),
            ],
          ],
        }),
      ],
    });
    const p = planRemovals(await assessLedger([], { now: NOW, staleAfterDays: 90 }), grantsFromSnapshot([s, target]));
    expect(p.ineffective).toEqual([
      {
        principal: U('ivy'),
        resource: R('Blocked'),
        reason: 'deny',
        detail: 'explicitly denied by ivy inline policy ivy-inline-0 statement #1',
        source: 'inline policy ivy-inline-0 of user ivy statement #2',
      },
      {
        principal: U('ivy'),
        resource: R('Gone'),
        reason: 'no-such-role',
        detail: `no role in account ${TARGET} matches ${R('Gone')} (role ARNs include their path)`,
        source: 'inline policy ivy-inline-0 of user ivy statement #0',
      },
    ]);
    expect(renderPlan(p, 'markdown')).toContain('## Written but not in effect');
  });
});

describe('renderPlan', () => {
  it('renders Markdown naming each statement to change, and JSON with ISO times', async () => {
    const p = planRemovals(await assessLedger(ledger(), { now: NOW, staleAfterDays: 90 }), evaluation());
    const md = renderPlan(p, 'markdown');
    expect(md).toContain('# lastswitch removal plan (dry run)');
    expect(md).toContain('**Nothing has been changed**');
    expect(md).toContain('### 1. ');
    expect(md).toContain(`- remove from \`Resource\`: \`${R('ReadOnly')}\``);
    expect(md).toContain(`- add to \`Resource\`: \`${R('dev-a')}\``);
    expect(md).toContain('## Left alone');
    const json = JSON.parse(renderPlan(p, 'json')) as {
      generatedAt: string;
      actions: { grants: { lastSeenAt?: string }[] }[];
    };
    expect(json.generatedAt).toBe('2025-06-01T00:00:00.000Z');
    expect(json.actions.flatMap((a) => a.grants).some((g) => g.lastSeenAt === '2024-08-05T00:00:00.000Z')).toBe(true);
  });

  it('escapes Markdown in names that come from IAM', async () => {
    const s = snapshot(IDENTITY, {
      users: [{ ...user('x'), inlinePolicies: [{ name: 'p|<b>`x`', document: { Statement: [allowAssume(R('A'))] } }] }],
    });
    const md = renderPlan(
      planRemovals(await assessLedger([], { now: NOW, staleAfterDays: 90 }), grantsFromSnapshot(s)),
      'markdown',
    );
    expect(md).toContain('p\\|\\<b\\>\\`x\\`');
    expect(md).not.toContain('<b>');
  });

  it('rejects unknown formats', () => {
    expect(() => renderPlan({} as never, 'html' as never)).toThrow(/unknown plan format "html"/);
  });
});
