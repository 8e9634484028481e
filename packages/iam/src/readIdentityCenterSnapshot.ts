import {
  type IdentitystoreClient,
  ListGroupMembershipsCommand,
  ListGroupsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-identitystore';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import type {
  IdentityCenterAssignment,
  IdentityCenterGroup,
  IdentityCenterPermissionSet,
  IdentityCenterSnapshot,
  IdentityCenterUser,
} from '@lastswitch/core';
import { collectPages, describeAwsError, epochMs, errorName, mapWithConcurrency } from './awsCalls.js';
import { IamSnapshotError } from './build-snapshot.js';
import { listOrganizationAccounts } from './readOrganizationSnapshots.js';

/** Options of `readIdentityCenterSnapshot`. */
export interface ReadIdentityCenterOptions {
  ssoAdmin: SSOAdminClient;
  identityStore: IdentitystoreClient;
  /** Lists the organisation's accounts whose assignments to read, when `accounts` is not given. */
  organizations?: OrganizationsClient;
  /** The accounts whose assignments to read. */
  accounts?: readonly string[];
  /** The instance, when there is more than one; default the only one. */
  instanceArn?: string;
  /** Calls in flight at once (assignments, group memberships, permission sets); default 4. */
  concurrency?: number;
  /** Page size (`MaxResults`) for every list call; default the service's. */
  pageSize?: number;
  /** The snapshot time, epoch ms; default `Date.now()`. */
  now?: number;
  signal?: AbortSignal;
}

const NOT_ACTIVE = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

function _translate(what: string, error: unknown): never {
  if (error instanceof IamSnapshotError) throw error;
  const code = errorName(error) ?? 'Error';
  const need =
    code === 'AccessDeniedException' || code === 'AccessDenied'
      ? ' (needs sso:ListInstances, sso:ListPermissionSets, sso:DescribePermissionSet, sso:ListAccountAssignments, identitystore:ListUsers, identitystore:ListGroups, identitystore:ListGroupMemberships and organizations:ListAccounts)'
      : '';
  throw new IamSnapshotError(code, `${what} failed: ${describeAwsError(error)}${need}`, { cause: error });
}

async function _call<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    _translate(what, error);
  }
}

/**
 * Reads IAM Identity Center into a JSON-serialisable snapshot: the instance (`ListInstances`),
 * permission sets (name, ARN, session duration), every account assignment per account and
 * permission set (every page), and the identity store's users (user name, display name, emails,
 * id) and groups with their memberships. No credentials are read or kept.
 *
 * @example
 * ```ts
 * const snapshot = await readIdentityCenterSnapshot({
 *   ssoAdmin: new SSOAdminClient({}), identityStore: new IdentitystoreClient({}),
 *   organizations: new OrganizationsClient({}),
 * });
 * ```
 */
export async function readIdentityCenterSnapshot(options: ReadIdentityCenterOptions): Promise<IdentityCenterSnapshot> {
  const { ssoAdmin, identityStore } = options;
  const send = options.signal ? { abortSignal: options.signal } : {};
  const paging = options.signal ? { signal: options.signal } : {};
  const max = options.pageSize;
  const concurrency = options.concurrency ?? 4;
  const problems: IdentityCenterSnapshot['problems'] = [];

  const instances = await _call('sso-admin ListInstances', () =>
    collectPages(
      'sso-admin ListInstances',
      async (token) => {
        const page = await ssoAdmin.send(new ListInstancesCommand({ NextToken: token, MaxResults: max }), send);
        return { items: page.Instances ?? [], next: page.NextToken };
      },
      paging,
    ),
  );
  const instance = options.instanceArn
    ? instances.find((i) => i.InstanceArn === options.instanceArn)
    : instances.length === 1
      ? instances[0]
      : undefined;
  if (!instance?.InstanceArn || !instance.IdentityStoreId) {
    const listed = instances.map((i) => i.InstanceArn).join(', ') || 'none';
    throw new IamSnapshotError(
      instances.length === 0 ? 'NoInstance' : 'WhichInstance',
      options.instanceArn
        ? `no IAM Identity Center instance ${options.instanceArn} (instances: ${listed})`
        : instances.length === 0
          ? 'there is no IAM Identity Center instance in this account and region (Identity Center is regional: set the region it was enabled in)'
          : `more than one IAM Identity Center instance (${listed}): name one`,
    );
  }
  const instanceArn = instance.InstanceArn;
  const identityStoreId = instance.IdentityStoreId;

  let accounts: string[];
  if (options.accounts) accounts = [...options.accounts];
  else if (options.organizations) {
    const listed = await listOrganizationAccounts(options.organizations, paging);
    accounts = [];
    for (const a of listed) {
      if (a.state && NOT_ACTIVE.has(a.state)) {
        problems.push({ entity: `account ${a.id}`, message: `skipped: the account is ${a.state}` });
      } else accounts.push(a.id);
    }
  } else {
    throw new IamSnapshotError(
      'NoAccounts',
      'name the accounts whose assignments to read, or give an Organizations client',
    );
  }

  const permissionSetArns = await _call('sso-admin ListPermissionSets', () =>
    collectPages(
      'sso-admin ListPermissionSets',
      async (token) => {
        const page = await ssoAdmin.send(
          new ListPermissionSetsCommand({ InstanceArn: instanceArn, NextToken: token, MaxResults: max }),
          send,
        );
        return { items: page.PermissionSets ?? [], next: page.NextToken };
      },
      paging,
    ),
  );
  const permissionSets: IdentityCenterPermissionSet[] = [];
  const described = await mapWithConcurrency(permissionSetArns, concurrency, (arn) =>
    _call(`sso-admin DescribePermissionSet ${arn}`, () =>
      ssoAdmin.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }), send),
    ),
  );
  described.forEach((d, i) => {
    const ps = d.PermissionSet;
    const arn = ps?.PermissionSetArn ?? permissionSetArns[i] ?? '';
    if (!ps?.Name) {
      problems.push({ entity: `permission set ${arn}`, message: 'DescribePermissionSet gave no name; left out' });
      return;
    }
    const createdAt = epochMs(ps.CreatedDate);
    permissionSets.push({
      arn,
      name: ps.Name,
      ...(ps.Description ? { description: ps.Description } : {}),
      ...(ps.SessionDuration ? { sessionDuration: ps.SessionDuration } : {}),
      ...(createdAt === undefined ? {} : { createdAt }),
    });
  });

  const pairs = accounts.flatMap((accountId) => permissionSets.map((ps) => ({ accountId, ps })));
  const assignmentLists = await mapWithConcurrency(pairs, concurrency, ({ accountId, ps }) =>
    _call(`sso-admin ListAccountAssignments (account ${accountId}, permission set ${ps.name})`, () =>
      collectPages(
        `sso-admin ListAccountAssignments (account ${accountId}, permission set ${ps.name})`,
        async (token) => {
          const page = await ssoAdmin.send(
            new ListAccountAssignmentsCommand({
              InstanceArn: instanceArn,
              AccountId: accountId,
              PermissionSetArn: ps.arn,
              NextToken: token,
              MaxResults: max,
            }),
            send,
          );
          return { items: page.AccountAssignments ?? [], next: page.NextToken };
        },
        paging,
      ),
    ),
  );
  const assignments: IdentityCenterAssignment[] = [];
  for (const list of assignmentLists) {
    for (const a of list) {
      if (!a.AccountId || !a.PermissionSetArn || !a.PrincipalId) continue;
      if (a.PrincipalType !== 'USER' && a.PrincipalType !== 'GROUP') {
        problems.push({
          entity: `assignment ${a.PermissionSetArn} in ${a.AccountId}`,
          message: `unknown principal type ${a.PrincipalType}`,
        });
        continue;
      }
      assignments.push({
        accountId: a.AccountId,
        permissionSetArn: a.PermissionSetArn,
        principalType: a.PrincipalType,
        principalId: a.PrincipalId,
      });
    }
  }

  const rawUsers = await _call('identitystore ListUsers', () =>
    collectPages(
      'identitystore ListUsers',
      async (token) => {
        const page = await identityStore.send(
          new ListUsersCommand({ IdentityStoreId: identityStoreId, NextToken: token, MaxResults: max }),
          send,
        );
        return { items: page.Users ?? [], next: page.NextToken };
      },
      paging,
    ),
  );
  const users: IdentityCenterUser[] = [];
  for (const u of rawUsers) {
    if (!u.UserId || !u.UserName) {
      problems.push({ entity: `user ${u.UserId ?? '?'}`, message: 'no user name; left out' });
      continue;
    }
    const createdAt = epochMs(u.CreatedAt);
    users.push({
      id: u.UserId,
      userName: u.UserName,
      ...(u.DisplayName ? { displayName: u.DisplayName } : {}),
      emails: (u.Emails ?? []).map((e) => e.Value).filter((v): v is string => typeof v === 'string'),
      ...(createdAt === undefined ? {} : { createdAt }),
    });
  }

  const rawGroups = await _call('identitystore ListGroups', () =>
    collectPages(
      'identitystore ListGroups',
      async (token) => {
        const page = await identityStore.send(
          new ListGroupsCommand({ IdentityStoreId: identityStoreId, NextToken: token, MaxResults: max }),
          send,
        );
        return { items: page.Groups ?? [], next: page.NextToken };
      },
      paging,
    ),
  );
  const groups: IdentityCenterGroup[] = await mapWithConcurrency(
    rawGroups.filter((g): g is typeof g & { GroupId: string } => typeof g.GroupId === 'string'),
    concurrency,
    async (g) => {
      const memberships = await _call(`identitystore ListGroupMemberships ${g.DisplayName ?? g.GroupId}`, () =>
        collectPages(
          `identitystore ListGroupMemberships ${g.DisplayName ?? g.GroupId}`,
          async (token) => {
            const page = await identityStore.send(
              new ListGroupMembershipsCommand({
                IdentityStoreId: identityStoreId,
                GroupId: g.GroupId,
                NextToken: token,
                MaxResults: max,
              }),
              send,
            );
            return { items: page.GroupMemberships ?? [], next: page.NextToken };
          },
          paging,
        ),
      );
      const members: IdentityCenterGroup['members'] = [];
      for (const m of memberships) {
        const userId = m.MemberId && 'UserId' in m.MemberId ? m.MemberId.UserId : undefined;
        if (!m.MembershipId || !userId) continue;
        const createdAt = epochMs(m.CreatedAt);
        members.push({ membershipId: m.MembershipId, userId, ...(createdAt === undefined ? {} : { createdAt }) });
      }
      return {
        id: g.GroupId,
        displayName: g.DisplayName ?? g.GroupId,
        ...(g.Description ? { description: g.Description } : {}),
        members,
      };
    },
  );

  return {
    format: 'lastswitch.identity-center-snapshot',
    version: 1,
    takenAt: options.now ?? Date.now(),
    instanceArn,
    identityStoreId,
    accounts,
    permissionSets,
    assignments,
    users,
    groups,
    problems,
  };
}
