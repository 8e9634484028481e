import type { IAMClient } from '@aws-sdk/client-iam';
import { ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AuthorizationSnapshot } from '@lastswitch/core';
import { collectPages, describeAwsError, errorName, mapWithConcurrency } from './awsCalls.js';
import { IamSnapshotError } from './build-snapshot.js';
import { readAuthorizationSnapshot } from './read-authorization-snapshot.js';

/** Temporary credentials from STS `AssumeRole`; handed to the client factory, never logged or stored. */
export interface AssumedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

/** An account of the organisation, as `ListAccounts` names it. */
export interface OrganizationAccount {
  id: string;
  name?: string;
  /** `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED` (the newer `State`, else the older `Status`). */
  state?: string;
}

/** The outcome for one account: its snapshot, or why it could not be read. */
export type AccountSnapshotResult =
  | { account: string; name?: string; ok: true; snapshot: AuthorizationSnapshot; assumedRole: boolean }
  | { account: string; name?: string; ok: false; reason: string; code: string };

/** What `readOrganizationSnapshots` read, failed and skipped. */
export interface OrganizationSnapshots {
  /** One result per account that was attempted, in `ListAccounts` order. */
  results: AccountSnapshotResult[];
  /** Accounts not attempted (suspended or closing), with why. */
  skipped: { account: string; name?: string; reason: string }[];
  /** The caller's own account (read with the caller's credentials, not through the role). */
  callerAccount: string;
}

/** Options of `readOrganizationSnapshots`. */
export interface ReadOrganizationOptions {
  organizations: OrganizationsClient;
  sts: STSClient;
  /** Builds the IAM client for one account: `credentials` are the assumed role's, or undefined for the caller's own. */
  iamClientFor: (account: string, credentials: AssumedCredentials | undefined) => IAMClient;
  /** The role to assume in every member account (`arn:PARTITION:iam::ACCOUNT:role/NAME`). */
  roleName: string;
  externalId?: string;
  /** Only these accounts (they must be in the organisation); default every active account. */
  accounts?: readonly string[];
  /** How many accounts to read at once; default 4. */
  concurrency?: number;
  /** The snapshot time, epoch ms; default `Date.now()`. */
  now?: number;
  /** Called as each account finishes (for a progress bar). */
  onResult?: (result: AccountSnapshotResult, done: number, total: number) => void;
  /** Called once the accounts to read are known. */
  onStart?: (total: number, skipped: OrganizationSnapshots['skipped']) => void;
  signal?: AbortSignal;
}

/** The session name every assumed role gets, so CloudTrail shows who read the account. */
export const SNAPSHOT_SESSION_NAME = 'lastswitch-snapshot';

const NOT_ACTIVE = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

/** Every account of the organisation (`ListAccounts`, every page). */
export async function listOrganizationAccounts(
  organizations: OrganizationsClient,
  options: { signal?: AbortSignal } = {},
): Promise<OrganizationAccount[]> {
  try {
    const accounts = await collectPages(
      'Organizations ListAccounts',
      async (token) => {
        const page = await organizations.send(
          new ListAccountsCommand({ NextToken: token }),
          options.signal ? { abortSignal: options.signal } : {},
        );
        return { items: page.Accounts ?? [], next: page.NextToken };
      },
      options,
    );
    return accounts
      .filter((a) => typeof a.Id === 'string')
      .map((a) => ({
        id: a.Id as string,
        ...(a.Name ? { name: a.Name } : {}),
        ...((a.State ?? a.Status) ? { state: String(a.State ?? a.Status) } : {}),
      }));
  } catch (error) {
    if (error instanceof IamSnapshotError) throw error;
    const code = errorName(error) ?? 'Error';
    if (code === 'AccessDeniedException' || code === 'AWSOrganizationsNotInUseException') {
      throw new IamSnapshotError(
        code,
        `Organizations ListAccounts failed (${describeAwsError(error)}): run it from the management account or a delegated administrator with organizations:ListAccounts`,
        { cause: error },
      );
    }
    throw new IamSnapshotError(code, `Organizations ListAccounts failed: ${describeAwsError(error)}`, { cause: error });
  }
}

/**
 * Reads an IAM authorization snapshot of every account in the organisation: lists the accounts,
 * skips suspended or closing ones (saying so), assumes `roleName` in each member account (session
 * `lastswitch-snapshot`), and reads the caller's own account with its own credentials. An account
 * that fails is reported with its reason; the others are still read.
 *
 * @example
 * ```ts
 * const { results } = await readOrganizationSnapshots({
 *   organizations: new OrganizationsClient({}), sts: new STSClient({}), roleName: 'lastswitch-audit',
 *   iamClientFor: (_account, credentials) => new IAMClient({ credentials }),
 * });
 * ```
 */
export async function readOrganizationSnapshots(options: ReadOrganizationOptions): Promise<OrganizationSnapshots> {
  const now = options.now ?? Date.now();
  const identity = await options.sts.send(
    new GetCallerIdentityCommand({}),
    options.signal ? { abortSignal: options.signal } : {},
  );
  const callerAccount = identity.Account ?? '';
  const partition = identity.Arn?.split(':', 3)[1] || 'aws';
  const all = await listOrganizationAccounts(options.organizations, options);
  const skipped: OrganizationSnapshots['skipped'] = [];
  let chosen = all;
  if (options.accounts) {
    const wanted = new Set(options.accounts);
    chosen = all.filter((a) => wanted.has(a.id));
    const known = new Set(all.map((a) => a.id));
    for (const id of options.accounts) {
      if (!known.has(id)) skipped.push({ account: id, reason: 'not an account of this organisation' });
    }
  }
  const targets: OrganizationAccount[] = [];
  for (const account of chosen) {
    if (account.state && NOT_ACTIVE.has(account.state)) {
      skipped.push({
        account: account.id,
        ...(account.name ? { name: account.name } : {}),
        reason: `the account is ${account.state}`,
      });
    } else targets.push(account);
  }
  options.onStart?.(targets.length, skipped);
  let done = 0;
  const results = await mapWithConcurrency(targets, options.concurrency ?? 4, async (account) => {
    const result = await _readAccount(account, callerAccount, partition, now, options);
    done += 1;
    options.onResult?.(result, done, targets.length);
    return result;
  });
  return { results, skipped, callerAccount };
}

async function _readAccount(
  account: OrganizationAccount,
  callerAccount: string,
  partition: string,
  now: number,
  options: ReadOrganizationOptions,
): Promise<AccountSnapshotResult> {
  const named = account.name ? { name: account.name } : {};
  const own = account.id === callerAccount;
  let credentials: AssumedCredentials | undefined;
  if (!own) {
    const roleArn = `arn:${partition}:iam::${account.id}:role/${options.roleName}`;
    try {
      const assumed = await options.sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: SNAPSHOT_SESSION_NAME,
          ...(options.externalId ? { ExternalId: options.externalId } : {}),
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      const c = assumed.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        return {
          account: account.id,
          ...named,
          ok: false,
          code: 'NoCredentials',
          reason: `STS gave no credentials for ${roleArn}`,
        };
      }
      credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    } catch (error) {
      const code = errorName(error) ?? 'Error';
      const hint =
        code === 'AccessDenied' || code === 'AccessDeniedException'
          ? ' (the role is missing, or its trust policy does not accept the caller or the external id)'
          : '';
      return {
        account: account.id,
        ...named,
        ok: false,
        code,
        reason: `cannot assume ${roleArn}: ${describeAwsError(error)}${hint}`,
      };
    }
  }
  const client = options.iamClientFor(account.id, credentials);
  try {
    const snapshot = await readAuthorizationSnapshot(client, {
      account: account.id,
      now,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { account: account.id, ...named, ok: true, snapshot, assumedRole: !own };
  } catch (error) {
    const code = error instanceof IamSnapshotError ? error.code : (errorName(error) ?? 'Error');
    const reason = error instanceof IamSnapshotError ? error.message : describeAwsError(error);
    return { account: account.id, ...named, ok: false, code, reason: `cannot read IAM: ${reason}` };
  } finally {
    client.destroy();
  }
}
