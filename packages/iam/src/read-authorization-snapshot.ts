import {
  type AttachedPolicy,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
  type ManagedPolicyDetail,
  type PolicyDetail,
} from '@aws-sdk/client-iam';
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

/** Options for `readAuthorizationSnapshot`. */
export interface ReadSnapshotOptions {
  /** The account id; default: taken from the ARNs IAM returns (required when the account has no users, groups or roles). */
  account?: string;
  /** The snapshot time, epoch ms; default `Date.now()`. */
  now?: number;
  /** Page size passed as `MaxItems` (1–1000); default: IAM's (100). */
  pageSize?: number;
  /** Stops after this many pages, as a guard against a server that never stops paginating; default 10 000. */
  maxPages?: number;
  /** Abort the read between pages. */
  signal?: AbortSignal;
}

/** IAM refused or failed `GetAccountAuthorizationDetails`; `code` is the AWS error name. */
export class IamSnapshotError extends LastswitchError {
  override name = 'IamSnapshotError';
  /** The AWS error name (e.g. `AccessDenied`), or a lastswitch reason. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

type Problem = AuthorizationSnapshot['problems'][number];

/** IAM returns policy documents URL-encoded (RFC 3986); older tooling and emulators sometimes do not. */
function _decodeDocument(raw: string | undefined, entity: string, problems: Problem[]): PolicyDocument | undefined {
  if (raw === undefined || raw === '') {
    problems.push({ entity, message: 'policy document missing' });
    return undefined;
  }
  let text = raw.trimStart();
  if (!text.startsWith('{')) {
    try {
      text = decodeURIComponent(raw);
    } catch (cause) {
      problems.push({ entity, message: `policy document is neither JSON nor URL-encoded JSON (${String(cause)})` });
      return undefined;
    }
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push({ entity, message: 'policy document is not a JSON object' });
      return undefined;
    }
    return parsed as PolicyDocument;
  } catch (cause) {
    problems.push({ entity, message: `policy document is not valid JSON (${(cause as Error).message})` });
    return undefined;
  }
}

function _inline(list: PolicyDetail[] | undefined, owner: string, problems: Problem[]): InlinePolicy[] {
  const out: InlinePolicy[] = [];
  for (const policy of list ?? []) {
    const name = policy.PolicyName ?? '';
    const document = _decodeDocument(policy.PolicyDocument, `${owner} inline policy ${name}`, problems);
    if (document) out.push({ name, document });
  }
  return out;
}

function _attached(list: AttachedPolicy[] | undefined): string[] {
  return (list ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : []));
}

/** The 12-digit account in `arn:PARTITION:iam::ACCOUNT:…`, if any. */
function _accountOf(arn: string | undefined): string | undefined {
  const parts = arn?.split(':', 6);
  const account = parts?.[4];
  return account && account.length === 12 && [...account].every((c) => c >= '0' && c <= '9') ? account : undefined;
}

function _errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

async function _page(
  client: IAMClient,
  marker: string | undefined,
  options: ReadSnapshotOptions,
): Promise<GetAccountAuthorizationDetailsCommandOutput> {
  try {
    return await client.send(
      new GetAccountAuthorizationDetailsCommand({ Marker: marker, MaxItems: options.pageSize }),
      options.signal ? { abortSignal: options.signal } : {},
    );
  } catch (error) {
    const code = _errorName(error);
    if (code === 'AccessDenied' || code === 'AccessDeniedException') {
      throw new IamSnapshotError(
        code,
        'IAM denied GetAccountAuthorizationDetails: the credentials need iam:GetAccountAuthorizationDetails (e.g. the SecurityAudit managed policy)',
        { cause: error },
      );
    }
    if (code === 'ServiceFailureException' || code === 'ThrottlingException' || code === 'Throttling') {
      throw new IamSnapshotError(code, `IAM failed GetAccountAuthorizationDetails (${code}); try again later`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Reads one account's IAM users, groups, roles and the managed policies they use
 * (`GetAccountAuthorizationDetails`, every page) into a JSON-serialisable snapshot.
 * Policy documents are URL-decoded and parsed; managed policies keep only their default version.
 * A document that cannot be read is left out and listed in `problems`, never dropped silently.
 *
 * @example
 * ```ts
 * const snapshot = await readAuthorizationSnapshot(new IAMClient({}));
 * await writeFile('iam-111111111111.json', JSON.stringify(snapshot));
 * ```
 */
export async function readAuthorizationSnapshot(
  client: IAMClient,
  options: ReadSnapshotOptions = {},
): Promise<AuthorizationSnapshot> {
  const problems: Problem[] = [];
  const users: SnapshotUser[] = [];
  const groups: SnapshotGroup[] = [];
  const roles: SnapshotRole[] = [];
  const managed: ManagedPolicyDetail[] = [];
  const maxPages = options.maxPages ?? 10_000;
  let marker: string | undefined;
  let pages = 0;
  do {
    options.signal?.throwIfAborted();
    if (pages >= maxPages) {
      throw new IamSnapshotError('TooManyPages', `GetAccountAuthorizationDetails still truncated after ${pages} pages`);
    }
    const page = await _page(client, marker, options);
    pages++;
    for (const user of page.UserDetailList ?? []) {
      const name = user.UserName ?? '';
      users.push({
        name,
        id: user.UserId ?? '',
        arn: user.Arn ?? '',
        path: user.Path ?? '/',
        createdAt: user.CreateDate?.getTime() ?? 0,
        inlinePolicies: _inline(user.UserPolicyList, `user ${name}`, problems),
        attachedPolicies: _attached(user.AttachedManagedPolicies),
        groups: user.GroupList ?? [],
        ...(user.PermissionsBoundary?.PermissionsBoundaryArn
          ? { permissionsBoundary: user.PermissionsBoundary.PermissionsBoundaryArn }
          : {}),
      });
    }
    for (const group of page.GroupDetailList ?? []) {
      const name = group.GroupName ?? '';
      groups.push({
        name,
        id: group.GroupId ?? '',
        arn: group.Arn ?? '',
        path: group.Path ?? '/',
        createdAt: group.CreateDate?.getTime() ?? 0,
        inlinePolicies: _inline(group.GroupPolicyList, `group ${name}`, problems),
        attachedPolicies: _attached(group.AttachedManagedPolicies),
      });
    }
    for (const role of page.RoleDetailList ?? []) {
      const name = role.RoleName ?? '';
      const trust = _decodeDocument(role.AssumeRolePolicyDocument, `role ${name} trust policy`, problems);
      if (!trust) continue;
      roles.push({
        name,
        id: role.RoleId ?? '',
        arn: role.Arn ?? '',
        path: role.Path ?? '/',
        createdAt: role.CreateDate?.getTime() ?? 0,
        inlinePolicies: _inline(role.RolePolicyList, `role ${name}`, problems),
        attachedPolicies: _attached(role.AttachedManagedPolicies),
        trustPolicy: trust,
        ...(role.PermissionsBoundary?.PermissionsBoundaryArn
          ? { permissionsBoundary: role.PermissionsBoundary.PermissionsBoundaryArn }
          : {}),
      });
    }
    managed.push(...(page.Policies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
    if (page.IsTruncated && !page.Marker) {
      throw new IamSnapshotError('MissingMarker', 'GetAccountAuthorizationDetails said IsTruncated but gave no Marker');
    }
  } while (marker);

  // Keep only the managed policies something uses: an account lists every AWS-managed policy (over a thousand).
  const referenced = new Set<string>();
  for (const entity of [...users, ...groups, ...roles]) {
    for (const arn of entity.attachedPolicies) referenced.add(arn);
  }
  for (const entity of [...users, ...roles]) {
    if (entity.permissionsBoundary) referenced.add(entity.permissionsBoundary);
  }
  const policies: SnapshotPolicy[] = [];
  for (const policy of managed) {
    if (!policy.Arn || !referenced.has(policy.Arn)) continue;
    const entity = `managed policy ${policy.Arn}`;
    const version =
      policy.PolicyVersionList?.find((v) => v.IsDefaultVersion) ??
      policy.PolicyVersionList?.find((v) => v.VersionId === policy.DefaultVersionId);
    if (!version) {
      problems.push({ entity, message: 'default policy version missing' });
      continue;
    }
    const document = _decodeDocument(version.Document, entity, problems);
    if (!document) continue;
    policies.push({
      arn: policy.Arn,
      name: policy.PolicyName || policy.Arn.slice(policy.Arn.lastIndexOf('/') + 1),
      path: policy.Path ?? '/',
      defaultVersionId: version.VersionId ?? policy.DefaultVersionId ?? '',
      document,
    });
  }
  const returned = new Set(managed.map((p) => p.Arn));
  for (const arn of referenced) {
    if (!returned.has(arn)) {
      problems.push({ entity: `managed policy ${arn}`, message: 'referenced but not returned by IAM' });
    }
  }

  const account =
    options.account ??
    [...users, ...groups, ...roles].map((e) => _accountOf(e.arn)).find((a) => a !== undefined) ??
    policies.map((p) => _accountOf(p.arn)).find((a) => a !== undefined);
  if (!account) {
    throw new IamSnapshotError(
      'UnknownAccount',
      'cannot tell the account id from IAM (no users, groups, roles or customer policies); pass options.account',
    );
  }
  return {
    format: 'lastswitch.authorization-snapshot',
    version: 1,
    account,
    takenAt: options.now ?? Date.now(),
    users,
    groups,
    roles,
    policies,
    problems,
  };
}
