import { describe, expect, it } from 'vitest';
import { roleFromErrorMessage, toRoleSwitch } from '../src/trail/index.js';
import * as f from './fixtures/trail/records.js';

// Attribution at its edges: each fallback, guard and skip detail of toRoleSwitch, one at a time.
// Records are the fixtures of records.ts with one field changed (built inside each test).

const U = f.USER_ACCOUNT;
const W = f.WORK_ACCOUNT;
type Json = Record<string, unknown>;
/** A record as `edit` hands it over: the parts attribution reads are objects. */
type Doc = Json & { userIdentity: Json; requestParameters: Json; responseElements: Json };

/** A deep copy of `record` with `change` applied to it (objects only, as JSON.parse gives them). */
function edit(record: object, change: (r: Doc) => void): Json {
  const copy = JSON.parse(JSON.stringify(record)) as Doc;
  change(copy);
  return copy;
}

const userKey = `arn:aws:iam::${U}:user/erin`;
const opsAdmin = { key: `arn:aws:iam::${W}:role/OpsAdmin`, account: W, name: 'OpsAdmin' };
const erin = { key: userKey, kind: 'iam-user', account: U, name: 'erin', arn: `arn:aws:iam::${U}:user/ops/erin` };

describe('eventTime: only the ISO 8601 UTC shape CloudTrail writes', () => {
  it.each([
    ['2025-03-01T09:00:00Z', Date.parse('2025-03-01T09:00:00Z')],
    ['2025-03-01T09:00:00.250Z', Date.parse('2025-03-01T09:00:00.250Z')],
    // 30 characters, the longest accepted.
    ['2025-03-01T09:00:00.000000000Z', Date.parse('2025-03-01T09:00:00Z')],
  ])('%s is accepted', (eventTime, at) => {
    const outcome = toRoleSwitch(edit(f.assumeRoleByUser, (r) => (r.eventTime = eventTime as never)));
    expect(outcome.kind === 'switch' && outcome.switch.at).toBe(at);
  });

  it.each([
    ['too short (no seconds)', '2025-03-01T09:00Z'],
    ['too long (31 characters)', '2025-03-01T09:00:00.0000000000Z'],
    ['a bracket for the first dash (Date.parse reads it as 1 January)', '2025(03-01T09:00:00Z'],
    ['a bracket for the second dash', '2025-03(01T09:00:00Z'],
    ['a space for the T', '2025-03-01 09:00:00Z'],
    ['no Z (Date.parse would read local time)', '2025-03-01T09:00:00.000'],
    ['a lower-case z', '2025-03-01T09:00:00z'],
    ['an offset instead of Z', '2025-03-01T09:00:00.000+0000'],
  ])('%s: %s is malformed', (_name, eventTime) => {
    const outcome = toRoleSwitch(edit(f.assumeRoleByUser, (r) => (r.eventTime = eventTime as never)));
    expect(outcome).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `AssumeRole ${f.assumeRoleByUser.eventID}: eventTime ${JSON.stringify(eventTime)} is not an ISO 8601 UTC time`,
    });
  });

  it('quotes at most 40 characters of a bad eventTime', () => {
    const eventTime = `2025-03-01T09:00:00Z${'x'.repeat(100)}`;
    const outcome = toRoleSwitch(edit(f.switchRole, (r) => (r.eventTime = eventTime as never)));
    expect(outcome).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `SwitchRole ${f.switchRole.eventID}: eventTime "${eventTime.slice(0, 40)}" is not an ISO 8601 UTC time`,
    });
  });
});

describe('skip details name the record and what is wrong with it', () => {
  const id = f.assumeRoleByUser.eventID;
  it.each([
    ['null', null, 'malformed', 'a record must be a JSON object'],
    ['a number', 42, 'malformed', 'a record must be a JSON object'],
    ['an array', [f.assumeRoleByUser], 'malformed', 'a record must be a JSON object'],
    ['an Insights event', f.insightEvent, 'not-a-switch', 'a CloudTrail Insights event'],
    ['no eventName', { eventSource: 'sts.amazonaws.com' }, 'malformed', 'eventName or eventSource is missing'],
    ['no eventSource', { eventName: 'AssumeRole' }, 'malformed', 'eventName or eventSource is missing'],
    [
      'a numeric eventName',
      { eventSource: 'sts.amazonaws.com', eventName: 7 },
      'malformed',
      'eventName or eventSource is missing',
    ],
    ['another call', f.describeInstances, 'not-a-switch', 'ec2.amazonaws.com DescribeInstances'],
    [
      'SwitchRole from sts',
      { ...f.switchRole, eventSource: 'sts.amazonaws.com' },
      'not-a-switch',
      'sts.amazonaws.com SwitchRole',
    ],
    [
      'AssumeRole from signin',
      { ...f.assumeRoleByUser, eventSource: 'signin.amazonaws.com' },
      'not-a-switch',
      'signin.amazonaws.com AssumeRole',
    ],
    [
      'a console login',
      { ...f.switchRole, eventName: 'ConsoleLogin' },
      'not-a-switch',
      'signin.amazonaws.com ConsoleLogin',
    ],
    ['no eventID', { ...f.assumeRoleByUser, eventID: undefined }, 'malformed', 'AssumeRole: eventID: expected string'],
    [
      'an AWS service caller',
      f.assumeRoleByService,
      'service-caller',
      'AssumeRole by AWS service config.amazonaws.com',
    ],
    [
      'an AWS service caller that does not say which',
      { ...f.assumeRoleByService, userIdentity: { type: 'AWSService' } },
      'service-caller',
      'AssumeRole by AWS service unknown',
    ],
    [
      'no userIdentity',
      { ...f.assumeRoleByUser, userIdentity: undefined },
      'malformed',
      `AssumeRole ${id}: userIdentity is missing`,
    ],
    [
      'a caller without an ARN',
      { ...f.assumeRoleByUser, userIdentity: { ...f.assumeRoleByUser.userIdentity, arn: '' } },
      'malformed',
      `AssumeRole ${id}: userIdentity.arn is missing`,
    ],
    [
      'a caller whose ARN is no principal',
      { ...f.assumeRoleByUser, userIdentity: { ...f.assumeRoleByUser.userIdentity, arn: `arn:aws:s3:::bucket` } },
      'malformed',
      `AssumeRole ${id}: userIdentity.arn: ARN "arn:aws:s3:::bucket" names no IAM user, root, role or session`,
    ],
    [
      'no errorCode and no assumedRoleUser',
      { ...f.assumeRoleByUser, responseElements: null },
      'malformed',
      `AssumeRole ${id}: AssumeRole without errorCode and without responseElements.assumedRoleUser`,
    ],
    [
      'no roleArn',
      { ...f.assumeRoleByUser, requestParameters: { roleSessionName: 'erin-cli' } },
      'malformed',
      `AssumeRole ${id}: requestParameters.roleArn is missing`,
    ],
    [
      'a roleArn that names no role',
      { ...f.assumeRoleByUser, requestParameters: { roleArn: `arn:aws:iam::${W}:user/OpsAdmin` } },
      'malformed',
      `AssumeRole ${id}: requestParameters.roleArn: ARN "arn:aws:iam::${W}:user/OpsAdmin" names neither an IAM role nor an assumed-role session`,
    ],
    [
      'a SwitchRole without SwitchFrom',
      { ...f.switchRole, additionalEventData: {} },
      'malformed',
      `SwitchRole ${f.switchRole.eventID}: additionalEventData.SwitchFrom is missing`,
    ],
    [
      'a SwitchRole by an IAM role ARN, not a session',
      { ...f.switchRole, userIdentity: { ...f.switchRole.userIdentity, arn: `arn:aws:iam::${W}:role/OpsAdmin` } },
      'malformed',
      `SwitchRole ${f.switchRole.eventID}: SwitchRole whose userIdentity.arn is not an assumed-role session`,
    ],
    [
      'a SwitchRole without userIdentity.arn',
      { ...f.switchRole, userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLEOPSADMIN1:erin' } },
      'malformed',
      `SwitchRole ${f.switchRole.eventID}: SwitchRole whose userIdentity.arn is not an assumed-role session`,
    ],
  ])('%s', (_name, record, reason, detail) => {
    expect(toRoleSwitch(JSON.parse(JSON.stringify(record)))).toStrictEqual({ kind: 'skipped', reason, detail });
  });
});

describe('AssumeRole callers', () => {
  it.each([
    ['accountId', 'accountId'],
    ['principalId', 'principalId'],
  ])('a role-owner-side record without %s is malformed', (_name, field) => {
    const outcome = toRoleSwitch(edit(f.assumeRoleOwnerSide, (r) => delete r.userIdentity[field]));
    expect(outcome).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `AssumeRole ${f.assumeRoleOwnerSide.eventID}: AWSAccount caller without accountId and principalId`,
    });
  });

  it('an IAM user’s sessionContext.sourceIdentity is not its principal (only a role session’s is)', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleByUser, (r) => (r.userIdentity.sessionContext = { sourceIdentity: 'someone@example.com' })),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal).toStrictEqual(erin);
  });

  it('an empty sourceIdentity is no source identity', () => {
    const outcome = toRoleSwitch(
      edit(
        f.assumeRoleBySessionWithSourceIdentity,
        (r) => ((r.userIdentity.sessionContext as Json).sourceIdentity = ''),
      ),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal.key).toBe(
      `arn:aws:sts::${U}:assumed-role/Bastion/mallory`,
    );
  });

  it.each([
    [
      'Root',
      `arn:aws:iam::${U}:root`,
      'AIDAEXAMPLEROOT00001',
      { key: `arn:aws:iam::${U}:root`, kind: 'root', name: 'root' },
    ],
    [
      'FederatedUser',
      `arn:aws:sts::${U}:federated-user/bob`,
      `${U}:bob`,
      { key: `arn:aws:sts::${U}:federated-user/bob`, kind: 'federated-user', name: 'bob' },
    ],
    [
      'AssumedRole',
      `arn:aws:sts::${U}:assumed-role/Bastion/mallory`,
      'AROAEXAMPLEBASTION01:mallory',
      { key: `arn:aws:sts::${U}:assumed-role/Bastion/mallory`, kind: 'role-session', name: 'mallory' },
    ],
    [
      'IAMUser',
      `arn:aws:iam::${U}:user/ops/erin`,
      'AIDAEXAMPLEERIN00001',
      { key: userKey, kind: 'iam-user', name: 'erin' },
    ],
  ])('a %s caller teaches the alias of its principal id', (type, arn, principalId, principal) => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleByUser, (r) => (r.userIdentity = { type, principalId, arn, accountId: U } as Json)),
    );
    expect(outcome).toStrictEqual({
      kind: 'switch',
      switch: expect.objectContaining({ principal: { ...principal, account: U, arn } }),
      alias: {
        account: U,
        principalId,
        principal: { ...principal, account: U, arn },
        seenAt: Date.parse('2025-03-01T09:00:00Z'),
      },
    });
  });

  it.each([
    ['no type', undefined],
    ['an unknown type', 'Unknown'],
    ['a SAML user', 'SAMLUser'],
  ])('a caller with %s teaches no alias and no link', (_name, type) => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleByUser, (r) => {
        if (type === undefined) delete r.userIdentity.type;
        else r.userIdentity.type = type;
      }),
    );
    expect(outcome.kind).toBe('switch');
    expect(outcome).not.toHaveProperty('alias');
  });

  it.each(['accountId', 'principalId'])('a user caller without %s teaches no alias', (field) => {
    const outcome = toRoleSwitch(edit(f.assumeRoleByUser, (r) => (r.userIdentity[field] = '')));
    expect(outcome.kind === 'switch' && outcome.switch.principal).toStrictEqual(erin);
    expect(outcome).not.toHaveProperty('alias');
  });

  it('a denied attempt by a user still teaches its alias', () => {
    expect(toRoleSwitch(JSON.parse(JSON.stringify(f.assumeRoleDenied)))).toStrictEqual({
      kind: 'denied',
      denied: {
        principal: erin,
        role: {
          ...opsAdmin,
          key: `arn:aws:iam::${W}:role/BillingViewer`,
          name: 'BillingViewer',
          arn: `arn:aws:iam::${W}:role/BillingViewer`,
        },
        at: Date.parse('2025-03-06T09:00:00Z'),
        method: 'AssumeRole',
        errorCode: 'AccessDenied',
        eventId: f.assumeRoleDenied.eventID,
      },
      alias: {
        account: U,
        principalId: 'AIDAEXAMPLEERIN00001',
        principal: erin,
        seenAt: Date.parse('2025-03-06T09:00:00Z'),
      },
    });
  });

  it('a denied attempt names the requested role when the record has one, else none', () => {
    const withRole = toRoleSwitch(
      edit(f.assumeRoleDenied, (r) => {
        r.requestParameters = { roleArn: `arn:aws:iam::${W}:role/platform/OpsAdmin` } as Json;
      }),
    );
    expect(withRole.kind === 'denied' && withRole.denied.role).toStrictEqual({
      ...opsAdmin,
      arn: `arn:aws:iam::${W}:role/platform/OpsAdmin`,
    });
    const none = toRoleSwitch(edit(f.assumeRoleDenied, (r) => (r.errorMessage = 'Rate exceeded' as never)));
    expect(none.kind).toBe('denied');
    expect(none.kind === 'denied' && Object.keys(none.denied).sort()).toStrictEqual([
      'at',
      'errorCode',
      'eventId',
      'method',
      'principal',
    ]);
    const owner = toRoleSwitch(
      edit(f.assumeRoleOwnerSide, (r) => {
        r.errorCode = 'AccessDenied' as never;
        r.responseElements = null as never;
      }),
    );
    // An owner-side denied attempt: the caller is unresolved, and links nothing (no session was made).
    expect(owner).toStrictEqual({
      kind: 'denied',
      denied: {
        principal: {
          key: `unresolved:${U}:AIDAEXAMPLEERIN00001`,
          kind: 'unresolved',
          account: U,
          name: 'AIDAEXAMPLEERIN00001',
        },
        role: { ...opsAdmin, arn: `arn:aws:iam::${W}:role/platform/OpsAdmin` },
        at: Date.parse('2025-03-01T09:00:00Z'),
        method: 'AssumeRole',
        errorCode: 'AccessDenied',
        eventId: f.assumeRoleOwnerSide.eventID,
      },
    });
  });

  it('a denied attempt with a roleArn that names no role is malformed', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleDenied, (r) => (r.requestParameters = { roleArn: 'arn:aws:iam::1:role/x' } as Json)),
    );
    expect(outcome).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `AssumeRole ${f.assumeRoleDenied.eventID}: requestParameters.roleArn: ARN "arn:aws:iam::1:role/x" has account "1"; expected 12 digits`,
    });
  });

  it('an owner-side record whose assumedRoleUser has no session id links nothing', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleOwnerSide, (r) => delete (r.responseElements.assumedRoleUser as Json).assumedRoleId),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal.key).toBe(`unresolved:${U}:AIDAEXAMPLEERIN00001`);
    expect(outcome).not.toHaveProperty('alias');
  });

  it('keeps only the record fields that are there (no empty or missing ones)', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleByUser, (r) => {
        r.sharedEventID = '' as never;
        delete r.recipientAccountId;
        r.awsRegion = null as never;
        r.sourceIPAddress = '' as never;
      }),
    );
    expect(outcome.kind === 'switch' && outcome.switch).toStrictEqual({
      principal: erin,
      role: { ...opsAdmin, arn: `arn:aws:iam::${W}:role/platform/OpsAdmin` },
      at: Date.parse('2025-03-01T09:00:00Z'),
      method: 'AssumeRole',
      eventId: f.assumeRoleByUser.eventID,
    });
  });
});

describe('SAML and web-identity principals', () => {
  const okta = (account: string) => `arn:aws:iam::${account}:saml-provider/Okta`;

  it.each([
    [
      'principalArn first',
      { principalArn: okta('333333333333') },
      { provider: okta('444444444444') },
      'X',
      okta('333333333333'),
    ],
    ['then the response’s provider', {}, { provider: okta('444444444444') }, 'X', okta('444444444444')],
    ['then userIdentity.identityProvider', {}, {}, okta('555555555555'), okta('555555555555')],
  ])('SAML provider: %s', (_name, request, response, identityProvider, expected) => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithSaml, (r) => {
        delete r.requestParameters.principalArn;
        delete r.responseElements.provider;
        Object.assign(r.requestParameters, request);
        Object.assign(r.responseElements, response);
        r.userIdentity.identityProvider = identityProvider;
      }),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal).toStrictEqual({
      key: `saml:${expected}:peggy@example.com`,
      kind: 'saml',
      account: expected.split(':')[4],
      name: 'peggy@example.com',
    });
    expect(outcome).not.toHaveProperty('alias');
  });

  const github = `arn:aws:iam::${W}:oidc-provider/token.actions.githubusercontent.com`;
  it.each([
    ['the response’s provider first', { provider: github }, 'accounts.google.com', 'graph.facebook.com', github],
    ['then userIdentity.identityProvider', {}, 'accounts.google.com', 'graph.facebook.com', 'accounts.google.com'],
    ['then requestParameters.providerId', {}, '', 'graph.facebook.com', 'graph.facebook.com'],
  ])('web-identity provider: %s', (_name, response, identityProvider, providerId, expected) => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithWebIdentity, (r) => {
        delete r.responseElements.provider;
        Object.assign(r.responseElements, response);
        r.userIdentity.identityProvider = identityProvider;
        r.requestParameters.providerId = providerId;
      }),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal).toStrictEqual({
      key: `web-identity:${expected}:repo:example/app:ref:refs/heads/main`,
      kind: 'web-identity',
      account: expected.startsWith('arn:') ? W : '',
      name: 'repo:example/app:ref:refs/heads/main',
    });
  });

  it.each([
    ['AssumeRoleWithSAML', f.assumeRoleWithSaml],
    ['AssumeRoleWithWebIdentity', f.assumeRoleWithWebIdentity],
  ])('%s without any provider is malformed', (method, record) => {
    const outcome = toRoleSwitch(
      edit(record, (r) => {
        r.requestParameters.principalArn = '';
        r.requestParameters.providerId = null;
        delete r.responseElements.provider;
        delete r.userIdentity.identityProvider;
      }),
    );
    expect(outcome).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `${method} ${record.eventID}: ${method} without an identity provider`,
    });
  });

  it('a web identity without requestParameters or any provider is malformed', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithWebIdentity, (r) => {
        r.requestParameters = null as never;
        delete r.responseElements.provider;
        delete r.userIdentity.identityProvider;
      }),
    );
    expect(outcome).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `AssumeRoleWithWebIdentity ${f.assumeRoleWithWebIdentity.eventID}: AssumeRoleWithWebIdentity without an identity provider`,
    });
  });

  it.each([
    ['a non-ARN provider', 'urn:example:idp:tenant:42', ''],
    ['an ARN cut short', 'arn:aws:iam', ''],
  ])('the principal’s account is the provider ARN’s account: %s gives none', (_name, provider, account) => {
    const outcome = toRoleSwitch(edit(f.assumeRoleWithWebIdentity, (r) => (r.responseElements.provider = provider)));
    expect(outcome.kind === 'switch' && outcome.switch.principal).toStrictEqual({
      key: `web-identity:${provider}:repo:example/app:ref:refs/heads/main`,
      kind: 'web-identity',
      account,
      name: 'repo:example/app:ref:refs/heads/main',
    });
  });

  it('the SAML name: source identity, then session name, then the assumed-role session, then the user name', () => {
    const names: unknown[] = [];
    const record = edit(f.assumeRoleWithSaml, (r) => {
      r.requestParameters.sourceIdentity = 'from-request';
      r.responseElements.sourceIdentity = 'from-response';
      r.requestParameters.roleSessionName = 'session-name';
      // Web identity's subject field is never read for SAML.
      r.responseElements.subjectFromWebIdentityToken = 'subject';
      (r.responseElements.assumedRoleUser as Json).arn = `arn:aws:sts::${W}:assumed-role/AWSReservedSSO_A_1/from-arn`;
      r.userIdentity.userName = 'user-name';
    }) as Doc;
    const steps: Array<() => void> = [
      () => delete record.requestParameters.sourceIdentity,
      () => delete record.responseElements.sourceIdentity,
      () => delete record.requestParameters.roleSessionName,
      () => ((record.responseElements.assumedRoleUser as Json).arn = `arn:aws:sts::${W}:not-a-session`),
      () => delete record.userIdentity.userName,
    ];
    for (const step of [() => undefined, ...steps]) {
      step();
      const outcome = toRoleSwitch(JSON.parse(JSON.stringify(record)));
      names.push(outcome.kind === 'switch' ? outcome.switch.principal.name : outcome);
    }
    expect(names).toStrictEqual([
      'from-request',
      'from-response',
      'session-name',
      'from-arn',
      'user-name',
      {
        kind: 'skipped',
        reason: 'malformed',
        detail: `AssumeRoleWithSAML ${f.assumeRoleWithSaml.eventID}: AssumeRoleWithSAML without a source identity or session name`,
      },
    ]);
  });

  it('the web-identity name: the token subject before any source identity', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithWebIdentity, (r) => (r.requestParameters.sourceIdentity = 'from-request')),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal.name).toBe('repo:example/app:ref:refs/heads/main');
    const noSubject = toRoleSwitch(
      edit(f.assumeRoleWithWebIdentity, (r) => delete r.responseElements.subjectFromWebIdentityToken),
    );
    expect(noSubject.kind === 'switch' && noSubject.switch.principal.name).toBe('GitHubActions');
  });

  it.each([
    ['no _DO_NOT_DELETE suffix', 'AWSSSO_0123456789abcdef'],
    ['no AWSSSO_ prefix', 'Okta_DO_NOT_DELETE'],
  ])('a SAML provider with %s is not Identity Center', (_name, providerName) => {
    const provider = `arn:aws:iam::${W}:saml-provider/${providerName}`;
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithSaml, (r) => {
        r.requestParameters.principalArn = provider;
        r.responseElements.provider = provider;
      }),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal).toStrictEqual({
      key: `saml:${provider}:peggy@example.com`,
      kind: 'saml',
      account: W,
      name: 'peggy@example.com',
    });
  });

  it('a SAML provider that only ends like Identity Center’s, not a saml-provider ARN, is not Identity Center', () => {
    // 14 characters before AWSSSO_, as many as ':saml-provider/' minus one.
    const provider = 'https://idp/x/AWSSSO_0123456789abcdef_DO_NOT_DELETE';
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithSaml, (r) => {
        r.requestParameters.principalArn = provider;
        r.responseElements.provider = provider;
      }),
    );
    expect(outcome.kind === 'switch' && outcome.switch.principal).toStrictEqual({
      key: `saml:${provider}:peggy@example.com`,
      kind: 'saml',
      account: '',
      name: 'peggy@example.com',
    });
  });

  it('a web identity is never keyed as Identity Center, whatever its provider says', () => {
    const provider = `arn:aws:iam::${W}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE`;
    const outcome = toRoleSwitch(edit(f.assumeRoleWithWebIdentity, (r) => (r.responseElements.provider = provider)));
    expect(outcome.kind === 'switch' && outcome.switch.principal.key).toBe(
      `web-identity:${provider}:repo:example/app:ref:refs/heads/main`,
    );
  });

  it('a federated switch teaches no alias, whatever its userIdentity claims', () => {
    for (const record of [f.assumeRoleWithSaml, f.assumeRoleWithWebIdentity]) {
      const outcome = toRoleSwitch(
        edit(record, (r) => {
          r.userIdentity = { ...f.assumeRoleByUser.userIdentity, identityProvider: r.userIdentity.identityProvider };
        }),
      );
      expect(outcome.kind).toBe('switch');
      expect(outcome).not.toHaveProperty('alias');
    }
  });
});

describe('console SwitchRole', () => {
  const at = Date.parse('2025-03-03T10:00:00Z');
  const role = { ...opsAdmin, arn: `arn:aws:iam::${W}:role/OpsAdmin` };

  it.each([
    ['SwitchRole "Failure"', (r: Json) => ((r.responseElements as Json).SwitchRole = 'Failure'), 'Failure'],
    ['no responseElements', (r: Json) => (r.responseElements = null), 'Failure'],
    ['another result', (r: Json) => ((r.responseElements as Json).SwitchRole = 'Expired'), 'Expired'],
    ['an errorCode, even beside "Success"', (r: Json) => (r.errorCode = 'AccessDenied'), 'AccessDenied'],
  ])('%s: a denied attempt into the session’s role, linking nothing', (_name, change, errorCode) => {
    expect(toRoleSwitch(edit(f.switchRole, change))).toStrictEqual({
      kind: 'denied',
      denied: { principal: erin, role, at, method: 'SwitchRole', errorCode, eventId: f.switchRole.eventID },
    });
  });

  it.each([
    ['an IAM user ARN', `arn:aws:iam::${U}:user/erin`],
    ['no ARN', undefined],
  ])('a failed switch whose userIdentity has %s names no role', (_name, arn) => {
    const outcome = toRoleSwitch(
      edit(f.switchRoleFailed, (r) => {
        if (arn === undefined) delete r.userIdentity.arn;
        else r.userIdentity.arn = arn;
      }),
    );
    expect(outcome).toStrictEqual({
      kind: 'denied',
      denied: { principal: erin, at, method: 'SwitchRole', errorCode: 'Failure', eventId: f.switchRoleFailed.eventID },
    });
  });

  it.each([
    ['a successful', f.switchRole],
    ['a failed', f.switchRoleFailed],
  ])('%s switch whose session ARN does not parse is malformed', (_name, record) => {
    const arn = 'arn:aws:sts::1:assumed-role/OpsAdmin/erin';
    expect(toRoleSwitch(edit(record, (r) => (r.userIdentity.arn = arn)))).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `SwitchRole ${record.eventID}: userIdentity.arn: ARN "${arn}" has account "1"; expected 12 digits`,
    });
  });

  it('the session alias lives in the record’s account, else the role’s', () => {
    const outcome = toRoleSwitch(edit(f.switchRole, (r) => delete r.userIdentity.accountId));
    expect(outcome.kind === 'switch' && outcome.alias).toStrictEqual({
      account: W,
      principalId: 'console:AROAEXAMPLEOPSADMIN1:erin',
      principal: erin,
      seenAt: at,
    });
  });

  it('a switch without a session id teaches no alias', () => {
    const outcome = toRoleSwitch(edit(f.switchRole, (r) => (r.userIdentity.principalId = '')));
    expect(outcome).toStrictEqual({
      kind: 'switch',
      switch: {
        principal: erin,
        role,
        at,
        method: 'SwitchRole',
        eventId: f.switchRole.eventID,
        recordedIn: W,
        region: 'us-east-1',
        sourceIp: '198.51.100.7',
      },
    });
  });
});

describe('roleFromErrorMessage at its edges', () => {
  const role = `arn:aws:iam::${W}:role/X`;

  it.each([
    ['a space', ' '],
    ['a double quote', '"'],
    ['a single quote', "'"],
    ['a comma', ','],
    ['a semicolon', ';'],
    ['a closing bracket', ')'],
    ['a tab', '\t'],
  ])('a role ARN ends at %s', (_name, end) => {
    expect(roleFromErrorMessage(`not authorized on resource: ${role}${end}more`)?.key).toBe(role);
    expect(roleFromErrorMessage(`(cannot assume ${role}${end}more`)?.key).toBe(role);
  });

  it.each([
    ['a bare role ARN', role, role],
    ['a quoted role ARN (the first "arn:" is not at a word start)', `"${role}"`, role],
    [
      'the role after the marker, not the first role ARN',
      `Role arn:aws:iam::${U}:role/Caller is not authorized on resource: ${role}`,
      role,
    ],
    ['a marker followed by no role, a role later', `on resource: arn:aws:s3:::b, see ${role}`, role],
    ['a marker followed by a bad role ARN', 'on resource: arn:aws:iam::1:role/x', undefined],
    ['an IAM ARN that is not a role', `on resource: arn:aws:iam::${W}:user/X`, undefined],
    ['a session ARN with iam-looking text', `arn:aws:sts::${W}:assumed-role/R/s:iam::x:role/y`, undefined],
  ])('%s', (_name, message, key) => {
    expect(roleFromErrorMessage(message)?.key).toBe(key);
  });

  it('reads only the first 4096 characters', () => {
    const within = `${'x'.repeat(4096 - role.length - 14)} on resource: ${role}`;
    expect(within.length).toBe(4096);
    expect(roleFromErrorMessage(within)?.key).toBe(role);
    expect(roleFromErrorMessage(`${'x'.repeat(4096)} on resource: ${role}`)).toBeUndefined();
  });
});

describe('records with parts missing', () => {
  const ssoRoleArn = `arn:aws:iam::${W}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef`;

  it('a denied SAML sign-in (no responseElements) is a denied attempt by the SAML principal', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithSaml, (r) => {
        r.errorCode = 'InvalidIdentityToken';
        r.responseElements = null as never;
      }),
    );
    expect(outcome).toStrictEqual({
      kind: 'denied',
      denied: {
        principal: {
          key: 'saml:AWSSSO_0123456789abcdef_DO_NOT_DELETE:peggy@example.com',
          kind: 'saml',
          account: '',
          name: 'peggy@example.com',
        },
        role: {
          key: `arn:aws:iam::${W}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
          account: W,
          name: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
          arn: ssoRoleArn,
        },
        at: Date.parse('2025-03-04T07:30:00Z'),
        method: 'AssumeRoleWithSAML',
        errorCode: 'InvalidIdentityToken',
        eventId: f.assumeRoleWithSaml.eventID,
      },
    });
  });

  it('a denied SAML sign-in without principalArn takes the provider from userIdentity', () => {
    const provider = `arn:aws:iam::${W}:saml-provider/Okta`;
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithSaml, (r) => {
        r.errorCode = 'AccessDenied';
        r.responseElements = null as never;
        delete r.requestParameters.principalArn;
        r.userIdentity.identityProvider = provider;
      }),
    );
    expect(outcome.kind === 'denied' && outcome.denied.principal.key).toBe(`saml:${provider}:peggy@example.com`);
  });

  it('a denied web identity (no token subject in the response) is keyed by its session name', () => {
    const outcome = toRoleSwitch(
      edit(f.assumeRoleWithWebIdentity, (r) => {
        r.errorCode = 'AccessDenied';
        Reflect.deleteProperty(r, 'responseElements');
      }),
    );
    expect(outcome.kind === 'denied' && outcome.denied.principal).toStrictEqual({
      key: `web-identity:arn:aws:iam::${W}:oidc-provider/token.actions.githubusercontent.com:GitHubActions`,
      kind: 'web-identity',
      account: W,
      name: 'GitHubActions',
    });
  });

  it.each([
    ['no requestParameters', (r: Doc) => (r.requestParameters = null as never), 'requestParameters.roleArn is missing'],
    [
      'a response without assumedRoleUser',
      (r: Doc) => delete r.responseElements.assumedRoleUser,
      'AssumeRoleWithSAML without errorCode and without responseElements.assumedRoleUser',
    ],
  ])('a SAML record with %s is malformed', (_name, change, problem) => {
    expect(toRoleSwitch(edit(f.assumeRoleWithSaml, change))).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `AssumeRoleWithSAML ${f.assumeRoleWithSaml.eventID}: ${problem}`,
    });
  });

  it.each([
    ['AssumeRoleWithSAML', f.assumeRoleWithSaml, 'peggy@example.com'],
    ['AssumeRoleWithWebIdentity', f.assumeRoleWithWebIdentity, 'repo:example/app:ref:refs/heads/main'],
  ])('%s without userIdentity is still a switch', (_name, record, name) => {
    const outcome = toRoleSwitch(edit(record, (r) => Reflect.deleteProperty(r, 'userIdentity')));
    expect(outcome.kind === 'switch' && outcome.switch.principal.name).toBe(name);
    expect(outcome).not.toHaveProperty('alias');
  });

  it('a role session without sessionContext is its session ARN', () => {
    const outcome = toRoleSwitch(edit(f.assumeRoleBySession, (r) => delete r.userIdentity.sessionContext));
    expect(outcome.kind === 'switch' && outcome.switch.principal.key).toBe(
      `arn:aws:sts::${U}:assumed-role/Bastion/mallory`,
    );
  });

  it('a SwitchRole without additionalEventData is malformed', () => {
    expect(toRoleSwitch(edit(f.switchRole, (r) => (r.additionalEventData = null)))).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `SwitchRole ${f.switchRole.eventID}: additionalEventData.SwitchFrom is missing`,
    });
  });

  it('a SwitchRole without userIdentity: failed, a denied attempt with no role; successful, malformed', () => {
    expect(toRoleSwitch(edit(f.switchRoleFailed, (r) => Reflect.deleteProperty(r, 'userIdentity')))).toStrictEqual({
      kind: 'denied',
      denied: {
        principal: erin,
        at: Date.parse('2025-03-03T10:00:00Z'),
        method: 'SwitchRole',
        errorCode: 'Failure',
        eventId: f.switchRoleFailed.eventID,
      },
    });
    expect(toRoleSwitch(edit(f.switchRole, (r) => Reflect.deleteProperty(r, 'userIdentity')))).toStrictEqual({
      kind: 'skipped',
      reason: 'malformed',
      detail: `SwitchRole ${f.switchRole.eventID}: SwitchRole whose userIdentity.arn is not an assumed-role session`,
    });
  });
});
