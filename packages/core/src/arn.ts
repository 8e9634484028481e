import { LastswitchError } from './errors.js';
import type { PrincipalRef, RoleRef } from './model.js';

/** Why an ARN was rejected. */
export type ArnErrorReason =
  | 'not-a-string'
  | 'too-long'
  | 'control-character'
  | 'not-arn'
  | 'too-few-parts'
  | 'unknown-partition'
  | 'empty-service'
  | 'bad-account'
  | 'empty-resource'
  | 'bad-name'
  | 'not-a-role'
  | 'not-a-principal';

/** A malformed ARN, or one that does not name what the caller asked for; `reason` says why. */
export class ArnError extends LastswitchError {
  override name = 'ArnError';
  /** The machine-readable reason. */
  readonly reason: ArnErrorReason;

  constructor(reason: ArnErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** The AWS partitions lastswitch understands (those of the AWS SDKs' partitions.json). */
export const ARN_PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
] as const;

/** One of the supported partitions. */
export type ArnPartition = (typeof ARN_PARTITIONS)[number];

/** The five parts of an ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. */
export interface Arn {
  partition: ArnPartition;
  service: string;
  region: string;
  /** 12 digits, `aws` (AWS-managed resources), or '' (e.g. S3 buckets). */
  account: string;
  /** Everything after the fifth colon, which may itself contain `:` and `/`. */
  resource: string;
}

/** ARNs are at most 2048 characters; anything longer is rejected before it is scanned. */
const MAX_ARN_LENGTH = 2048;

/** Shows a (possibly hostile) value in an error message: truncated, control characters escaped. */
function _show(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(cut);
}

function _isDigits(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** IAM user/role names: 1–64 of `A-Za-z0-9+=,.@_-`. */
function _isIamName(text: string): boolean {
  if (text.length === 0 || text.length > 64) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 43 || // +
      c === 61 || // =
      c === 44 || // ,
      c === 46 || // .
      c === 64 || // @
      c === 95 || // _
      c === 45; // -
    if (!ok) return false;
  }
  return true;
}

/** Session names and other free-form tails: non-empty, printable, at most 256 characters. */
function _isSessionName(text: string): boolean {
  if (text.length === 0 || text.length > 256) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c === 0x7f) return false;
  }
  return true;
}

/**
 * Parses `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` in one linear scan (no regular
 * expressions). Throws `ArnError` with a `reason` for anything malformed.
 */
export function parseArn(text: string): Arn {
  if (typeof text !== 'string') throw new ArnError('not-a-string', `ARN must be a string, got ${typeof text}`);
  if (text.length > MAX_ARN_LENGTH) {
    throw new ArnError('too-long', `ARN is ${text.length} characters, more than ${MAX_ARN_LENGTH}`);
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f)
      throw new ArnError('control-character', `ARN ${_show(text)} contains a control character`);
  }
  const parts: string[] = [];
  let start = 0;
  while (parts.length < 5) {
    const colon = text.indexOf(':', start);
    if (colon < 0) break;
    parts.push(text.slice(start, colon));
    start = colon + 1;
  }
  if (parts[0] !== 'arn') throw new ArnError('not-arn', `${_show(text)} is not an ARN (it must start with "arn:")`);
  if (parts.length < 5)
    throw new ArnError('too-few-parts', `ARN ${_show(text)} has fewer than six ':'-separated parts`);
  // Stryker disable next-line StringLiteral: the defaults are for the types; there are five parts here
  const [, partition = '', service = '', region = '', account = ''] = parts;
  const resource = text.slice(start);
  if (!(ARN_PARTITIONS as readonly string[]).includes(partition)) {
    throw new ArnError(
      'unknown-partition',
      `ARN ${_show(text)} has partition ${_show(partition)}; expected one of ${ARN_PARTITIONS.join(', ')}`,
    );
  }
  if (service.length === 0) throw new ArnError('empty-service', `ARN ${_show(text)} has no service`);
  if (!(account === '' || account === 'aws' || _isDigits(account, 12))) {
    throw new ArnError('bad-account', `ARN ${_show(text)} has account ${_show(account)}; expected 12 digits`);
  }
  if (resource.length === 0) throw new ArnError('empty-resource', `ARN ${_show(text)} has no resource`);
  return { partition: partition as ArnPartition, service, region, account, resource };
}

/** The key of a role: `arn:PARTITION:iam::ACCOUNT:role/NAME`, path dropped. */
export function roleKey(partition: ArnPartition, account: string, name: string): string {
  return `arn:${partition}:iam::${account}:role/${name}`;
}

/** The key of an IAM user: `arn:PARTITION:iam::ACCOUNT:user/NAME`, path dropped. */
export function userKey(partition: ArnPartition, account: string, name: string): string {
  return `arn:${partition}:iam::${account}:user/${name}`;
}

/** Splits `TYPE/path/.../NAME` into the last segment, checking the path segments are non-empty. */
function _lastSegment(resource: string, prefixLength: number): string | undefined {
  // Stryker disable next-line MethodExpression: the prefix ("role/", "user/") ends in '/', so keeping it adds a path segment that breaks no rule the path did not
  const rest = resource.slice(prefixLength);
  const slash = rest.lastIndexOf('/');
  const name = rest.slice(slash + 1);
  if (slash >= 0) {
    // A path must look like `/a/b/` (IAM requires it to start and end with '/'; the prefix's
    // own '/' is the leading one), so no empty segments.
    // Stryker disable next-line MethodExpression: with the name kept, the checks fail for the same paths (or the empty name fails later)
    const path = rest.slice(0, slash);
    if (path.length === 0 || path.startsWith('/') || path.endsWith('/') || path.includes('//')) return undefined;
  }
  return name;
}

function _accountRequired(arn: Arn, text: string): void {
  if (!_isDigits(arn.account, 12)) {
    throw new ArnError('bad-account', `ARN ${_show(text)} must carry a 12-digit account`);
  }
}

/**
 * The role an ARN names: `arn:aws:iam::A:role/path/NAME` or the role of a session
 * `arn:aws:sts::A:assumed-role/NAME/SESSION`. The key drops the path; `arn` keeps it when known.
 */
export function roleRefFromArn(text: string): RoleRef {
  const arn = parseArn(text);
  if (arn.service === 'iam' && arn.resource.startsWith('role/')) {
    _accountRequired(arn, text);
    const name = _lastSegment(arn.resource, 5);
    if (name === undefined || !_isIamName(name)) {
      throw new ArnError('bad-name', `ARN ${_show(text)} does not end in a valid role name`);
    }
    const key = roleKey(arn.partition, arn.account, name);
    return { key, account: arn.account, name, arn: text };
  }
  if (arn.service === 'sts' && arn.resource.startsWith('assumed-role/')) {
    _accountRequired(arn, text);
    const rest = arn.resource.slice('assumed-role/'.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (!_isIamName(name)) throw new ArnError('bad-name', `ARN ${_show(text)} does not carry a valid role name`);
    const key = roleKey(arn.partition, arn.account, name);
    return { key, account: arn.account, name, arn: key };
  }
  throw new ArnError('not-a-role', `ARN ${_show(text)} names neither an IAM role nor an assumed-role session`);
}

/**
 * The principal an ARN names: an IAM user (`user/path/NAME`, key with path dropped), the account
 * root, an assumed-role session (`assumed-role/ROLE/SESSION`), an IAM role (as the principal of
 * role chaining, keyed like a role) or a federated user (`federated-user/NAME`).
 */
export function principalRefFromArn(text: string): PrincipalRef {
  const arn = parseArn(text);
  if (arn.service === 'iam') {
    if (arn.resource === 'root') {
      _accountRequired(arn, text);
      return {
        key: `arn:${arn.partition}:iam::${arn.account}:root`,
        kind: 'root',
        account: arn.account,
        name: 'root',
        arn: text,
      };
    }
    if (arn.resource.startsWith('user/')) {
      _accountRequired(arn, text);
      const name = _lastSegment(arn.resource, 5);
      if (name === undefined || !_isIamName(name)) {
        throw new ArnError('bad-name', `ARN ${_show(text)} does not end in a valid user name`);
      }
      return {
        key: userKey(arn.partition, arn.account, name),
        kind: 'iam-user',
        account: arn.account,
        name,
        arn: text,
      };
    }
    if (arn.resource.startsWith('role/')) {
      const role = roleRefFromArn(text);
      return { key: role.key, kind: 'role-session', account: role.account, name: role.name, arn: text };
    }
  }
  if (arn.service === 'sts') {
    if (arn.resource.startsWith('assumed-role/')) {
      const role = roleRefFromArn(text);
      const rest = arn.resource.slice('assumed-role/'.length + role.name.length);
      // What follows the role name is empty or starts with '/'.
      const session = rest.slice(1);
      if (!_isSessionName(session)) {
        throw new ArnError('bad-name', `ARN ${_show(text)} does not carry a valid session name`);
      }
      const key = `arn:${arn.partition}:sts::${arn.account}:assumed-role/${role.name}/${session}`;
      return { key, kind: 'role-session', account: arn.account, name: session, arn: text };
    }
    if (arn.resource.startsWith('federated-user/')) {
      _accountRequired(arn, text);
      const name = arn.resource.slice('federated-user/'.length);
      if (!_isSessionName(name))
        throw new ArnError('bad-name', `ARN ${_show(text)} does not carry a valid federated user name`);
      return { key: text, kind: 'federated-user', account: arn.account, name, arn: text };
    }
  }
  throw new ArnError('not-a-principal', `ARN ${_show(text)} names no IAM user, root, role or session`);
}
