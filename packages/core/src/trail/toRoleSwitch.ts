import { parseArn, principalRefFromArn, roleRefFromArn } from '../arn.js';
import { consoleSessionAliasId, ownerSideLinkAliasId } from '../ledger/fold.js';
import type { DeniedAttempt, PrincipalAlias, PrincipalRef, RoleRef, RoleSwitch, SwitchMethod } from '../model.js';
import { _pickRecord } from './pickRecord.js';
import type { CloudTrailRecord } from './schema.js';

/** Why a record did not become a switch or a denied attempt. */
export type RecordSkipReason =
  /** The caller is an AWS service (`userIdentity.type` AWSService), not a person. */
  | 'service-caller'
  /** Any event other than a role assumption, or one that is not a switch (e.g. SwitchRole to nowhere). */
  | 'not-a-switch'
  /** A role-assumption record missing what attribution needs, or with invalid ARNs or times. */
  | 'malformed';

/** What one CloudTrail record means for lastswitch. */
export type RecordOutcome =
  | { kind: 'switch'; switch: RoleSwitch; alias?: PrincipalAlias }
  | { kind: 'denied'; denied: DeniedAttempt; alias?: PrincipalAlias }
  | { kind: 'skipped'; reason: RecordSkipReason; detail: string };

const STS = 'sts.amazonaws.com';
const SIGNIN = 'signin.amazonaws.com';
// Typed `unknown` so that an eventName of any JSON type can be looked up (only strings match).
const STS_METHODS: ReadonlySet<unknown> = new Set(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity']);

type UserIdentity = NonNullable<CloudTrailRecord['userIdentity']>;
type AssumedRoleUser = NonNullable<NonNullable<CloudTrailRecord['responseElements']>['assumedRoleUser']>;

/** What a record without `userIdentity` is read as (where attribution can do without it). */
const _NO_IDENTITY: UserIdentity = {};

/** A record problem that makes the record `malformed`. */
class _RecordProblem extends Error {}

function _skip(reason: RecordSkipReason, detail: string): RecordOutcome {
  return { kind: 'skipped', reason, detail };
}

function _str(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `eventTime` as epoch ms; CloudTrail writes ISO 8601 UTC (`2024-07-31T19:52:33Z`). */
function _eventTime(text: string): number {
  // Accept only the ISO shape (YYYY-MM-DDTHH:MM:SS[.fff]Z), not whatever Date.parse guesses at.
  const ok =
    text.length >= 20 &&
    text.length <= 30 &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 &&
    text.charCodeAt(text.length - 1) === 90;
  const at = ok ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(at))
    throw new _RecordProblem(`eventTime ${JSON.stringify(text.slice(0, 40))} is not an ISO 8601 UTC time`);
  return at;
}

function _role(arn: string | undefined, what: string): RoleRef {
  if (arn === undefined) throw new _RecordProblem(`${what} is missing`);
  try {
    return roleRefFromArn(arn);
  } catch (error) {
    throw new _RecordProblem(`${what}: ${(error as Error).message}`);
  }
}

function _principalFromArn(arn: string | undefined, what: string): PrincipalRef {
  if (arn === undefined) throw new _RecordProblem(`${what} is missing`);
  try {
    return principalRefFromArn(arn);
  } catch (error) {
    throw new _RecordProblem(`${what}: ${(error as Error).message}`);
  }
}

/** The role named in an AccessDenied message (`... on resource: arn:aws:iam::A:role/NAME`), scanned without regexes. */
export function roleFromErrorMessage(message: string | null | undefined): RoleRef | undefined {
  if (typeof message !== 'string') return undefined;
  const text = message.slice(0, 4096);
  const marker = 'on resource: ';
  const at = text.indexOf(marker);
  if (at >= 0) {
    const role = _roleToken(text, at + marker.length);
    if (role) return role;
  }
  // Fall back to the first IAM role ARN anywhere in the text (never the caller's session ARN).
  for (let next = text.indexOf('arn:'); next >= 0; next = text.indexOf('arn:', next + 4)) {
    const role = _roleToken(text, next);
    if (role) return role;
  }
  return undefined;
}

function _roleToken(text: string, start: number): RoleRef | undefined {
  let end = start;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x2c || c === 0x3b || c === 0x29) break;
    end++;
  }
  const token = text.slice(start, end);
  let role: RoleRef | undefined;
  try {
    // An IAM role ARN only: roleRefFromArn also reads the role of an assumed-role session ARN.
    if (parseArn(token).service === 'iam') role = roleRefFromArn(token);
  } catch {
    // Not an ARN (both throw only ArnError): no role here.
  }
  return role;
}

/** The principal that called an STS AssumeRole, per DESIGN.md. */
function _callerPrincipal(identity: UserIdentity | null | undefined): PrincipalRef {
  if (!identity) throw new _RecordProblem('userIdentity is missing');
  const type = _str(identity.type);
  if (type === 'AWSAccount') {
    const account = _str(identity.accountId);
    const principalId = _str(identity.principalId);
    if (account === undefined || principalId === undefined) {
      throw new _RecordProblem('AWSAccount caller without accountId and principalId');
    }
    return { key: `unresolved:${account}:${principalId}`, kind: 'unresolved', account, name: principalId };
  }
  const principal = _principalFromArn(_str(identity.arn), 'userIdentity.arn');
  if (type === 'AssumedRole') {
    const sourceIdentity = _str(identity.sessionContext?.sourceIdentity);
    if (sourceIdentity !== undefined) {
      return {
        key: `source-identity:${sourceIdentity}`,
        kind: 'role-session',
        account: principal.account,
        name: sourceIdentity,
        arn: principal.arn,
      };
    }
  }
  return principal;
}

/**
 * The provider name when `provider` is the SAML provider IAM Identity Center creates in every
 * account of its organisation (`arn:aws:iam::A:saml-provider/AWSSSO_<instance>_DO_NOT_DELETE`).
 */
function _identityCenterProvider(provider: string): string | undefined {
  const marker = ':saml-provider/';
  const at = provider.indexOf(marker);
  if (at < 0) return undefined;
  const name = provider.slice(at + marker.length);
  return name.startsWith('AWSSSO_') && name.endsWith('_DO_NOT_DELETE') && !name.includes('/') ? name : undefined;
}

/** The SAML / web-identity principal: the web-identity token's subject, else source identity, else session name, qualified by the provider. */
function _federatedPrincipal(record: CloudTrailRecord, identity: UserIdentity, method: SwitchMethod): PrincipalRef {
  const saml = method === 'AssumeRoleWithSAML';
  const request = record.requestParameters;
  const response = record.responseElements;
  const provider = saml
    ? (_str(request?.principalArn) ?? _str(response?.provider) ?? _str(identity.identityProvider))
    : (_str(response?.provider) ?? _str(identity.identityProvider) ?? _str(request?.providerId));
  if (provider === undefined) throw new _RecordProblem(`${method} without an identity provider`);
  const assumedArn = String(response?.assumedRoleUser?.arn);
  let sessionFromArn: string | undefined;
  try {
    sessionFromArn = principalRefFromArn(assumedArn).name;
  } catch {
    // No assumed-role session ARN (missing or malformed): no session name from it.
  }
  // A web identity is the token's subject (e.g. GitHub's `repo:OWNER/REPO:ref:…`), never the
  // session name its caller picked (GitHub Actions' default puts every workflow in one).
  const subject = saml ? undefined : _str(response?.subjectFromWebIdentityToken);
  const name =
    subject ??
    _str(request?.sourceIdentity) ??
    _str(response?.sourceIdentity) ??
    _str(request?.roleSessionName) ??
    sessionFromArn ??
    _str(identity.userName);
  if (name === undefined) throw new _RecordProblem(`${method} without a source identity or session name`);
  let account = '';
  if (provider.startsWith('arn:')) {
    const colon = provider.split(':', 5)[4];
    account = colon ?? '';
  }
  const identityCenter = saml ? _identityCenterProvider(provider) : undefined;
  if (identityCenter !== undefined) {
    // One Identity Center user is one person in every account: key by the instance's provider name.
    return { key: `saml:${identityCenter}:${name}`, kind: 'saml', account: '', name };
  }
  return {
    key: `${saml ? 'saml' : 'web-identity'}:${provider}:${name}`,
    kind: saml ? 'saml' : 'web-identity',
    account,
    name,
  };
}

function _alias(identity: UserIdentity, principal: PrincipalRef, at: number): PrincipalAlias | undefined {
  const type = _str(identity.type);
  if (type !== 'IAMUser' && type !== 'AssumedRole' && type !== 'Root' && type !== 'FederatedUser') return undefined;
  const account = _str(identity.accountId);
  const principalId = _str(identity.principalId);
  if (account === undefined || principalId === undefined) return undefined;
  return { account, principalId, principal, seenAt: at };
}

/**
 * The role-owner side of a cross-account `AssumeRole` names the session it created
 * (`assumedRoleUser.assumedRoleId`, `AROA…:SESSION`): link the caller's principal id to that
 * session, so the signin `SwitchRole` of the same session (in the owner's trail alone) resolves it.
 */
function _ownerSideLink(
  assumed: AssumedRoleUser,
  caller: PrincipalRef,
  role: RoleRef,
  at: number,
): PrincipalAlias | undefined {
  // Only an AWSAccount caller is unresolved (its account and principal id, per _callerPrincipal).
  if (caller.kind !== 'unresolved') return undefined;
  const sessionId = _str(assumed.assumedRoleId);
  if (sessionId === undefined) return undefined;
  const target = consoleSessionAliasId(sessionId);
  return {
    account: caller.account,
    principalId: ownerSideLinkAliasId(caller.name, sessionId),
    principal: { key: `unresolved:${role.account}:${target}`, kind: 'unresolved', account: role.account, name: target },
    seenAt: at,
  };
}

/** A switch with the record's optional context fields that are set, in this order. */
function _switch(
  record: CloudTrailRecord,
  principal: PrincipalRef,
  role: RoleRef,
  at: number,
  method: SwitchMethod,
): RoleSwitch {
  const roleSwitch: RoleSwitch = { principal, role, at, method, eventId: record.eventID };
  if (_str(record.sharedEventID) !== undefined) roleSwitch.sharedEventId = record.sharedEventID as string;
  if (_str(record.recipientAccountId) !== undefined) roleSwitch.recordedIn = record.recipientAccountId as string;
  if (_str(record.awsRegion) !== undefined) roleSwitch.region = record.awsRegion as string;
  if (_str(record.sourceIPAddress) !== undefined) roleSwitch.sourceIp = record.sourceIPAddress as string;
  return roleSwitch;
}

function _attributeSts(record: CloudTrailRecord, method: SwitchMethod): RecordOutcome {
  const identity = record.userIdentity ?? _NO_IDENTITY;
  if (_str(identity.type) === 'AWSService') {
    return _skip('service-caller', `${method} by AWS service ${identity.invokedBy ?? 'unknown'}`);
  }
  const at = _eventTime(record.eventTime);
  const principal =
    method === 'AssumeRole' ? _callerPrincipal(record.userIdentity) : _federatedPrincipal(record, identity, method);
  const alias = method === 'AssumeRole' ? _alias(identity, principal, at) : undefined;
  const errorCode = _str(record.errorCode);
  if (errorCode !== undefined) {
    const roleArn = _str(record.requestParameters?.roleArn);
    let role: RoleRef | undefined;
    if (roleArn !== undefined) role = _role(roleArn, 'requestParameters.roleArn');
    else role = roleFromErrorMessage(record.errorMessage);
    const denied: DeniedAttempt = {
      principal,
      at,
      method,
      errorCode,
      eventId: record.eventID,
      ...(role ? { role } : {}),
    };
    return { kind: 'denied', denied, ...(alias ? { alias } : {}) };
  }
  const assumed = record.responseElements?.assumedRoleUser;
  if (!assumed) {
    throw new _RecordProblem(`${method} without errorCode and without responseElements.assumedRoleUser`);
  }
  const role = _role(_str(record.requestParameters?.roleArn), 'requestParameters.roleArn');
  const learned = alias ?? _ownerSideLink(assumed, principal, role, at);
  const roleSwitch = _switch(record, principal, role, at, method);
  return learned ? { kind: 'switch', switch: roleSwitch, alias: learned } : { kind: 'switch', switch: roleSwitch };
}

function _attributeSwitchRole(record: CloudTrailRecord): RecordOutcome {
  const at = _eventTime(record.eventTime);
  const principal = _principalFromArn(_str(record.additionalEventData?.SwitchFrom), 'additionalEventData.SwitchFrom');
  const result = _str(record.responseElements?.SwitchRole);
  const errorCode = _str(record.errorCode) ?? (result === 'Success' ? undefined : (result ?? 'Failure'));
  const identity = record.userIdentity ?? _NO_IDENTITY;
  const sessionArn = _str(identity.arn);
  const session = sessionArn?.includes(':assumed-role/') ? sessionArn : undefined;
  if (errorCode !== undefined) {
    const role = session === undefined ? undefined : _role(session, 'userIdentity.arn');
    const denied: DeniedAttempt = {
      principal,
      at,
      method: 'SwitchRole',
      errorCode,
      eventId: record.eventID,
      ...(role ? { role } : {}),
    };
    return { kind: 'denied', denied };
  }
  if (session === undefined) {
    throw new _RecordProblem('SwitchRole whose userIdentity.arn is not an assumed-role session');
  }
  const role = _role(session, 'userIdentity.arn');
  // The session this switch created (`AROA…:SESSION` in the role's account) belongs to SwitchFrom.
  const sessionId = _str(identity.principalId);
  const sessionAccount = _str(identity.accountId) ?? role.account;
  const alias: PrincipalAlias | undefined =
    sessionId === undefined
      ? undefined
      : { account: sessionAccount, principalId: consoleSessionAliasId(sessionId), principal, seenAt: at };
  const roleSwitch = _switch(record, principal, role, at, 'SwitchRole');
  return alias ? { kind: 'switch', switch: roleSwitch, alias } : { kind: 'switch', switch: roleSwitch };
}

/**
 * Attributes one CloudTrail record (already `JSON.parse`d): a switch, a denied attempt, or a
 * skip with a reason. Never throws on any input; never copies credentials.
 */
export function toRoleSwitch(input: unknown): RecordOutcome {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return _skip('malformed', 'a record must be a JSON object');
  }
  const raw = input as Record<string, unknown>;
  if (raw.eventType === 'AwsCloudTrailInsight') return _skip('not-a-switch', 'a CloudTrail Insights event');
  const name = raw.eventName;
  const source = raw.eventSource;
  const candidate = (source === STS && STS_METHODS.has(name)) || (source === SIGNIN && name === 'SwitchRole');
  if (!candidate) {
    if (typeof name !== 'string' || typeof source !== 'string')
      return _skip('malformed', 'eventName or eventSource is missing');
    return _skip('not-a-switch', `${source} ${name}`);
  }
  // What CloudTrailRecordSchema would give, or its first issue in words (a test holds the two to zod).
  const record = _pickRecord(raw);
  if (typeof record === 'string') return _skip('malformed', `${name}: ${record}`);
  try {
    return name === 'SwitchRole' ? _attributeSwitchRole(record) : _attributeSts(record, name as SwitchMethod);
  } catch (error) {
    if (error instanceof _RecordProblem) return _skip('malformed', `${name} ${record.eventID}: ${error.message}`);
    throw error;
  }
}
