import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreatePolicyVersionCommand,
  DeleteGroupPolicyCommand,
  DeletePolicyVersionCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListPolicyVersionsCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import type { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { canonicalJson, LastswitchError, type PlanAction } from '@lastswitch/core';
import type { LiveState, PolicyVersionRecord, StepResult } from './journal.js';
import { awsErrorName, type RetryOptions, withRetry } from './retry.js';

/** The SDK clients apply and undo use; the Identity Center ones only for Identity Center steps. */
export interface ApplyClients {
  iam: IAMClient;
  ssoAdmin?: SSOAdminClient;
  identityStore?: IdentitystoreClient;
}

/** A step cannot be carried out as the plan describes it; `code` says why. */
export class StepError extends LastswitchError {
  override name = 'StepError';
  /** `NoPriorState`, `MissingClient`, `AssignmentFailed`, `Timeout`, … */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Context the executors share. */
export interface ExecutorContext {
  clients: ApplyClients;
  retry: RetryOptions;
  /** Polls of an Identity Center assignment status before giving up; default 60. */
  maxPolls: number;
  /** Wait between polls, ms; default 1000. */
  pollDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** How to read, change and restore what one step touches. */
export interface StepExecutor {
  /** What it touches, in words. */
  target: string;
  /** The prior state the plan recorded (compared with the live one). */
  prior: LiveState;
  /** The state the change leaves. */
  intended: LiveState;
  /** Reads the live state of just what the step touches. */
  read(): Promise<LiveState>;
  /** Makes the change; `live` is the state just read (equal to `prior`). `beforeChange` is called with extra facts to journal first. */
  apply(
    live: LiveState,
    beforeChange: (extra: { deleteVersion?: PolicyVersionRecord }) => Promise<void>,
  ): Promise<StepResult>;
  /** Restores `prior` (the live state journaled before the change) from the state apply left. */
  restore(
    prior: LiveState,
    result: StepResult | undefined,
    deleted: PolicyVersionRecord | undefined,
  ): Promise<StepResult>;
}

/** True when the live state has every field of `expected` with the same value (documents compared after normalisation). */
export function matchesState(live: LiveState, expected: LiveState): boolean {
  for (const key of Object.keys(expected) as (keyof LiveState)[]) {
    if (expected[key] === undefined) continue;
    if (canonicalJson(live[key] ?? null) !== canonicalJson(expected[key] ?? null)) return false;
  }
  return true;
}

/** A policy document as IAM returns it: URL-encoded JSON (the API) or plain JSON. */
export function parsePolicyDocument(raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return null;
  const text = raw.trimStart().startsWith('{') ? raw : decodeURIComponent(raw);
  return JSON.parse(text) as unknown;
}

const _json = (document: unknown) => JSON.stringify(document);

async function _call<T>(ctx: ExecutorContext, call: () => Promise<T>): Promise<T> {
  return await withRetry(call, ctx.retry);
}

/** `undefined` when the call fails with `NoSuchEntity`/`ResourceNotFoundException`. */
async function _orMissing<T>(ctx: ExecutorContext, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await _call(ctx, call);
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NoSuchEntity' || name === 'NoSuchEntityException' || name === 'ResourceNotFoundException') {
      return undefined;
    }
    throw error;
  }
}

/** Builds the executor of a plan step; throws `StepError` when the step lacks what apply needs. */
export function stepExecutor(action: PlanAction, ctx: ExecutorContext): StepExecutor {
  const prior = action.prior;
  if (action.kind === 'delete-account-assignment') return _assignment(action, ctx);
  if (action.kind === 'remove-from-group' && action.identityStoreGroup) return _identityStoreMembership(action, ctx);
  if (!prior) {
    throw new StepError(
      'NoPriorState',
      'the plan records no prior state for this step (make the plan with `lastswitch plan --format json` from snapshots)',
    );
  }
  const iam = ctx.clients.iam;
  const user = action.principal.name;
  if (action.kind === 'remove-from-group') {
    const group = prior.membership?.group ?? action.group ?? '';
    const member = prior.membership?.user ?? user;
    return {
      target: `membership of user ${member} in group ${group}`,
      prior: { present: true },
      intended: { present: false },
      async read() {
        let marker: string | undefined;
        do {
          const page = await _call(ctx, () =>
            iam.send(new ListGroupsForUserCommand({ UserName: member, Marker: marker })),
          );
          if (page.Groups?.some((g) => g.GroupName === group)) return { present: true };
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
        return { present: false };
      },
      async apply(_live, before) {
        await before({});
        await _call(ctx, () => iam.send(new RemoveUserFromGroupCommand({ GroupName: group, UserName: member })));
        return {};
      },
      async restore() {
        await _call(ctx, () => iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: member })));
        return {};
      },
    };
  }
  if (action.kind === 'detach-policy') {
    const arn = prior.attachment?.policyArn ?? action.policy?.arn ?? '';
    const holder = prior.attachment?.user ?? user;
    const policyState = _managedState(ctx, arn);
    return {
      target: `managed policy ${arn} attached to user ${holder}`,
      prior: { present: true, versionId: prior.versionId ?? '', document: prior.document ?? null },
      intended: { present: false, versionId: prior.versionId ?? '', document: prior.document ?? null },
      async read() {
        let present = false;
        let marker: string | undefined;
        do {
          const page = await _call(ctx, () =>
            iam.send(new ListAttachedUserPoliciesCommand({ UserName: holder, Marker: marker })),
          );
          if (page.AttachedPolicies?.some((p) => p.PolicyArn === arn)) present = true;
          marker = page.IsTruncated && !present ? page.Marker : undefined;
        } while (marker);
        return { present, ...(await policyState()) };
      },
      async apply(_live, before) {
        await before({});
        await _call(ctx, () => iam.send(new DetachUserPolicyCommand({ UserName: holder, PolicyArn: arn })));
        return {};
      },
      async restore() {
        await _call(ctx, () => iam.send(new AttachUserPolicyCommand({ UserName: holder, PolicyArn: arn })));
        return {};
      },
    };
  }
  const policy = action.policy;
  const change = action.change;
  if (!policy || !change || (!change.document && !change.deletePolicy)) {
    throw new StepError('NoChange', `the plan records no resulting document for this ${action.kind} step`);
  }
  const newDocument = change.deletePolicy ? null : change.document;
  if (policy.kind === 'user-inline' || policy.kind === 'group-inline') {
    const owner = policy.owner ?? '';
    const name = policy.name;
    const isUser = policy.kind === 'user-inline';
    return {
      target: `inline policy ${name} of ${isUser ? 'user' : 'group'} ${owner}`,
      prior: { document: prior.document ?? null },
      intended: { document: newDocument },
      async read() {
        const out = await _orMissing<{ PolicyDocument?: string | undefined }>(ctx, () =>
          isUser
            ? iam.send(new GetUserPolicyCommand({ UserName: owner, PolicyName: name }))
            : iam.send(new GetGroupPolicyCommand({ GroupName: owner, PolicyName: name })),
        );
        return { document: out ? parsePolicyDocument(out.PolicyDocument) : null };
      },
      async apply(_live, before) {
        await before({});
        await _putInline(ctx, isUser, owner, name, newDocument);
        return {};
      },
      async restore(before) {
        await _putInline(ctx, isUser, owner, name, before.document ?? null);
        return {};
      },
    };
  }
  if (policy.kind === 'trust-policy') {
    const role = policy.owner ?? '';
    return {
      target: `trust policy of role ${role}`,
      prior: { document: prior.document ?? null },
      intended: { document: newDocument },
      async read() {
        const out = await _orMissing(ctx, () => iam.send(new GetRoleCommand({ RoleName: role })));
        return { document: out ? parsePolicyDocument(out.Role?.AssumeRolePolicyDocument) : null };
      },
      async apply(_live, before) {
        await before({});
        await _call(ctx, () =>
          iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: _json(newDocument) })),
        );
        return {};
      },
      async restore(before) {
        await _call(ctx, () =>
          iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: _json(before.document) })),
        );
        return {};
      },
    };
  }
  // A customer-managed policy: a new default version.
  const arn = policy.arn ?? '';
  const policyState = _managedState(ctx, arn);
  return {
    target: `managed policy ${arn}`,
    // A step chained after another on the same policy cannot know the version id that one creates.
    prior: prior.versionId
      ? { versionId: prior.versionId, document: prior.document ?? null }
      : { document: prior.document ?? null },
    intended: { document: newDocument },
    read: policyState,
    async apply(_live, before) {
      const versions = await _versions(ctx, arn);
      let deleteVersion: PolicyVersionRecord | undefined;
      if (versions.length >= 5) {
        const oldest = versions
          .filter((v) => !v.isDefault)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || _versionNumber(a.id) - _versionNumber(b.id))[0];
        if (oldest) {
          const got = await _call(ctx, () =>
            iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: oldest.id })),
          );
          deleteVersion = {
            versionId: oldest.id,
            document: parsePolicyDocument(got.PolicyVersion?.Document),
            createdAt: oldest.createdAt,
          };
        }
      }
      await before(deleteVersion ? { deleteVersion } : {});
      if (deleteVersion) {
        const id = deleteVersion.versionId;
        await _call(ctx, () => iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: id })));
      }
      const created = await _call(ctx, () =>
        iam.send(
          new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: _json(newDocument), SetAsDefault: true }),
        ),
      );
      return {
        createdVersionId: created.PolicyVersion?.VersionId ?? '',
        ...(deleteVersion ? { deletedVersionId: deleteVersion.versionId } : {}),
      };
    },
    async restore(before, result, deleted) {
      const versions = await _versions(ctx, arn);
      const previous = before.versionId ? versions.find((v) => v.id === before.versionId) : undefined;
      let createdVersionId: string | undefined;
      if (previous) {
        const id = previous.id;
        await _call(ctx, () => iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: id })));
      }
      const made = result?.createdVersionId ?? versions.find((v) => v.isDefault)?.id;
      if (made && made !== before.versionId) {
        await _call(ctx, () => iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: made })));
      }
      if (!previous) {
        const out = await _call(ctx, () =>
          iam.send(
            new CreatePolicyVersionCommand({
              PolicyArn: arn,
              PolicyDocument: _json(before.document),
              SetAsDefault: true,
            }),
          ),
        );
        createdVersionId = out.PolicyVersion?.VersionId;
      }
      // The version deleted at the five-version limit comes back as a non-default version (with a new id).
      if (deleted) {
        const out = await _call(ctx, () =>
          iam.send(
            new CreatePolicyVersionCommand({
              PolicyArn: arn,
              PolicyDocument: _json(deleted.document),
              SetAsDefault: false,
            }),
          ),
        );
        createdVersionId = out.PolicyVersion?.VersionId;
      }
      return createdVersionId ? { createdVersionId } : {};
    },
  };
}

function _versionNumber(id: string): number {
  const n = Number(id.replace(/^v/i, ''));
  return Number.isFinite(n) ? n : 0;
}

async function _putInline(ctx: ExecutorContext, isUser: boolean, owner: string, name: string, document: unknown) {
  const iam = ctx.clients.iam;
  if (document === null) {
    await _orMissing(ctx, () =>
      isUser
        ? iam.send(new DeleteUserPolicyCommand({ UserName: owner, PolicyName: name }))
        : iam.send(new DeleteGroupPolicyCommand({ GroupName: owner, PolicyName: name })),
    );
    return;
  }
  const text = _json(document);
  await _call(ctx, () =>
    isUser
      ? iam.send(new PutUserPolicyCommand({ UserName: owner, PolicyName: name, PolicyDocument: text }))
      : iam.send(new PutGroupPolicyCommand({ GroupName: owner, PolicyName: name, PolicyDocument: text })),
  );
}

async function _versions(ctx: ExecutorContext, arn: string) {
  const out: { id: string; isDefault: boolean; createdAt: string }[] = [];
  let marker: string | undefined;
  do {
    const page = await _call(ctx, () =>
      ctx.clients.iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn, Marker: marker })),
    );
    for (const v of page.Versions ?? []) {
      out.push({
        id: v.VersionId ?? '',
        isDefault: v.IsDefaultVersion === true,
        createdAt: v.CreateDate ? new Date(v.CreateDate).toISOString() : '',
      });
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/** Reads a managed policy's default version id and document (`document: null` when the policy is gone). */
function _managedState(ctx: ExecutorContext, arn: string): () => Promise<LiveState> {
  return async () => {
    const got = await _orMissing(ctx, () => ctx.clients.iam.send(new GetPolicyCommand({ PolicyArn: arn })));
    const versionId = got?.Policy?.DefaultVersionId;
    if (!versionId) return { versionId: '', document: null };
    const version = await _call(ctx, () =>
      ctx.clients.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId })),
    );
    return { versionId, document: parsePolicyDocument(version.PolicyVersion?.Document) };
  };
}

function _needs<T>(client: T | undefined, name: string): T {
  if (!client) throw new StepError('MissingClient', `an Identity Center step needs the ${name} client`);
  return client;
}

/** `group platform-admins` / `user heidi@example.com`: by name when the plan has it, else by id. */
function _assignee(action: PlanAction): string {
  const a = action.assignment;
  const type = a?.principalType === 'GROUP' ? 'group' : 'user';
  const name = action.principal.name.startsWith(`${type} `)
    ? action.principal.name.slice(type.length + 1)
    : action.principal.name;
  return `${type} ${name || a?.principalId || ''}`;
}

function _assignment(action: PlanAction, ctx: ExecutorContext): StepExecutor {
  const a = action.assignment;
  if (!a) throw new StepError('NoPriorState', 'the plan records no account assignment for this step');
  const key = {
    InstanceArn: a.instanceArn,
    TargetId: a.accountId,
    TargetType: 'AWS_ACCOUNT' as const,
    PermissionSetArn: a.permissionSetArn,
    PrincipalType: a.principalType,
    PrincipalId: a.principalId,
  };
  const sso = async () => {
    const client = _needs(ctx.clients.ssoAdmin, 'SSO Admin');
    return { client, sdk: await import('@aws-sdk/client-sso-admin') };
  };
  const wait = async (kind: 'creation' | 'deletion', requestId: string | undefined) => {
    const { client, sdk } = await sso();
    if (!requestId) throw new StepError('AssignmentFailed', `IAM Identity Center gave no request id for the ${kind}`);
    for (let poll = 0; poll < ctx.maxPolls; poll++) {
      const status =
        kind === 'deletion'
          ? (
              await _call(ctx, () =>
                client.send(
                  new sdk.DescribeAccountAssignmentDeletionStatusCommand({
                    InstanceArn: a.instanceArn,
                    AccountAssignmentDeletionRequestId: requestId,
                  }),
                ),
              )
            ).AccountAssignmentDeletionStatus
          : (
              await _call(ctx, () =>
                client.send(
                  new sdk.DescribeAccountAssignmentCreationStatusCommand({
                    InstanceArn: a.instanceArn,
                    AccountAssignmentCreationRequestId: requestId,
                  }),
                ),
              )
            ).AccountAssignmentCreationStatus;
      if (status?.Status === 'SUCCEEDED') return;
      if (status?.Status === 'FAILED') {
        throw new StepError(
          'AssignmentFailed',
          `the account assignment ${kind} failed: ${status.FailureReason ?? 'no reason given'}`,
        );
      }
      await ctx.sleep(ctx.pollDelayMs);
    }
    throw new StepError('Timeout', `the account assignment ${kind} was still in progress after ${ctx.maxPolls} polls`);
  };
  return {
    target: `assignment of permission set ${a.permissionSetName} to ${_assignee(action)} in account ${a.accountId}`,
    prior: { present: true },
    intended: { present: false },
    async read() {
      const { client, sdk } = await sso();
      let token: string | undefined;
      do {
        const page = await _call(ctx, () =>
          client.send(
            new sdk.ListAccountAssignmentsCommand({
              InstanceArn: a.instanceArn,
              AccountId: a.accountId,
              PermissionSetArn: a.permissionSetArn,
              NextToken: token,
            }),
          ),
        );
        if (
          page.AccountAssignments?.some((x) => x.PrincipalType === a.principalType && x.PrincipalId === a.principalId)
        ) {
          return { present: true };
        }
        token = page.NextToken;
      } while (token);
      return { present: false };
    },
    async apply(_live, before) {
      await before({});
      const { client, sdk } = await sso();
      const out = await _call(ctx, () => client.send(new sdk.DeleteAccountAssignmentCommand(key)));
      await wait('deletion', out.AccountAssignmentDeletionStatus?.RequestId);
      return {};
    },
    async restore() {
      const { client, sdk } = await sso();
      const out = await _call(ctx, () => client.send(new sdk.CreateAccountAssignmentCommand(key)));
      await wait('creation', out.AccountAssignmentCreationStatus?.RequestId);
      return {};
    },
  };
}

function _identityStoreMembership(action: PlanAction, ctx: ExecutorContext): StepExecutor {
  const m = action.identityStoreGroup;
  if (!m) throw new StepError('NoPriorState', 'the plan records no Identity Center group membership for this step');
  const store = async () => ({
    client: _needs(ctx.clients.identityStore, 'Identity Store'),
    sdk: await import('@aws-sdk/client-identitystore'),
  });
  /** The user's membership id in the group (ListGroupMembershipsForMember, every page), if any. */
  const find = async (): Promise<string | undefined> => {
    const { client, sdk } = await store();
    let token: string | undefined;
    do {
      const page = await _call(ctx, () =>
        client.send(
          new sdk.ListGroupMembershipsForMemberCommand({
            IdentityStoreId: m.identityStoreId,
            MemberId: { UserId: m.userId },
            NextToken: token,
          }),
        ),
      );
      const found = page.GroupMemberships?.find((g) => g.GroupId === m.groupId);
      if (found) return found.MembershipId ?? m.membershipId;
      token = page.NextToken;
    } while (token);
    return undefined;
  };
  return {
    target: `membership of Identity Center user ${m.userName} in group ${m.groupName}`,
    prior: { present: true },
    intended: { present: false },
    async read() {
      const id = await find();
      return id ? { present: true } : { present: false };
    },
    async apply(_live, before) {
      await before({});
      const { client, sdk } = await store();
      // The live membership id: the plan's is stale when the membership was re-created since.
      const id = (await find()) ?? m.membershipId;
      await _call(ctx, () =>
        client.send(new sdk.DeleteGroupMembershipCommand({ IdentityStoreId: m.identityStoreId, MembershipId: id })),
      );
      return {};
    },
    async restore() {
      const { client, sdk } = await store();
      const out = await _call(ctx, () =>
        client.send(
          new sdk.CreateGroupMembershipCommand({
            IdentityStoreId: m.identityStoreId,
            GroupId: m.groupId,
            MemberId: { UserId: m.userId },
          }),
        ),
      );
      return out.MembershipId ? { membershipId: out.MembershipId } : {};
    },
  };
}
