import { describe, expect, it } from 'vitest';
import { grantMatchesRole, grantsFromSnapshot } from '../src/grants/index.js';
import { allowAssume, group, IDENTITY, managedPolicy, role, snapshot, TARGET, user } from './grants-fixtures.js';

// What grantsFromSnapshot says about each grant, drop and problem, word for word: a plan and a
// report show these to people (#19: a mutation run found them unpinned).
const ADMIN = `arn:aws:iam::${TARGET}:role/Admin`;
const ALICE = `arn:aws:iam::${IDENTITY}:user/alice`;

describe('grantsFromSnapshot: problems name where they are', () => {
  it('an Allow without Resource or NotResource, and a resource that is no valid role ARN, are skipped and said', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [
              { Effect: 'Allow', Action: 'sts:AssumeRole' },
              { Sid: 'Bad', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [`arn:aws:iam:::role/Admin`, ADMIN] },
            ],
          ],
        }),
      ],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants.map((g) => g.resource)).toEqual([ADMIN]);
    expect(result.problems).toEqual([
      {
        account: IDENTITY,
        entity: 'alice inline policy alice-inline-0 statement #0',
        message: 'Allow statement has neither Resource nor NotResource; skipped',
      },
      {
        account: IDENTITY,
        entity: 'alice inline policy alice-inline-0 statement Bad',
        message: 'arn:aws:iam:::role/Admin is not a valid role ARN; skipped',
      },
    ]);
  });

  it('a managed policy is named by its ARN, its problems reported once for all who hold it', () => {
    const managed = managedPolicy('switch', [
      { Effect: 'Allow', Action: 'sts:AssumeRole' },
      allowAssume(['arn:aws:iam::1:role/Admin', ADMIN]),
    ]);
    const s = snapshot(IDENTITY, {
      users: [user('alice', { attached: [managed.arn] }), user('bob', { attached: [managed.arn] })],
      policies: [managed],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants.map((g) => g.principal.name)).toEqual(['alice', 'bob']);
    expect(result.problems).toEqual([
      {
        account: IDENTITY,
        entity: `${managed.arn} statement #0`,
        message: 'Allow statement has neither Resource nor NotResource; skipped',
      },
      {
        account: IDENTITY,
        entity: `${managed.arn} statement #1`,
        message: 'arn:aws:iam::1:role/Admin is not a valid role ARN; skipped',
      },
    ]);
  });

  it('a policy document problem is reported under the policy that has it', () => {
    const managed = managedPolicy('switch', ['junk' as unknown as object, allowAssume(ADMIN)]);
    const s = snapshot(IDENTITY, {
      users: [user('alice', { attached: [managed.arn], inline: [['junk' as unknown as object]] })],
      policies: [managed],
    });
    expect(grantsFromSnapshot(s).problems.map((p) => `${p.entity}: ${p.message}`)).toEqual([
      'alice inline policy alice-inline-0: statement 0 is not an object',
      `${managed.arn}: statement 0 is not an object`,
    ]);
  });

  it('a user whose ARN cannot be read is reported and left out', () => {
    const bad = { ...user('alice', { inline: [[allowAssume(ADMIN)]] }), arn: 'arn:aws:iam::12:user/alice' };
    const result = grantsFromSnapshot(
      snapshot(IDENTITY, { users: [bad, user('bob', { inline: [[allowAssume(ADMIN)]] })] }),
    );
    expect(result.grants.map((g) => g.principal.name)).toEqual(['bob']);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ account: IDENTITY, entity: 'user alice' });
    expect(result.problems[0]?.message).toMatch(/^unreadable ARN: .*arn:aws:iam::12:user\/alice/);
  });

  it("a role's unreadable trust policy is reported once, under the role", () => {
    const broken = { ...role('Admin'), trustPolicy: { Statement: ['junk'] } };
    const identity = snapshot(IDENTITY, {
      users: [user('alice', { inline: [[allowAssume(ADMIN)]] }), user('bob', { inline: [[allowAssume(ADMIN)]] })],
    });
    const result = grantsFromSnapshot([identity, snapshot(TARGET, { roles: [broken] })]);
    expect(result.problems).toEqual([
      { account: TARGET, entity: 'role Admin trust policy', message: 'statement 0 is not an object' },
    ]);
    expect(result.dropped.map((d) => d.detail)).toEqual([
      `trust policy of ${ADMIN} does not trust ${ALICE}`,
      `trust policy of ${ADMIN} does not trust arn:aws:iam::${IDENTITY}:user/bob`,
    ]);
  });
});

describe('grantsFromSnapshot: what each grant records', () => {
  it("keeps the statement's action and resource lists as written", () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [
              { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: [ADMIN, 'arn:aws:s3:::b'] },
              { Effect: 'Allow', NotAction: 'iam:*', NotResource: `arn:aws:iam::${TARGET}:role/prod-*` },
            ],
          ],
        }),
      ],
    });
    expect(grantsFromSnapshot(s).grants.map((g) => g.statement)).toStrictEqual([
      { actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [ADMIN, 'arn:aws:s3:::b'] },
      { notActions: ['iam:*'], notResources: [`arn:aws:iam::${TARGET}:role/prod-*`] },
    ]);
  });

  it('a grant through NotResource says so, and excludes exactly the listed roles', () => {
    const [grant] = grantsFromSnapshot(
      snapshot(IDENTITY, {
        users: [user('alice', { inline: [[{ Effect: 'Allow', Action: 'sts:*', NotResource: ['a', 'b'] }]] })],
      }),
    ).grants;
    expect(grant?.excludes).toEqual(['a', 'b']);
    expect(grant?.notes).toEqual([
      'granted through NotResource (every role except the listed ones)',
      'roles listed only for the accounts whose snapshot was given',
    ]);
    expect(grant?.source).toStrictEqual({
      kind: 'user-inline',
      account: IDENTITY,
      policyName: 'alice-inline-0',
      owner: 'alice',
      statementIndex: 0,
    });
  });

  it('a grant from a group inline policy names the group as owner and group; one without a Sid has none', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice', { groups: ['ops'] })],
      groups: [group('ops', { inline: [[allowAssume(ADMIN)]] })],
    });
    const [grant] = grantsFromSnapshot(s).grants;
    expect(grant?.source).toStrictEqual({
      kind: 'group-inline',
      account: IDENTITY,
      policyName: 'ops-inline-0',
      owner: 'ops',
      group: 'ops',
      statementIndex: 0,
    });
    expect(grant?.id).toBe(`${ALICE}|ops|group-inline:ops:ops-inline-0|0|${ADMIN}`);
  });

  it('ids tell apart the same resource in two statements, two policies and two groups', () => {
    const managed = managedPolicy('switch', [allowAssume(ADMIN)]);
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [[allowAssume(ADMIN), allowAssume(ADMIN)]],
          attached: [managed.arn],
          groups: ['a', 'b'],
        }),
      ],
      groups: [group('a', { attached: [managed.arn] }), group('b', { attached: [managed.arn] })],
      policies: [managed],
    });
    expect(grantsFromSnapshot(s).grants.map((g) => g.id)).toEqual([
      `${ALICE}||user-inline:alice:alice-inline-0|0|${ADMIN}`,
      `${ALICE}||user-inline:alice:alice-inline-0|1|${ADMIN}`,
      `${ALICE}||${managed.arn}|0|${ADMIN}`,
      `${ALICE}|a|${managed.arn}|0|${ADMIN}`,
      `${ALICE}|b|${managed.arn}|0|${ADMIN}`,
    ]);
  });
});

describe('grantsFromSnapshot: explicit Deny details', () => {
  it('names the Deny that dropped a grant: a managed policy by ARN and Sid', () => {
    const deny = managedPolicy('no-admin', [{ Sid: 'NoAdmin', Effect: 'Deny', Action: 'sts:*', Resource: ADMIN }]);
    const s = snapshot(IDENTITY, {
      users: [user('alice', { inline: [[allowAssume(ADMIN)]], attached: [deny.arn] })],
      policies: [deny],
    });
    const result = grantsFromSnapshot(s);
    expect(result.dropped.map((d) => [d.reason, d.detail])).toEqual([
      ['deny', `explicitly denied by ${deny.arn} statement NoAdmin`],
    ]);
  });

  it('a conditional Deny only notes roles it could touch, and drops nothing', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [
              allowAssume(ADMIN),
              { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'arn:aws:s3:::*', Condition: { Bool: { x: 'y' } } },
              {
                Sid: 'MFA',
                Effect: 'Deny',
                Action: 'sts:AssumeRole',
                Resource: ADMIN,
                Condition: { Bool: { x: 'y' } },
              },
            ],
          ],
        }),
      ],
    });
    const result = grantsFromSnapshot(s);
    expect(result.dropped).toEqual([]);
    expect(result.grants[0]?.notes).toEqual([
      'alice inline policy alice-inline-0 statement MFA may deny it under a condition (not evaluated)',
    ]);
  });

  it('a conditional Deny without Resource is taken to touch every role', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [
              allowAssume(ADMIN),
              { Effect: 'Deny', Action: 'sts:AssumeRole', NotResource: 'x', Condition: { Bool: { x: 'y' } } },
            ],
          ],
        }),
      ],
    });
    expect(grantsFromSnapshot(s).grants[0]?.notes).toEqual([
      'alice inline policy alice-inline-0 statement #1 may deny it under a condition (not evaluated)',
    ]);
  });

  it('a Deny with Resource carves only role patterns out of a wildcard grant', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [
              allowAssume(`arn:aws:iam::${TARGET}:role/*`),
              { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ['arn:aws:s3:::*', ADMIN] },
            ],
          ],
        }),
      ],
    });
    expect(grantsFromSnapshot(s).grants[0]?.excludes).toEqual([ADMIN]);
  });

  it('a Deny with NotResource narrows a wildcard grant to the spared roles', () => {
    const spared = [`arn:aws:iam::${TARGET}:role/dev-*`, ADMIN];
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [allowAssume(`arn:aws:iam::${TARGET}:role/*`), { Effect: 'Deny', Action: 'sts:*', NotResource: spared }],
          ],
        }),
      ],
    });
    const [grant] = grantsFromSnapshot(s).grants;
    expect(grant?.within).toEqual([spared]);
    expect(grant?.excludes).toEqual([]);
  });
});

describe('grantsFromSnapshot: permissions boundary details', () => {
  const bounded = (resource: string, statements: object[]) => {
    const boundary = managedPolicy('boundary', statements);
    return {
      arn: boundary.arn,
      s: snapshot(IDENTITY, {
        users: [user('alice', { inline: [[allowAssume(resource)]], boundary: boundary.arn })],
        policies: [boundary],
      }),
    };
  };

  it('says why a boundary drops a grant: no AssumeRole at all, or not on this role', () => {
    const none = bounded(ADMIN, [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    expect(grantsFromSnapshot(none.s).dropped.map((d) => d.detail)).toEqual([
      `permissions boundary ${none.arn} does not allow sts:AssumeRole`,
    ]);
    const other = bounded(ADMIN, [allowAssume(`arn:aws:iam::${TARGET}:role/Other`)]);
    expect(grantsFromSnapshot(other.s).dropped.map((d) => d.detail)).toEqual([
      `permissions boundary ${other.arn} does not allow sts:AssumeRole on ${ADMIN}`,
    ]);
  });

  it('notes a narrowing, a conditional boundary and one using NotResource', () => {
    const narrowed = bounded(`arn:aws:iam::${TARGET}:role/*`, [
      allowAssume(`arn:aws:iam::${TARGET}:role/dev-*`, { Condition: { Bool: { x: 'y' } } }),
    ]);
    expect(grantsFromSnapshot(narrowed.s).grants[0]?.notes).toEqual([
      `narrowed by permissions boundary ${narrowed.arn}`,
      `permissions boundary ${narrowed.arn} allows it only under a condition (not evaluated)`,
    ]);
    const notResource = bounded(ADMIN, [{ Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: 'x' }]);
    const grant = grantsFromSnapshot(notResource.s).grants[0];
    expect(grant?.notes).toEqual([
      `permissions boundary ${notResource.arn} uses NotResource; treated as allowing every role`,
    ]);
    expect(grant?.within).toEqual([]);
  });

  it("names the boundary's Deny that drops a grant, and reports the boundary's own problems", () => {
    const b = bounded(ADMIN, [
      'junk' as unknown as object,
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Sid: 'NoAdmin', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ADMIN },
    ]);
    const result = grantsFromSnapshot(b.s);
    expect(result.dropped.map((d) => [d.reason, d.detail])).toEqual([
      ['boundary', `explicitly denied by permissions boundary ${b.arn} statement NoAdmin`],
    ]);
    expect(result.problems).toEqual([{ account: IDENTITY, entity: b.arn, message: 'statement 0 is not an object' }]);
  });

  it('a user without grants is not checked against a missing boundary', () => {
    const s = snapshot(IDENTITY, { users: [user('alice', { boundary: `arn:aws:iam::${IDENTITY}:policy/gone` })] });
    expect(grantsFromSnapshot(s).problems).toEqual([]);
  });
});

describe('grantsFromSnapshot: trust policy details', () => {
  const identity = (resource = ADMIN) =>
    snapshot(IDENTITY, { users: [user('alice', { inline: [[allowAssume(resource)]] })] });

  it('names the trust statement that denies the user', () => {
    const r = role('Admin', {
      trust: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${IDENTITY}:root` }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { AWS: 'AIDAALICE' }, Action: 'sts:AssumeRole' },
      ],
    });
    const result = grantsFromSnapshot([identity(), snapshot(TARGET, { roles: [r] })]);
    expect(result.dropped.map((d) => [d.reason, d.detail])).toEqual([
      ['trust', `trust policy of ${ADMIN} denies it (statement 1)`],
    ]);
  });

  it('a conditional Deny in a trust policy does not reject the user', () => {
    const r = role('Admin', {
      trust: [
        { Effect: 'Allow', Principal: { AWS: IDENTITY }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'sts:AssumeRole', Condition: { Bool: { x: 'y' } } },
      ],
    });
    const result = grantsFromSnapshot([identity(), snapshot(TARGET, { roles: [r] })]);
    expect(result.grants.map((g) => g.roles?.map((x) => x.key))).toEqual([[ADMIN]]);
  });

  it('a trust statement for another action trusts no one', () => {
    const r = role('Admin', {
      trust: [{ Effect: 'Allow', Principal: { AWS: IDENTITY }, Action: 'sts:TagSession' }],
    });
    const result = grantsFromSnapshot([identity(), snapshot(TARGET, { roles: [r] })]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['trust']);
  });

  it('the account root is matched in the partition of the user', () => {
    const cn = '444444444444';
    const s = snapshot(cn, {
      users: [
        {
          ...user('alice', { account: cn, inline: [[allowAssume(`arn:aws-cn:iam::${cn}:role/Admin`)]] }),
          arn: `arn:aws-cn:iam::${cn}:user/alice`,
        },
      ],
      roles: [
        {
          ...role('Admin', { account: cn, trusted: `arn:aws-cn:iam::${cn}:root` }),
          arn: `arn:aws-cn:iam::${cn}:role/Admin`,
        },
      ],
    });
    const result = grantsFromSnapshot(s);
    expect(result.dropped).toEqual([]);
    expect(result.grants.map((g) => g.roles?.map((r) => r.arn))).toEqual([[`arn:aws-cn:iam::${cn}:role/Admin`]]);
  });

  it('drops an exact grant into a known account without the role, saying roles include their path', () => {
    const result = grantsFromSnapshot([identity(), snapshot(TARGET, { roles: [role('Admin', { path: '/x/' })] })]);
    expect(result.dropped.map((d) => [d.reason, d.detail])).toEqual([
      ['no-such-role', `no role in account ${TARGET} matches ${ADMIN} (role ARNs include their path)`],
    ]);
  });

  it('joins the reasons of every role a pattern reaches that does not trust the user', () => {
    const roles = ['dev-a', 'dev-b'].map((n) => role(n, { trusted: `arn:aws:iam::${TARGET}:root` }));
    const result = grantsFromSnapshot([identity(`arn:aws:iam::${TARGET}:role/dev-*`), snapshot(TARGET, { roles })]);
    expect(result.dropped.map((d) => d.detail)).toEqual([
      `trust policy of arn:aws:iam::${TARGET}:role/dev-a does not trust ${ALICE}; trust policy of arn:aws:iam::${TARGET}:role/dev-b does not trust ${ALICE}`,
    ]);
  });

  it('"*" reaches every trusting role of every account with a snapshot', () => {
    const result = grantsFromSnapshot([
      identity('*'),
      snapshot(TARGET, { roles: [role('ops'), role('Admin'), role('x', { trusted: `arn:aws:iam::${TARGET}:root` })] }),
    ]);
    expect(result.grants.map((g) => g.roles?.map((r) => r.name))).toEqual([['Admin', 'ops']]);
  });

  it('a pattern reaches exactly the roles whose ARN starts with its literal part', () => {
    const names = ['a', 'dev', 'dev-a', 'dev-b', 'dev-b2', 'devx', 'e', 'ops'];
    const target = snapshot(TARGET, { roles: names.reverse().map((n) => role(n)) });
    const reached = (pattern: string) =>
      grantsFromSnapshot([identity(`arn:aws:iam::${TARGET}:role/${pattern}`), target]).grants.flatMap(
        (g) => g.roles?.map((r) => r.name) ?? [],
      );
    expect(reached('dev-*')).toEqual(['dev-a', 'dev-b', 'dev-b2']);
    expect(reached('dev?')).toEqual(['devx']);
    expect(reached('dev*')).toEqual(['dev', 'dev-a', 'dev-b', 'dev-b2', 'devx']);
    expect(reached('*')).toEqual(['a', 'dev', 'dev-a', 'dev-b', 'dev-b2', 'devx', 'e', 'ops']);
    expect(reached('o*')).toEqual(['ops']);
    expect(reached('a*')).toEqual(['a']);
  });

  it("a same-account trust policy naming the user by id grants the role, with the statement's Sid and condition", () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice')],
      roles: [
        role('Local', {
          account: IDENTITY,
          trust: [
            {
              Sid: 'Alice',
              Effect: 'Allow',
              Principal: { AWS: 'AIDAALICE' },
              Action: 'sts:AssumeRole',
              Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
            },
            { Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'sts:TagSession' },
            { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'sts:AssumeRole', Condition: { Bool: { x: 'y' } } },
          ],
        }),
      ],
    });
    const [grant, ...rest] = grantsFromSnapshot(s).grants;
    expect(rest).toEqual([]);
    expect(grant?.conditional).toBe(true);
    expect(grant?.source).toStrictEqual({
      kind: 'trust-policy',
      account: IDENTITY,
      policyName: 'trust policy',
      owner: 'Local',
      statementIndex: 0,
      sid: 'Alice',
    });
  });
});

describe('grantsFromSnapshot: several snapshots of one account', () => {
  it('keeps the newest whatever the order, and the first of two taken at the same time', () => {
    const take = (resource: string, takenAt: number) =>
      snapshot(IDENTITY, { takenAt, users: [user('alice', { inline: [[allowAssume(resource)]] })] });
    const resources = (...s: ReturnType<typeof take>[]) => grantsFromSnapshot(s).grants.map((g) => g.resource);
    const OLD = `arn:aws:iam::${TARGET}:role/Old`;
    const NEW = `arn:aws:iam::${TARGET}:role/New`;
    expect(resources(take(OLD, 1), take(NEW, 2))).toEqual([NEW]);
    expect(resources(take(NEW, 2), take(OLD, 1))).toEqual([NEW]);
    expect(resources(take(OLD, 2), take(NEW, 2))).toEqual([OLD]);
    const problems = grantsFromSnapshot([take(OLD, 1), take(NEW, 2)]).problems;
    expect(problems).toEqual([
      { account: IDENTITY, entity: 'snapshot', message: 'more than one snapshot of this account; using the newest' },
    ]);
  });
});

describe('grantsFromSnapshot: the roles, notes and problems a grant ends with', () => {
  it('a missing group or group policy is reported under the user or the group', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice', { groups: ['ghost', 'ops'] })],
      groups: [group('ops', { attached: [`arn:aws:iam::${IDENTITY}:policy/gone`], inline: [[allowAssume(ADMIN)]] })],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants.map((g) => g.resource)).toEqual([ADMIN]);
    expect(result.problems.map((p) => `${p.entity}: ${p.message}`)).toEqual([
      'user alice: group ghost is not in the snapshot; its policies were not evaluated',
      `group ops: managed policy arn:aws:iam::${IDENTITY}:policy/gone is not in the snapshot; its statements were not evaluated`,
    ]);
  });

  it('an ordinary grant carries no notes, and an exact grant into a known account no partial-knowledge note', () => {
    const result = grantsFromSnapshot([
      snapshot(IDENTITY, { users: [user('alice', { inline: [[allowAssume(ADMIN)]] })] }),
      snapshot(TARGET, { roles: [role('Admin')] }),
    ]);
    expect(result.grants.map((g) => g.notes)).toEqual([[]]);
  });

  it('a grant from a trust policy naming the user is taken as it is: no role lookup, no notes', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice')],
      roles: [role('Local', { account: IDENTITY, trusted: ALICE })],
    });
    const [grant] = grantsFromSnapshot(s).grants;
    expect(grant?.roles).toBeUndefined();
    expect(grant?.notes).toEqual([]);
    expect(grant?.conditional).toBe(false);
  });

  it('a pattern grant lists only the roles it matches: not the ones a Deny carves out', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [
              allowAssume(`arn:aws:iam::${TARGET}:role/*`),
              { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ADMIN },
            ],
          ],
        }),
      ],
    });
    const result = grantsFromSnapshot([s, snapshot(TARGET, { roles: [role('Admin'), role('Dev')] })]);
    expect(result.grants.map((g) => g.roles?.map((r) => r.name))).toEqual([['Dev']]);
  });

  it('a role whose ARN cannot be read is reported once and not listed', () => {
    const bad = { ...role('bad name'), arn: `arn:aws:iam::${TARGET}:role/bad name` };
    const identity = snapshot(IDENTITY, {
      users: ['alice', 'bob'].map((n) => user(n, { inline: [[allowAssume(`arn:aws:iam::${TARGET}:role/*`)]] })),
    });
    const result = grantsFromSnapshot([identity, snapshot(TARGET, { roles: [bad, role('Dev')] })]);
    expect(result.grants.map((g) => g.roles?.map((r) => r.name))).toEqual([['Dev'], ['Dev']]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ account: TARGET, entity: 'role bad name' });
  });

  it('a trust policy whose only statement naming the user is a conditional Deny does not trust them', () => {
    const r = role('Admin', {
      trust: [{ Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'sts:AssumeRole', Condition: { Bool: { x: 'y' } } }],
    });
    const result = grantsFromSnapshot([
      snapshot(IDENTITY, { users: [user('alice', { inline: [[allowAssume(ADMIN)]] })] }),
      snapshot(TARGET, { roles: [r] }),
    ]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['trust']);
  });

  it('a Deny naming the role among other resources drops an exact grant; one naming others carves nothing from it', () => {
    const alice = (deny: object) =>
      snapshot(IDENTITY, {
        users: [
          user('alice', { inline: [[allowAssume(ADMIN), { Effect: 'Deny', Action: 'sts:AssumeRole', ...deny }]] }),
        ],
      });
    expect(grantsFromSnapshot(alice({ Resource: ['arn:aws:s3:::b', ADMIN] })).grants).toEqual([]);
    const kept = grantsFromSnapshot(alice({ Resource: `arn:aws:iam::${TARGET}:role/Other` })).grants;
    expect(kept.map((g) => g.excludes)).toEqual([[]]);
    expect(grantsFromSnapshot(alice({ NotResource: ['arn:aws:s3:::b', ADMIN] })).grants).toHaveLength(1);
    expect(grantsFromSnapshot(alice({})).grants).toHaveLength(1);
  });

  it('a Deny with NotResource lets a wildcard grant reach any spared role', () => {
    const spared = [`arn:aws:iam::${TARGET}:role/dev-*`, ADMIN];
    const [grant] = grantsFromSnapshot(
      snapshot(IDENTITY, {
        users: [
          user('alice', {
            inline: [
              [allowAssume(`arn:aws:iam::${TARGET}:role/*`), { Effect: 'Deny', Action: 'sts:*', NotResource: spared }],
            ],
          }),
        ],
      }),
    ).grants;
    expect(grant && grantMatchesRole(grant, ADMIN)).toBe(true);
    expect(grant && grantMatchesRole(grant, `arn:aws:iam::${TARGET}:role/dev-a`)).toBe(true);
    expect(grant && grantMatchesRole(grant, `arn:aws:iam::${TARGET}:role/ops`)).toBe(false);
  });

  it('a conditional Deny touching a role among other resources notes it', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', {
          inline: [
            [
              allowAssume(ADMIN),
              { Effect: 'Deny', Action: 'sts:*', Resource: ['arn:aws:s3:::b', ADMIN], Condition: { Bool: { x: 'y' } } },
            ],
          ],
        }),
      ],
    });
    expect(grantsFromSnapshot(s).grants[0]?.notes).toHaveLength(1);
  });

  const bounded = (resource: string, statements: object[]) => {
    const boundary = managedPolicy('boundary', statements);
    return {
      arn: boundary.arn,
      s: snapshot(IDENTITY, {
        users: [user('alice', { inline: [[allowAssume(resource)]], boundary: boundary.arn })],
        policies: [boundary],
      }),
    };
  };

  it("a boundary's Deny carves out of a grant, while only its Allows narrow it", () => {
    const b = bounded(`arn:aws:iam::${TARGET}:role/*`, [
      allowAssume(`arn:aws:iam::${TARGET}:role/dev-*`),
      { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${TARGET}:role/dev-prod` },
    ]);
    const [grant] = grantsFromSnapshot(b.s).grants;
    expect(grant?.within).toEqual([[`arn:aws:iam::${TARGET}:role/dev-*`]]);
    expect(grant?.excludes).toEqual([`arn:aws:iam::${TARGET}:role/dev-prod`]);
  });

  it("a boundary's Deny without a Sid is named by its index", () => {
    const b = bounded(ADMIN, [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ADMIN },
    ]);
    expect(grantsFromSnapshot(b.s).dropped.map((d) => d.detail)).toEqual([
      `explicitly denied by permissions boundary ${b.arn} statement #1`,
    ]);
  });

  it('a boundary allowing the role in any one of its statements keeps the grant, noting a condition on any', () => {
    const b = bounded(ADMIN, [
      allowAssume(`arn:aws:iam::${TARGET}:role/dev-*`, { Condition: { Bool: { x: 'y' } } }),
      allowAssume(ADMIN),
    ]);
    const [grant] = grantsFromSnapshot(b.s).grants;
    expect(grant?.notes).toEqual([`permissions boundary ${b.arn} allows it only under a condition (not evaluated)`]);
    const plain = bounded(ADMIN, [allowAssume(ADMIN), { Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: 'x' }]);
    expect(grantsFromSnapshot(plain.s).grants[0]?.notes).toEqual([
      `permissions boundary ${plain.arn} uses NotResource; treated as allowing every role`,
    ]);
  });

  it('a missing boundary is reported under the user', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice', { inline: [[allowAssume(ADMIN)]], boundary: `arn:aws:iam::${IDENTITY}:policy/gone` })],
    });
    expect(grantsFromSnapshot(s).problems.map((p) => p.entity)).toEqual(['user alice']);
  });
});
