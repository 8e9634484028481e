import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuthorizationSnapshot, grantMatchesRole, grantsFromSnapshot } from '../src/grants/index.js';
import {
  allowAssume,
  CREATED,
  group,
  IDENTITY,
  managedPolicy,
  OTHER,
  role,
  snapshot,
  TARGET,
  user,
} from './grants-fixtures.js';

const ADMIN = `arn:aws:iam::${TARGET}:role/Admin`;
const alice = (statements: object[], extra: Parameters<typeof user>[1] = {}) =>
  snapshot(IDENTITY, { users: [user('alice', { inline: [statements], ...extra })] });
const resources = (s: AuthorizationSnapshot | AuthorizationSnapshot[]) =>
  grantsFromSnapshot(s).grants.map((g) => g.resource);

describe('grantsFromSnapshot: actions', () => {
  it.each([
    ['sts:AssumeRole', true],
    ['STS:assumerole', true],
    ['sts:*', true],
    ['sts:Assume*', true],
    ['sts:AssumeRol?', true],
    ['*', true],
    [['s3:GetObject', 'sts:AssumeRole'], true],
    ['sts:AssumeRoleWithSAML', false],
    ['sts:GetCallerIdentity', false],
    ['iam:*', false],
  ])('Action %j grants sts:AssumeRole → %s', (Action, granted) => {
    const result = grantsFromSnapshot(alice([{ Effect: 'Allow', Action, Resource: ADMIN }]));
    expect(result.grants.map((g) => g.resource)).toEqual(granted ? [ADMIN] : []);
    expect(result.problems).toEqual([]);
  });

  it.each([
    ['iam:*', true],
    [['s3:*', 'ec2:*'], true],
    ['sts:*', false],
    ['sts:AssumeRole', false],
    ['*', false],
  ])('NotAction %j grants sts:AssumeRole → %s, flagged', (NotAction, granted) => {
    const [grant, ...rest] = grantsFromSnapshot(alice([{ Effect: 'Allow', NotAction, Resource: '*' }])).grants;
    expect(rest).toEqual([]);
    if (!granted) return expect(grant).toBeUndefined();
    expect(grant?.resource).toBe('*');
    expect(grant?.notes).toContain('granted through NotAction (everything except the listed actions)');
  });
});

describe('grantsFromSnapshot: resources', () => {
  it.each([
    [ADMIN, [ADMIN]],
    [`arn:aws:iam::${TARGET}:role/dev-*`, [`arn:aws:iam::${TARGET}:role/dev-*`]],
    ['arn:aws:iam::*:role/*', ['arn:aws:iam::*:role/*']],
    ['*', ['*']],
    [['arn:aws:s3:::bucket/*', `arn:aws:iam::${TARGET}:user/bob`, ADMIN], [ADMIN]],
    [`arn:aws:iam::${TARGET}:policy/*`, []],
  ])('Resource %j → grants %j', (Resource, expected) => {
    expect(resources(alice([allowAssume(Resource)]))).toEqual(expected);
  });

  it('marks wildcard grants and carries the full provenance', () => {
    const [grant] = grantsFromSnapshot(
      alice(
        [
          { Sid: 'Odd', Effect: 'Allow', Action: 's3:*', Resource: '*' },
          allowAssume(`arn:aws:iam::*:role/dev-?`, { Sid: 'Dev' }),
        ],
        {
          path: '/ops/',
        },
      ),
    ).grants;
    expect(grant).toMatchObject({
      resource: 'arn:aws:iam::*:role/dev-?',
      wildcard: true,
      conditional: false,
      principal: { key: `arn:aws:iam::${IDENTITY}:user/alice`, arn: `arn:aws:iam::${IDENTITY}:user/ops/alice` },
      principalId: 'AIDAALICE',
      principalCreatedAt: CREATED,
      source: {
        kind: 'user-inline',
        account: IDENTITY,
        policyName: 'alice-inline-0',
        owner: 'alice',
        statementIndex: 1,
        sid: 'Dev',
      },
    });
  });

  it('NotResource grants every role except the listed ones', () => {
    const [grant] = grantsFromSnapshot(
      alice([{ Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: `arn:aws:iam::${TARGET}:role/prod-*` }]),
    ).grants;
    expect(grant?.resource).toBe('*');
    expect(grant && grantMatchesRole(grant, ADMIN)).toBe(true);
    expect(grant && grantMatchesRole(grant, `arn:aws:iam::${TARGET}:role/prod-db`)).toBe(false);
  });

  it('flags statements with a Condition as conditional without evaluating them', () => {
    const [grant] = grantsFromSnapshot(
      alice([allowAssume(ADMIN, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })]),
    ).grants;
    expect(grant?.conditional).toBe(true);
  });
});

describe('grantsFromSnapshot: explicit Deny', () => {
  const dev = `arn:aws:iam::${TARGET}:role/dev-*`;
  it.each([
    ['a Deny on the same role drops it', [ADMIN], { Resource: ADMIN }, [], ['deny']],
    ['a Deny on "*" drops a pattern', [dev], { Resource: '*' }, [], ['deny']],
    ['a Deny on a wider pattern drops a narrower one', [dev], { Resource: 'arn:aws:iam::*:role/*' }, [], ['deny']],
    [
      'a Deny on another role leaves an exact grant',
      [ADMIN],
      { Resource: `arn:aws:iam::${TARGET}:role/Other` },
      [ADMIN],
      [],
    ],
    ['a Deny via NotAction covering AssumeRole drops it', [ADMIN], { Resource: '*', NotAction: 's3:*' }, [], ['deny']],
    ['a Deny of other actions does nothing', [ADMIN], { Resource: '*', Action: 's3:*' }, [ADMIN], []],
    ['Deny NotResource sparing the role leaves it', [ADMIN], { NotResource: ADMIN }, [ADMIN], []],
    [
      'Deny NotResource not sparing the role drops it',
      [ADMIN],
      { NotResource: `arn:aws:iam::${TARGET}:role/x` },
      [],
      ['deny'],
    ],
  ])('%s', (_name, allowed, deny, expected, reasons) => {
    const statement = { Effect: 'Deny', Action: 'sts:AssumeRole', ...deny };
    const result = grantsFromSnapshot(alice([allowAssume(allowed), statement]));
    expect(result.grants.map((g) => g.resource)).toEqual(expected);
    expect(result.dropped.map((d) => d.reason)).toEqual(reasons);
    for (const d of result.dropped) expect(d.detail).toContain('statement #1');
  });

  it('carves a partial Deny out of a pattern grant', () => {
    const [grant] = grantsFromSnapshot(
      alice([
        allowAssume(dev),
        { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${TARGET}:role/dev-prod*` },
      ]),
    ).grants;
    expect(grant?.excludes).toEqual([`arn:aws:iam::${TARGET}:role/dev-prod*`]);
    expect(grant && grantMatchesRole(grant, `arn:aws:iam::${TARGET}:role/dev-test`)).toBe(true);
    expect(grant && grantMatchesRole(grant, `arn:aws:iam::${TARGET}:role/dev-prod-db`)).toBe(false);
  });

  it('keeps a grant that a conditional Deny may remove, with a note', () => {
    const result = grantsFromSnapshot(
      alice([allowAssume(ADMIN), { Effect: 'Deny', Action: 'sts:*', Resource: '*', Condition: { Bool: { x: 'y' } } }]),
    );
    expect(result.grants).toHaveLength(1);
    expect(result.grants[0]?.notes.join()).toContain('may deny it under a condition');
  });

  it('applies a Deny in a group policy to an Allow in a user policy', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice', { inline: [[allowAssume(ADMIN)]], groups: ['locked'] })],
      groups: [group('locked', { inline: [[{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }]] })],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants).toEqual([]);
    expect(result.dropped[0]?.detail).toContain('locked inline policy locked-inline-0');
  });
});

describe('grantsFromSnapshot: permissions boundaries', () => {
  const boundary = (name: string, statements: object[]) => managedPolicy(name, statements);
  const withBoundary = (allowed: string, statements: object[]) => {
    const b = boundary('boundary', statements);
    return snapshot(IDENTITY, {
      users: [user('alice', { inline: [[allowAssume(allowed)]], boundary: b.arn })],
      policies: [b],
    });
  };
  it.each([
    ['allowing everything keeps the grant', ADMIN, [{ Effect: 'Allow', Action: '*', Resource: '*' }], [ADMIN]],
    ['without sts:AssumeRole blocks it', ADMIN, [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }], []],
    ['allowing another role blocks an exact grant', ADMIN, [allowAssume(`arn:aws:iam::${TARGET}:role/Other`)], []],
    ['allowing the role keeps it', ADMIN, [allowAssume(`arn:aws:iam::${TARGET}:role/*`)], [ADMIN]],
    [
      'denying the role blocks it',
      ADMIN,
      [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'sts:*', Resource: ADMIN },
      ],
      [],
    ],
  ])('a boundary %s', (_name, allowed, statements, expected) => {
    const result = grantsFromSnapshot(withBoundary(allowed, statements));
    expect(result.grants.map((g) => g.resource)).toEqual(expected);
    if (expected.length === 0) expect(result.dropped.map((d) => d.reason)).toEqual(['boundary']);
  });

  it('narrows a wildcard grant to what the boundary allows', () => {
    const [grant] = grantsFromSnapshot(withBoundary('*', [allowAssume(`arn:aws:iam::${TARGET}:role/dev-*`)])).grants;
    expect(grant?.within).toEqual([[`arn:aws:iam::${TARGET}:role/dev-*`]]);
    expect(grant && grantMatchesRole(grant, ADMIN)).toBe(false);
    expect(grant && grantMatchesRole(grant, `arn:aws:iam::${TARGET}:role/dev-a`)).toBe(true);
  });

  it('reports a boundary missing from the snapshot and leaves the grant, noted', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice', { inline: [[allowAssume(ADMIN)]], boundary: `arn:aws:iam::${IDENTITY}:policy/gone` })],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants[0]?.notes).toContain('permissions boundary not in the snapshot, not applied');
    expect(result.problems[0]?.message).toContain('permissions boundary');
  });
});

describe('grantsFromSnapshot: groups and managed policies', () => {
  it('inherits group inline and group-attached managed policies, naming the group', () => {
    const managed = managedPolicy('switch-dev', [allowAssume(`arn:aws:iam::${TARGET}:role/dev-*`, { Sid: 'Dev' })]);
    const s = snapshot(IDENTITY, {
      users: [user('alice', { groups: ['devs'] }), user('bob', { groups: ['devs'], attached: [managed.arn] })],
      groups: [group('devs', { inline: [[allowAssume(ADMIN)]], attached: [managed.arn] })],
      policies: [managed],
    });
    const grants = grantsFromSnapshot(s).grants;
    const summary = grants.map((g) => [g.principal.name, g.source.kind, g.source.group ?? '-', g.resource]);
    expect(summary).toEqual([
      ['alice', 'group-inline', 'devs', ADMIN],
      ['alice', 'group-managed', 'devs', `arn:aws:iam::${TARGET}:role/dev-*`],
      ['bob', 'user-managed', '-', `arn:aws:iam::${TARGET}:role/dev-*`],
      ['bob', 'group-inline', 'devs', ADMIN],
      ['bob', 'group-managed', 'devs', `arn:aws:iam::${TARGET}:role/dev-*`],
    ]);
    expect(grants[1]?.source).toMatchObject({ policyArn: managed.arn, versionId: 'v3', statementIndex: 0, sid: 'Dev' });
    expect(new Set(grants.map((g) => g.id)).size).toBe(grants.length);
  });

  it('reports missing groups and policies but still evaluates the rest', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          groups: ['ghost'],
          attached: [`arn:aws:iam::${IDENTITY}:policy/gone`],
          inline: [
            [allowAssume(ADMIN)],
            [
              { Effect: 'Maybe', Action: '*' },
              'junk' as unknown as object,
              allowAssume(`arn:aws:iam::${TARGET}:role/B`),
            ],
          ],
        }),
      ],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants.map((g) => g.resource)).toEqual([ADMIN, `arn:aws:iam::${TARGET}:role/B`]);
    expect(result.problems.map((p) => p.message)).toEqual([
      `managed policy arn:aws:iam::${IDENTITY}:policy/gone is not in the snapshot; its statements were not evaluated`,
      'group ghost is not in the snapshot; its policies were not evaluated',
      'statement 0 has Effect "Maybe"; expected "Allow" or "Deny"',
      'statement 1 is not an object',
    ]);
  });
});

describe('grantsFromSnapshot: trust policies of target accounts', () => {
  const identity = (resource: string | string[], path = '/') =>
    snapshot(IDENTITY, { users: [user('alice', { inline: [[allowAssume(resource)]], path })] });
  const target = (...roles: ReturnType<typeof role>[]) => snapshot(TARGET, { roles });

  it.each([
    ['trusts the identity account root', role('Admin'), [ADMIN], []],
    ['trusts the account id', role('Admin', { trusted: IDENTITY }), [ADMIN], []],
    ['trusts the user ARN', role('Admin', { trusted: `arn:aws:iam::${IDENTITY}:user/alice` }), [ADMIN], []],
    [
      'trusts "*"',
      role('Admin', { trust: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }] }),
      [ADMIN],
      [],
    ],
    ['trusts another account', role('Admin', { trusted: `arn:aws:iam::${OTHER}:root` }), [], ['trust']],
    [
      'trusts only a service',
      role('Admin', {
        trust: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      [],
      ['trust'],
    ],
    [
      'denies the user',
      role('Admin', {
        trust: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${IDENTITY}:root` }, Action: 'sts:AssumeRole' },
          { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${IDENTITY}:user/alice` }, Action: 'sts:*' },
        ],
      }),
      [],
      ['trust'],
    ],
    ['does not exist', role('Other'), [], ['no-such-role']],
    ['has a path the grant does not name', role('Admin', { path: '/people/' }), [], ['no-such-role']],
  ])('a role that %s', (_name, r, expected, reasons) => {
    const result = grantsFromSnapshot([identity(ADMIN), target(r)]);
    expect(result.grants.map((g) => g.resource)).toEqual(expected);
    expect(result.dropped.map((d) => d.reason)).toEqual(reasons);
    if (expected.length) expect(result.grants[0]?.roles?.map((x) => x.key)).toEqual([ADMIN]);
  });

  it('matches a grant naming the role path, keeping the path in the role ARN', () => {
    const result = grantsFromSnapshot([
      identity(`arn:aws:iam::${TARGET}:role/people/Admin`),
      target(role('Admin', { path: '/people/' })),
    ]);
    expect(result.grants[0]?.roles).toEqual([
      { key: ADMIN, account: TARGET, name: 'Admin', arn: `arn:aws:iam::${TARGET}:role/people/Admin` },
    ]);
  });

  it('lists the trusting roles a wildcard reaches and drops one that reaches none', () => {
    const roles = [role('dev-a'), role('dev-b', { trusted: `arn:aws:iam::${OTHER}:root` }), role('ops')];
    const wide = grantsFromSnapshot([identity(`arn:aws:iam::${TARGET}:role/dev-*`), target(...roles)]);
    expect(wide.grants[0]?.roles?.map((r) => r.name)).toEqual(['dev-a']);
    const none = grantsFromSnapshot([identity(`arn:aws:iam::${TARGET}:role/x-*`), target(...roles)]);
    expect(none.grants).toEqual([]);
    expect(none.dropped[0]?.reason).toBe('no-such-role');
  });

  it('keeps grants into accounts without a snapshot, and notes partial knowledge for cross-account patterns', () => {
    const result = grantsFromSnapshot([
      identity([`arn:aws:iam::${OTHER}:role/Admin`, 'arn:aws:iam::*:role/Admin']),
      target(role('Admin')),
    ]);
    expect(result.grants.map((g) => [g.resource, g.roles?.map((r) => r.key)])).toEqual([
      [`arn:aws:iam::${OTHER}:role/Admin`, undefined],
      ['arn:aws:iam::*:role/Admin', [ADMIN]],
    ]);
    expect(result.grants[1]?.notes).toContain('roles listed only for the accounts whose snapshot was given');
  });

  it('flags a trust policy that accepts the user only under a condition', () => {
    const conditional = role('Admin', {
      trust: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${IDENTITY}:root` },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'x' } },
        },
      ],
    });
    const [grant] = grantsFromSnapshot([identity(ADMIN), target(conditional)]).grants;
    expect(grant?.notes).toContain('a trust policy accepts the principal only under a condition (not evaluated)');
  });

  it('turns a same-account trust policy naming the user into a grant of its own', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice')],
      roles: [
        role('Local', { account: IDENTITY, trusted: `arn:aws:iam::${IDENTITY}:user/alice` }),
        role('Root', { account: IDENTITY }),
      ],
    });
    const grants = grantsFromSnapshot(s).grants;
    expect(grants.map((g) => [g.resource, g.source.kind, g.source.owner])).toEqual([
      [`arn:aws:iam::${IDENTITY}:role/Local`, 'trust-policy', 'Local'],
    ]);
  });
});

describe('grantsFromSnapshot: several snapshots', () => {
  it('uses the newest snapshot of an account and says so', () => {
    const old = { ...alice([allowAssume(ADMIN)]), takenAt: 1 };
    const newer = { ...alice([allowAssume(`arn:aws:iam::${TARGET}:role/New`)]), takenAt: 2 };
    const result = grantsFromSnapshot([newer, old]);
    expect(result.grants.map((g) => g.resource)).toEqual([`arn:aws:iam::${TARGET}:role/New`]);
    expect(result.problems[0]?.message).toContain('more than one snapshot');
    expect(result.accounts).toEqual([IDENTITY]);
  });

  it('surfaces problems recorded when the snapshot was read', () => {
    const s = snapshot(IDENTITY, {
      problems: [{ entity: 'user x inline policy p', message: 'policy document is not valid JSON' }],
    });
    expect(grantsFromSnapshot(s).problems).toEqual([
      { account: IDENTITY, entity: 'user x inline policy p', message: 'policy document is not valid JSON' },
    ]);
  });

  it('never throws on arbitrary policy documents', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (statement, trust) => {
        const s = snapshot(IDENTITY, {
          users: [{ ...user('alice'), inlinePolicies: [{ name: 'p', document: { Statement: statement } }] }],
          roles: [{ ...role('r', { account: IDENTITY }), trustPolicy: { Statement: trust } }],
        });
        const result = grantsFromSnapshot(s);
        expect(Array.isArray(result.grants)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('grantsFromSnapshot: properties', () => {
  const resource = fc.constantFrom(
    '*',
    ADMIN,
    `arn:aws:iam::${TARGET}:role/dev-*`,
    `arn:aws:iam::${TARGET}:role/dev-a`,
    'arn:aws:iam::*:role/*',
    `arn:aws:iam::${TARGET}:role/?dmin`,
  );
  const statement = fc.record({
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: fc.constantFrom('sts:AssumeRole', 'sts:*', '*', 's3:*'),
    Resource: fc.array(resource, { minLength: 1, maxLength: 3 }),
  });
  const roleNames = ['Admin', 'dev-a', 'dev-b', 'ops'];
  const reachable = (statements: object[]) => {
    const { grants } = grantsFromSnapshot(alice(statements));
    return roleNames.filter((name) => grants.some((g) => grantMatchesRole(g, `arn:aws:iam::${TARGET}:role/${name}`)));
  };

  it('adding a Deny never lets anyone reach a role they could not reach before', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 5 }), resource, (statements, denied) => {
        const before = reachable(statements);
        const after = reachable([...statements, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: denied }]);
        expect(after.every((name) => before.includes(name))).toBe(true);
        for (const name of after)
          expect(
            grantMatchesRole({ resource: denied, excludes: [], within: [] }, `arn:aws:iam::${TARGET}:role/${name}`),
          ).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('does not depend on the order of statements or snapshots', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 5 }), (statements) => {
        expect(reachable([...statements].reverse())).toEqual(reachable(statements));
        const targets = snapshot(TARGET, { roles: roleNames.map((name) => role(name)) });
        const key = (s: AuthorizationSnapshot[]) =>
          grantsFromSnapshot(s)
            .grants.map((g) => `${g.id} ${g.roles?.map((r) => r.key).join(',')}`)
            .sort();
        expect(key([targets, alice(statements)])).toEqual(key([alice(statements), targets]));
      }),
      { numRuns: 300 },
    );
  });
});

describe('grantsFromSnapshot: trust policies naming a user twice', () => {
  it('gives one grant when a statement names the user by ARN and by unique id', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice')],
      roles: [role('Local', { account: IDENTITY, trusted: [`arn:aws:iam::${IDENTITY}:user/alice`, 'AIDAALICE'] })],
    });
    expect(grantsFromSnapshot(s).grants.map((g) => g.source.kind)).toEqual(['trust-policy']);
  });
});

describe('grantsFromSnapshot: problems in shared documents', () => {
  it('reports a broken group policy once, however many members the group has', () => {
    const s = snapshot(IDENTITY, {
      users: [user('a', { groups: ['g'] }), user('b', { groups: ['g'] }), user('c', { groups: ['g'] })],
      groups: [group('g', { inline: [[{ Effect: 'Allow' }, allowAssume(ADMIN)]] })],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants).toHaveLength(3);
    expect(result.problems).toEqual([
      {
        account: IDENTITY,
        entity: 'g inline policy g-inline-0',
        message: 'statement 0 has neither Action nor NotAction',
      },
    ]);
  });
});
