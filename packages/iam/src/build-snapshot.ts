import type {
  AuthorizationSnapshot,
  InlinePolicy,
  PolicyDocument,
  SnapshotGroup,
  SnapshotPolicy,
  SnapshotRole,
  SnapshotUser,
} from '@lastswitch/core';
import { LastswitchError } from '@lastswitch/core';

/** IAM refused or failed `GetAccountAuthorizationDetails`, or its output could not be used; `code` says why. */
export class IamSnapshotError extends LastswitchError {
  override name = 'IamSnapshotError';
  /** The AWS error name (e.g. `AccessDenied`), or a lastswitch reason (`TooManyPages`, `UnknownAccount`, …). */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

type Problem = AuthorizationSnapshot['problems'][number];
type Loose = Record<string, unknown>;

const _isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const _str = (o: Loose, key: string): string | undefined =>
  typeof o[key] === 'string' ? (o[key] as string) : undefined;
const _list = (o: Loose, key: string): Loose[] =>
  Array.isArray(o[key]) ? (o[key] as unknown[]).filter(_isObject) : [];
const _strings = (o: Loose, key: string): string[] =>
  Array.isArray(o[key]) ? (o[key] as unknown[]).filter((v): v is string => typeof v === 'string') : [];

/** A date as the SDK (`Date`) or the AWS CLI (ISO string) gives it; 0 when absent or unreadable. */
function _time(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** A policy document: URL-encoded JSON (the API, RFC 3986), plain JSON text, or already parsed (the AWS CLI). */
function _document(raw: unknown, entity: string, problems: Problem[]): PolicyDocument | undefined {
  if (_isObject(raw)) return raw as PolicyDocument;
  if (typeof raw !== 'string' || raw === '') {
    problems.push({ entity, message: 'policy document missing' });
    return undefined;
  }
  let text = raw;
  if (!raw.trimStart().startsWith('{')) {
    try {
      text = decodeURIComponent(raw);
    } catch (cause) {
      problems.push({ entity, message: `policy document is neither JSON nor URL-encoded JSON (${String(cause)})` });
      return undefined;
    }
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!_isObject(parsed)) {
      problems.push({ entity, message: 'policy document is not a JSON object' });
      return undefined;
    }
    return parsed as PolicyDocument;
  } catch (cause) {
    problems.push({ entity, message: `policy document is not valid JSON (${(cause as Error).message})` });
    return undefined;
  }
}

function _inline(o: Loose, key: string, owner: string, problems: Problem[]): InlinePolicy[] {
  const out: InlinePolicy[] = [];
  for (const policy of _list(o, key)) {
    const name = _str(policy, 'PolicyName') ?? '';
    const document = _document(policy.PolicyDocument, `${owner} inline policy ${name}`, problems);
    if (document) out.push({ name, document });
  }
  return out;
}

function _attached(o: Loose): string[] {
  return _list(o, 'AttachedManagedPolicies').flatMap((p) => {
    const arn = _str(p, 'PolicyArn');
    return arn ? [arn] : [];
  });
}

function _boundary(o: Loose): { permissionsBoundary?: string } {
  const boundary = o.PermissionsBoundary;
  const arn = _isObject(boundary) ? _str(boundary, 'PermissionsBoundaryArn') : undefined;
  return arn ? { permissionsBoundary: arn } : {};
}

/** The 12-digit account in `arn:PARTITION:iam::ACCOUNT:…`, if any. */
function _accountOf(arn: string | undefined): string | undefined {
  const account = arn?.split(':', 6)[4];
  return account && account.length === 12 && [...account].every((c) => c >= '0' && c <= '9') ? account : undefined;
}

/** Collects `GetAccountAuthorizationDetails` pages (SDK output or AWS CLI JSON) and builds the snapshot. */
export class SnapshotBuilder {
  private readonly problems: Problem[] = [];
  private readonly users: SnapshotUser[] = [];
  private readonly groups: SnapshotGroup[] = [];
  private readonly roles: SnapshotRole[] = [];
  private readonly managed: Loose[] = [];

  /** Adds one page (or a whole merged output). */
  add(page: object): void {
    const o = page as Loose;
    const problems = this.problems;
    for (const user of _list(o, 'UserDetailList')) {
      const name = _str(user, 'UserName') ?? '';
      this.users.push({
        name,
        id: _str(user, 'UserId') ?? '',
        arn: _str(user, 'Arn') ?? '',
        path: _str(user, 'Path') ?? '/',
        createdAt: _time(user.CreateDate),
        inlinePolicies: _inline(user, 'UserPolicyList', `user ${name}`, problems),
        attachedPolicies: _attached(user),
        groups: _strings(user, 'GroupList'),
        ..._boundary(user),
      });
    }
    for (const group of _list(o, 'GroupDetailList')) {
      const name = _str(group, 'GroupName') ?? '';
      this.groups.push({
        name,
        id: _str(group, 'GroupId') ?? '',
        arn: _str(group, 'Arn') ?? '',
        path: _str(group, 'Path') ?? '/',
        createdAt: _time(group.CreateDate),
        inlinePolicies: _inline(group, 'GroupPolicyList', `group ${name}`, problems),
        attachedPolicies: _attached(group),
      });
    }
    for (const role of _list(o, 'RoleDetailList')) {
      const name = _str(role, 'RoleName') ?? '';
      const trust = _document(role.AssumeRolePolicyDocument, `role ${name} trust policy`, problems);
      if (!trust) continue;
      this.roles.push({
        name,
        id: _str(role, 'RoleId') ?? '',
        arn: _str(role, 'Arn') ?? '',
        path: _str(role, 'Path') ?? '/',
        createdAt: _time(role.CreateDate),
        inlinePolicies: _inline(role, 'RolePolicyList', `role ${name}`, problems),
        attachedPolicies: _attached(role),
        trustPolicy: trust,
        ..._boundary(role),
      });
    }
    this.managed.push(..._list(o, 'Policies'));
  }

  /** The snapshot: managed policies reduced to those referenced, with their default version. */
  build(options: { account?: string; now: number }): AuthorizationSnapshot {
    const { users, groups, roles, problems } = this;
    // Keep only the managed policies something uses: an account lists every AWS-managed policy (over a thousand).
    const referenced = new Set<string>();
    for (const entity of [...users, ...groups, ...roles])
      for (const arn of entity.attachedPolicies) referenced.add(arn);
    for (const entity of [...users, ...roles])
      if (entity.permissionsBoundary) referenced.add(entity.permissionsBoundary);
    const policies: SnapshotPolicy[] = [];
    const returned = new Set<string>();
    for (const policy of this.managed) {
      const arn = _str(policy, 'Arn');
      if (!arn) continue;
      returned.add(arn);
      if (!referenced.has(arn)) continue;
      const entity = `managed policy ${arn}`;
      const versions = _list(policy, 'PolicyVersionList');
      const defaultId = _str(policy, 'DefaultVersionId');
      const version =
        versions.find((v) => v.IsDefaultVersion === true) ?? versions.find((v) => v.VersionId === defaultId);
      if (!version) {
        problems.push({ entity, message: 'default policy version missing' });
        continue;
      }
      const document = _document(version.Document, entity, problems);
      if (!document) continue;
      policies.push({
        arn,
        name: _str(policy, 'PolicyName') || arn.slice(arn.lastIndexOf('/') + 1),
        path: _str(policy, 'Path') ?? '/',
        defaultVersionId: _str(version, 'VersionId') ?? defaultId ?? '',
        document,
      });
    }
    for (const arn of referenced) {
      if (!returned.has(arn))
        problems.push({ entity: `managed policy ${arn}`, message: 'referenced but not returned by IAM' });
    }
    const account =
      options.account ??
      [...users, ...groups, ...roles].map((e) => _accountOf(e.arn)).find((a) => a !== undefined) ??
      policies.map((p) => _accountOf(p.arn)).find((a) => a !== undefined);
    if (!account) {
      throw new IamSnapshotError(
        'UnknownAccount',
        'cannot tell the account id from IAM (no users, groups, roles or customer policies); pass the account id',
      );
    }
    return {
      format: 'lastswitch.authorization-snapshot',
      version: 1,
      account,
      takenAt: options.now,
      users,
      groups,
      roles,
      policies,
      problems,
    };
  }
}

/**
 * Builds a snapshot from saved `aws iam get-account-authorization-details` output (one JSON
 * object, or an array of pages), for accounts lastswitch cannot read itself.
 *
 * @example
 * ```ts
 * const details = JSON.parse(await readFile('gaad.json', 'utf8'));
 * const snapshot = snapshotFromAuthorizationDetails(details, { now: Date.now() });
 * ```
 */
export function snapshotFromAuthorizationDetails(
  details: unknown,
  options: { account?: string; now: number },
): AuthorizationSnapshot {
  const pages = Array.isArray(details) ? details : [details];
  const keys = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'];
  if (pages.length === 0 || !pages.every((p) => _isObject(p) && keys.some((k) => Array.isArray(p[k])))) {
    throw new IamSnapshotError(
      'NotAuthorizationDetails',
      'expected the output of `aws iam get-account-authorization-details` (an object with UserDetailList, GroupDetailList, RoleDetailList, Policies)',
    );
  }
  const builder = new SnapshotBuilder();
  for (const page of pages) builder.add(page as object);
  return builder.build(options);
}
