import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roleFromErrorMessage, toRoleSwitch } from '../src/trail/index.js';
import * as f from './fixtures/trail/records.js';

const U = f.USER_ACCOUNT;
const W = f.WORK_ACCOUNT;
const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe('toRoleSwitch: switches', () => {
  it.each([
    [
      'IAM user (path dropped from user and role keys)',
      f.assumeRoleByUser,
      {
        principal: {
          key: `arn:aws:iam::${U}:user/erin`,
          kind: 'iam-user',
          account: U,
          name: 'erin',
          arn: `arn:aws:iam::${U}:user/ops/erin`,
        },
        role: {
          key: `arn:aws:iam::${W}:role/OpsAdmin`,
          account: W,
          name: 'OpsAdmin',
          arn: `arn:aws:iam::${W}:role/platform/OpsAdmin`,
        },
        at: Date.parse('2025-03-01T09:00:00Z'),
        method: 'AssumeRole',
        eventId: 'e0000000-0000-4000-8000-000000000001',
        sharedEventId: 'a0000000-0000-4000-8000-0000000000aa',
        recordedIn: U,
        region: 'eu-west-1',
        sourceIp: '198.51.100.7',
      },
    ],
    [
      'role-owner side of a cross-account call (unresolved principal id)',
      f.assumeRoleOwnerSide,
      {
        principal: {
          key: `unresolved:${U}:AIDAEXAMPLEERIN00001`,
          kind: 'unresolved',
          account: U,
          name: 'AIDAEXAMPLEERIN00001',
        },
        role: {
          key: `arn:aws:iam::${W}:role/OpsAdmin`,
          account: W,
          name: 'OpsAdmin',
          arn: `arn:aws:iam::${W}:role/platform/OpsAdmin`,
        },
        at: Date.parse('2025-03-01T09:00:00Z'),
        method: 'AssumeRole',
        eventId: 'e0000000-0000-4000-8000-000000000002',
        sharedEventId: 'a0000000-0000-4000-8000-0000000000aa',
        recordedIn: W,
        region: 'eu-west-1',
        sourceIp: '198.51.100.7',
      },
    ],
    [
      'role session with sourceIdentity: the source identity is the principal',
      f.assumeRoleBySessionWithSourceIdentity,
      {
        principal: {
          key: 'source-identity:mallory@example.com',
          kind: 'role-session',
          account: U,
          name: 'mallory@example.com',
          arn: `arn:aws:sts::${U}:assumed-role/Bastion/mallory`,
        },
        role: {
          key: `arn:aws:iam::${W}:role/ReadOnly`,
          account: W,
          name: 'ReadOnly',
          arn: `arn:aws:iam::${W}:role/ReadOnly`,
        },
        method: 'AssumeRole',
      },
    ],
    [
      'role session without sourceIdentity: the session ARN is the principal',
      f.assumeRoleBySession,
      {
        principal: {
          key: `arn:aws:sts::${U}:assumed-role/Bastion/mallory`,
          kind: 'role-session',
          account: U,
          name: 'mallory',
          arn: `arn:aws:sts::${U}:assumed-role/Bastion/mallory`,
        },
        role: { key: `arn:aws:iam::${W}:role/ReadOnly` },
      },
    ],
    [
      'console SwitchRole: principal from SwitchFrom, role from the assumed-role ARN',
      f.switchRole,
      {
        principal: { key: `arn:aws:iam::${U}:user/erin`, kind: 'iam-user', name: 'erin' },
        role: {
          key: `arn:aws:iam::${W}:role/OpsAdmin`,
          account: W,
          name: 'OpsAdmin',
          arn: `arn:aws:iam::${W}:role/OpsAdmin`,
        },
        method: 'SwitchRole',
        at: Date.parse('2025-03-03T10:00:00Z'),
        recordedIn: W,
      },
    ],
    [
      'Identity Center (SAML): one person across accounts, keyed by the instance provider name; permission-set role',
      f.assumeRoleWithSaml,
      {
        principal: {
          key: 'saml:AWSSSO_0123456789abcdef_DO_NOT_DELETE:peggy@example.com',
          kind: 'saml',
          account: '',
          name: 'peggy@example.com',
        },
        role: {
          key: `arn:aws:iam::${W}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
          name: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
          arn: `arn:aws:iam::${W}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
        },
        method: 'AssumeRoleWithSAML',
      },
    ],
    [
      'web identity (OIDC): the token subject qualified by the provider, not the session name',
      f.assumeRoleWithWebIdentity,
      {
        principal: {
          key: `web-identity:arn:aws:iam::${W}:oidc-provider/token.actions.githubusercontent.com:repo:example/app:ref:refs/heads/main`,
          kind: 'web-identity',
          account: W,
          name: 'repo:example/app:ref:refs/heads/main',
        },
        role: { key: `arn:aws:iam::${W}:role/Deployer`, arn: `arn:aws:iam::${W}:role/ci/Deployer` },
        method: 'AssumeRoleWithWebIdentity',
      },
    ],
  ])('%s', (_name, record, expected) => {
    const outcome = toRoleSwitch(json(record));
    expect(outcome.kind).toBe('switch');
    if (outcome.kind !== 'switch') return;
    expect(outcome.switch).toMatchObject(expected);
    expect(JSON.stringify(outcome)).not.toContain(f.FAKE_SESSION_TOKEN);
  });

  it('a SwitchRole and an AssumeRole into the same role (with and without path) give one role key', () => {
    const a = toRoleSwitch(json(f.assumeRoleByUser));
    const b = toRoleSwitch(json(f.switchRole));
    expect(a.kind === 'switch' && b.kind === 'switch' && a.switch.role.key === b.switch.role.key).toBe(true);
    expect(a.kind === 'switch' && b.kind === 'switch' && a.switch.principal.key === b.switch.principal.key).toBe(true);
  });

  it('an Identity Center user is one principal in every account; another SAML provider stays per account', () => {
    const inAccount = (account: string, providerName: string) => {
      const record = json(f.assumeRoleWithSaml);
      const provider = `arn:aws:iam::${account}:saml-provider/${providerName}`;
      const request = record.requestParameters as Record<string, unknown>;
      request.principalArn = provider;
      request.roleArn = `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnly_0123`;
      (record.responseElements as Record<string, unknown>).provider = provider;
      const outcome = toRoleSwitch(record);
      if (outcome.kind !== 'switch') throw new Error(`expected a switch, got ${outcome.kind}`);
      return outcome.switch.principal;
    };
    const sso = 'AWSSSO_0123456789abcdef_DO_NOT_DELETE';
    expect(inAccount('111111111111', sso)).toEqual(inAccount('222222222222', sso));
    expect(inAccount('111111111111', sso)).toEqual({
      key: `saml:${sso}:peggy@example.com`,
      kind: 'saml',
      account: '',
      name: 'peggy@example.com',
    });
    expect(inAccount('111111111111', 'Okta').key).toBe(
      'saml:arn:aws:iam::111111111111:saml-provider/Okta:peggy@example.com',
    );
    expect(inAccount('222222222222', 'Okta').key).toBe(
      'saml:arn:aws:iam::222222222222:saml-provider/Okta:peggy@example.com',
    );
    expect(inAccount('111111111111', 'AWSSSO_x_DO_NOT_DELETE/evil').key).toContain('arn:aws:iam::111111111111');
  });

  it('two repositories with the same default session name are two web-identity principals', () => {
    const other = json(f.assumeRoleWithWebIdentity);
    (other.responseElements as Record<string, unknown>).subjectFromWebIdentityToken =
      'repo:example/other:ref:refs/heads/main';
    const a = toRoleSwitch(json(f.assumeRoleWithWebIdentity));
    const b = toRoleSwitch(other);
    expect(a.kind === 'switch' && b.kind === 'switch' && [a.switch.principal.name, b.switch.principal.name]).toEqual([
      'repo:example/app:ref:refs/heads/main',
      'repo:example/other:ref:refs/heads/main',
    ]);
  });

  it('SAML with a sourceIdentity uses it instead of the session name', () => {
    const record = json(f.assumeRoleWithSaml);
    (record.requestParameters as Record<string, unknown>).sourceIdentity = 'peggy';
    const outcome = toRoleSwitch(record);
    expect(outcome.kind === 'switch' && outcome.switch.principal.name).toBe('peggy');
  });

  it('learns a principal-id alias from the caller side', () => {
    const outcome = toRoleSwitch(json(f.assumeRoleByUser));
    expect(outcome.kind === 'switch' && outcome.alias).toEqual({
      account: U,
      principalId: 'AIDAEXAMPLEERIN00001',
      principal: {
        key: `arn:aws:iam::${U}:user/erin`,
        kind: 'iam-user',
        account: U,
        name: 'erin',
        arn: `arn:aws:iam::${U}:user/ops/erin`,
      },
      seenAt: Date.parse('2025-03-01T09:00:00Z'),
    });
    const owner = toRoleSwitch(json(f.assumeRoleOwnerSide));
    // The owner side teaches no principal, only a link from the caller's id to the session it created.
    expect(owner.kind === 'switch' && owner.alias).toEqual({
      account: U,
      principalId: 'AIDAEXAMPLEERIN00001>AROAEXAMPLEOPSADMIN1:erin-cli',
      principal: {
        key: `unresolved:${W}:console:AROAEXAMPLEOPSADMIN1:erin-cli`,
        kind: 'unresolved',
        account: W,
        name: 'console:AROAEXAMPLEOPSADMIN1:erin-cli',
      },
      seenAt: Date.parse('2025-03-01T09:00:00Z'),
    });
  });

  it('a console SwitchRole names the user behind its session', () => {
    const outcome = toRoleSwitch(json(f.switchRole));
    expect(outcome.kind === 'switch' && outcome.alias).toEqual({
      account: W,
      principalId: 'console:AROAEXAMPLEOPSADMIN1:erin',
      principal: {
        key: `arn:aws:iam::${U}:user/erin`,
        kind: 'iam-user',
        account: U,
        name: 'erin',
        arn: `arn:aws:iam::${U}:user/ops/erin`,
      },
      seenAt: Date.parse('2025-03-03T10:00:00Z'),
    });
  });
});

describe('toRoleSwitch: denied attempts and skips', () => {
  it('AccessDenied becomes a denied attempt with the role parsed from errorMessage', () => {
    const outcome = toRoleSwitch(json(f.assumeRoleDenied));
    expect(outcome).toMatchObject({
      kind: 'denied',
      denied: {
        principal: { key: `arn:aws:iam::${U}:user/erin` },
        role: { key: `arn:aws:iam::${W}:role/BillingViewer`, name: 'BillingViewer' },
        errorCode: 'AccessDenied',
        method: 'AssumeRole',
        eventId: 'e0000000-0000-4000-8000-000000000009',
      },
    });
  });

  it('a failed console switch is denied, never a switch', () => {
    expect(toRoleSwitch(json(f.switchRoleFailed))).toMatchObject({
      kind: 'denied',
      denied: { method: 'SwitchRole', errorCode: 'Failure' },
    });
  });

  it.each([
    ['AWS service caller', f.assumeRoleByService, 'service-caller'],
    ['an API call that only mentions AssumeRole', f.updateAssumeRolePolicy, 'not-a-switch'],
    ['an ordinary call', f.describeInstances, 'not-a-switch'],
    ['an Insights event about AssumeRole', f.insightEvent, 'not-a-switch'],
    ['no errorCode and no assumedRoleUser', { ...f.assumeRoleByUser, responseElements: null }, 'malformed'],
    ['a bad role ARN', { ...f.assumeRoleByUser, requestParameters: { roleArn: 'arn:aws:iam::1:role/x' } }, 'malformed'],
    ['a bad eventTime', { ...f.assumeRoleByUser, eventTime: 'yesterday' }, 'malformed'],
    ['no eventID', { ...f.assumeRoleByUser, eventID: undefined }, 'malformed'],
    ['no userIdentity', { ...f.assumeRoleByUser, userIdentity: undefined }, 'malformed'],
    [
      'SwitchRole to a non-session ARN',
      { ...f.switchRole, userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${U}:user/erin` } },
      'malformed',
    ],
    ['SwitchRole without SwitchFrom', { ...f.switchRole, additionalEventData: {} }, 'malformed'],
    ['wrong event source', { ...f.assumeRoleByUser, eventSource: 'iam.amazonaws.com' }, 'not-a-switch'],
  ])('%s → skipped (%s)', (_name, record, reason) => {
    const outcome = toRoleSwitch(json(record));
    expect(outcome).toMatchObject({ kind: 'skipped', reason });
    if (outcome.kind === 'skipped') expect(outcome.detail.length).toBeGreaterThan(0);
  });

  it.each([null, 42, 'AssumeRole', [], [f.assumeRoleByUser], {}])('never throws on %j', (value) => {
    expect(toRoleSwitch(value)).toMatchObject({ kind: 'skipped', reason: 'malformed' });
  });

  it('never throws on arbitrary JSON, including record-like objects', () => {
    const recordish = fc.record(
      {
        eventSource: fc.constantFrom('sts.amazonaws.com', 'signin.amazonaws.com', 'x'),
        eventName: fc.constantFrom('AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'SwitchRole'),
        eventTime: fc.oneof(fc.string(), fc.constant('2025-01-01T00:00:00Z')),
        eventID: fc.string(),
        errorCode: fc.option(fc.string()),
        errorMessage: fc.option(fc.string()),
        userIdentity: fc.anything(),
        requestParameters: fc.anything(),
        responseElements: fc.anything(),
        additionalEventData: fc.anything(),
      },
      { requiredKeys: ['eventSource', 'eventName'] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), recordish), (value) => {
        const outcome = toRoleSwitch(value);
        expect(['switch', 'denied', 'skipped']).toContain(outcome.kind);
      }),
    );
  });
});

describe('roleFromErrorMessage', () => {
  it.each([
    [
      `User: arn:aws:iam::${U}:user/erin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${W}:role/X`,
      `arn:aws:iam::${W}:role/X`,
    ],
    [
      `User: arn:aws:sts::${U}:assumed-role/Bastion/mallory is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${W}:role/ops/Y because no identity-based policy allows the sts:AssumeRole action`,
      `arn:aws:iam::${W}:role/Y`,
    ],
    [
      `Not authorized: arn:aws:sts::${U}:assumed-role/Bastion/m cannot assume arn:aws:iam::${W}:role/Z`,
      `arn:aws:iam::${W}:role/Z`,
    ],
    [`User: arn:aws:sts::${U}:assumed-role/Bastion/m is not authorized`, undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (message, key) => {
    expect(roleFromErrorMessage(message)?.key).toBe(key);
  });

  it('is linear on hostile messages', () => {
    const hostile = `on resource: ${'arn:'.repeat(50_000)}`;
    expect(roleFromErrorMessage(hostile)).toBeUndefined();
  });
});
