// The demo's apply session against moto: builds in moto the IAM and IAM Identity Center state the
// sample snapshots describe, then runs plan → apply → undo through the CLI and checks every step
// with a new snapshot. Shared by `pnpm demo:apply` (the built CLI) and its test (the CLI in process).
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateGroupMembershipCommand,
  CreateGroupCommand as CreateIdentityGroupCommand,
  CreateUserCommand as CreateIdentityUserCommand,
  IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  type AuthorizationSnapshot,
  canonicalJson,
  type IdentityCenterSnapshot,
  parseAuthorizationSnapshot,
  parseIdentityCenterSnapshot,
} from '@lastswitch/core';

/** The demo's clock and window (as `pnpm demo`): the trail ends Fri 13 Feb 2026. */
export const DEMO_NOW = '2026-02-16T00:00:00Z';
export const DEMO_STALE_AFTER = '30';
/** moto stamps every user it creates with today's date; without this, never-used grants would be "in grace" as of DEMO_NOW. */
export const DEMO_GRACE_DAYS = '0';
const REGION = 'us-east-1';
/** Fake keys moto accepts. */
const MOTO_KEYS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** The sample snapshots: one IAM snapshot per account and the Identity Center snapshot. */
export interface DemoSnapshots {
  iam: AuthorizationSnapshot[];
  identityCenter: IdentityCenterSnapshot;
}

/** Reads `snapshots/iam/*.json` and `snapshots/sso.json` of the sample. */
export async function readDemoSnapshots(folder: string): Promise<DemoSnapshots> {
  const iamFolder = join(folder, 'iam');
  const names = (await readdir(iamFolder)).filter((n) => n.endsWith('.json')).sort();
  const iam = await Promise.all(
    names.map(async (n) => parseAuthorizationSnapshot(JSON.parse(await readFile(join(iamFolder, n), 'utf8')))),
  );
  const sso = parseIdentityCenterSnapshot(JSON.parse(await readFile(join(folder, 'sso.json'), 'utf8')));
  return { iam, identityCenter: sso };
}

/** The account that holds the IAM users: where the operator runs `apply` and where Identity Center lives. */
export function operatorAccount(snapshots: DemoSnapshots): string {
  return (snapshots.iam.find((s) => s.users.length > 0) ?? snapshots.iam[0])?.account ?? '';
}

/** SDK config for moto, acting in `account` (moto's `x-moto-account-id` header). */
function _inAccount<T extends { middlewareStack: { add: (...args: never[]) => void } }>(client: T, account: string): T {
  (client.middlewareStack as unknown as { add: (mw: unknown, opts: unknown) => void }).add(
    (next: (args: { request: { headers: Record<string, string> } }) => unknown) =>
      (args: { request: { headers: Record<string, string> } }) => {
        args.request.headers['x-moto-account-id'] = account;
        return next(args);
      },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

const _config = (endpoint: string) => ({ endpoint, region: REGION, credentials: MOTO_KEYS });
const _text = (document: unknown) => JSON.stringify(document);

/** Creates in moto what one IAM snapshot describes: managed policies (up to their default version id), groups, users, roles. */
async function _seedIam(iam: IAMClient, s: AuthorizationSnapshot): Promise<void> {
  for (const p of s.policies) {
    await iam.send(new CreatePolicyCommand({ PolicyName: p.name, Path: p.path, PolicyDocument: _text(p.document) }));
    // Only the default version's document is in a snapshot: earlier versions repeat it, so the ids match.
    const versions = Number(p.defaultVersionId.slice(1));
    for (let v = 2; v <= versions; v++) {
      await iam.send(
        new CreatePolicyVersionCommand({ PolicyArn: p.arn, PolicyDocument: _text(p.document), SetAsDefault: true }),
      );
    }
  }
  for (const g of s.groups) {
    await iam.send(new CreateGroupCommand({ GroupName: g.name, Path: g.path }));
    for (const i of g.inlinePolicies) {
      await iam.send(
        new PutGroupPolicyCommand({ GroupName: g.name, PolicyName: i.name, PolicyDocument: _text(i.document) }),
      );
    }
    for (const arn of g.attachedPolicies) {
      await iam.send(new AttachGroupPolicyCommand({ GroupName: g.name, PolicyArn: arn }));
    }
  }
  for (const u of s.users) {
    await iam.send(new CreateUserCommand({ UserName: u.name, Path: u.path }));
    for (const i of u.inlinePolicies) {
      await iam.send(
        new PutUserPolicyCommand({ UserName: u.name, PolicyName: i.name, PolicyDocument: _text(i.document) }),
      );
    }
    for (const arn of u.attachedPolicies)
      await iam.send(new AttachUserPolicyCommand({ UserName: u.name, PolicyArn: arn }));
    for (const group of u.groups) await iam.send(new AddUserToGroupCommand({ UserName: u.name, GroupName: group }));
    if (u.permissionsBoundary) {
      await iam.send(
        new PutUserPermissionsBoundaryCommand({ UserName: u.name, PermissionsBoundary: u.permissionsBoundary }),
      );
    }
  }
  for (const r of s.roles) {
    await iam.send(
      new CreateRoleCommand({ RoleName: r.name, Path: r.path, AssumeRolePolicyDocument: _text(r.trustPolicy) }),
    );
    for (const i of r.inlinePolicies) {
      await iam.send(
        new PutRolePolicyCommand({ RoleName: r.name, PolicyName: i.name, PolicyDocument: _text(i.document) }),
      );
    }
    for (const arn of r.attachedPolicies)
      await iam.send(new AttachRolePolicyCommand({ RoleName: r.name, PolicyArn: arn }));
    if (r.permissionsBoundary) {
      await iam.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: r.name, PermissionsBoundary: r.permissionsBoundary }),
      );
    }
  }
}

/** Creates in moto's Identity Center (of `account`) the permission sets, users, groups, memberships and assignments of the snapshot. */
async function _seedIdentityCenter(endpoint: string, account: string, s: IdentityCenterSnapshot): Promise<void> {
  const ssoAdmin = _inAccount(new SSOAdminClient(_config(endpoint)), account);
  const store = _inAccount(new IdentitystoreClient(_config(endpoint)), account);
  try {
    const instance = (await ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
    const instanceArn = instance?.InstanceArn ?? '';
    const storeId = instance?.IdentityStoreId ?? '';
    const sets = new Map<string, string>();
    for (const ps of s.permissionSets) {
      const out = await ssoAdmin.send(
        new CreatePermissionSetCommand({
          InstanceArn: instanceArn,
          Name: ps.name,
          ...(ps.sessionDuration ? { SessionDuration: ps.sessionDuration } : {}),
          ...(ps.description ? { Description: ps.description } : {}),
        }),
      );
      sets.set(ps.arn, out.PermissionSet?.PermissionSetArn ?? '');
    }
    const ids = new Map<string, string>();
    for (const u of s.users) {
      const [given, ...family] = (u.displayName ?? u.userName).split(' ');
      const out = await store.send(
        new CreateIdentityUserCommand({
          IdentityStoreId: storeId,
          UserName: u.userName,
          ...(u.displayName ? { DisplayName: u.displayName } : {}),
          Name: { GivenName: given ?? u.userName, FamilyName: family.join(' ') || u.userName },
          Emails: u.emails.map((Value, i) => ({ Value, Primary: i === 0 })),
        }),
      );
      ids.set(u.id, out.UserId ?? '');
    }
    for (const g of s.groups) {
      const out = await store.send(
        new CreateIdentityGroupCommand({
          IdentityStoreId: storeId,
          DisplayName: g.displayName,
          ...(g.description ? { Description: g.description } : {}),
        }),
      );
      ids.set(g.id, out.GroupId ?? '');
      for (const m of g.members) {
        await store.send(
          new CreateGroupMembershipCommand({
            IdentityStoreId: storeId,
            GroupId: out.GroupId ?? '',
            MemberId: { UserId: ids.get(m.userId) ?? '' },
          }),
        );
      }
    }
    for (const a of s.assignments) {
      await ssoAdmin.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: instanceArn,
          TargetId: a.accountId,
          TargetType: 'AWS_ACCOUNT',
          PermissionSetArn: sets.get(a.permissionSetArn) ?? '',
          PrincipalType: a.principalType,
          PrincipalId: ids.get(a.principalId) ?? '',
        }),
      );
    }
  } finally {
    ssoAdmin.destroy();
    store.destroy();
  }
}

/**
 * Builds in moto (at `endpoint`) the state the sample snapshots describe: each IAM snapshot in its
 * own account, Identity Center in the operator account. Seeds moto's random ids first, so every run
 * gets the same ids.
 */
export async function seedMoto(endpoint: string, snapshots: DemoSnapshots): Promise<void> {
  const seeded = await fetch(`${endpoint}/moto-api/seed?a=20260216`, { method: 'POST' });
  await seeded.body?.cancel();
  if (!seeded.ok) throw new Error(`moto refused the seed: HTTP ${seeded.status}`);
  for (const s of snapshots.iam) {
    const iam = _inAccount(new IAMClient(_config(endpoint)), s.account);
    try {
      await _seedIam(iam, s);
    } finally {
      iam.destroy();
    }
  }
  await _seedIdentityCenter(endpoint, operatorAccount(snapshots), snapshots.identityCenter);
}

/** The usual AWS environment for the CLI acting in `account`: moto's credentials for a role there, and the endpoint. */
export async function awsEnvironment(endpoint: string, account: string): Promise<Record<string, string>> {
  const sts = new STSClient(_config(endpoint));
  try {
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/lastswitch-operator`, RoleSessionName: 'demo' }),
    );
    const c = out.Credentials;
    return {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: c?.AccessKeyId ?? '',
      AWS_SECRET_ACCESS_KEY: c?.SecretAccessKey ?? '',
      AWS_SESSION_TOKEN: c?.SessionToken ?? '',
    };
  } finally {
    sts.destroy();
  }
}

/** A CLI run: its exit code, and standard output and error together, in the order written (as a terminal shows them). */
export interface CliRun {
  code: number;
  output: string;
}

/** Runs `lastswitch ARGS` in the session folder with `env` as its whole AWS environment. */
export type RunCli = (args: string[], env: Record<string, string>) => Promise<CliRun>;

/** One snapshot set: the IAM snapshot of every account and the Identity Center snapshot. */
export interface SnapshotSet {
  folder: string;
  iam: AuthorizationSnapshot[];
  identityCenter: IdentityCenterSnapshot;
}

/**
 * A snapshot set in a comparable form: no times, no ids that moto or undo make anew (Identity
 * Center membership ids), arrays in a fixed order, policy documents as canonical JSON.
 */
export function normaliseSnapshots(set: Pick<SnapshotSet, 'iam' | 'identityCenter'>): unknown {
  const policies = (list: { name: string; document: unknown }[]) =>
    list.map((p) => ({ name: p.name, document: canonicalJson(p.document) })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const sorted = <T>(list: T[]) => [...list].sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : 1));
  const ic = set.identityCenter;
  return {
    iam: [...set.iam]
      .sort((a, b) => (a.account < b.account ? -1 : 1))
      .map((s) => ({
        account: s.account,
        users: sorted(
          s.users.map((u) => ({
            name: u.name,
            arn: u.arn,
            inline: policies(u.inlinePolicies),
            attached: [...u.attachedPolicies].sort(),
            groups: [...u.groups].sort(),
            boundary: u.permissionsBoundary ?? null,
          })),
        ),
        groups: sorted(
          s.groups.map((g) => ({
            name: g.name,
            arn: g.arn,
            inline: policies(g.inlinePolicies),
            attached: [...g.attachedPolicies].sort(),
          })),
        ),
        roles: sorted(
          s.roles.map((r) => ({
            name: r.name,
            arn: r.arn,
            trust: canonicalJson(r.trustPolicy),
            inline: policies(r.inlinePolicies),
            attached: [...r.attachedPolicies].sort(),
          })),
        ),
        policies: sorted(
          s.policies.map((p) => ({ arn: p.arn, version: p.defaultVersionId, document: canonicalJson(p.document) })),
        ),
        problems: s.problems,
      })),
    identityCenter: {
      instanceArn: ic.instanceArn,
      accounts: [...ic.accounts].sort(),
      permissionSets: sorted(ic.permissionSets.map((p) => ({ arn: p.arn, name: p.name }))),
      assignments: sorted(ic.assignments),
      users: sorted(ic.users.map((u) => ({ id: u.id, userName: u.userName }))),
      groups: sorted(
        ic.groups.map((g) => ({ id: g.id, name: g.displayName, members: g.members.map((m) => m.userId).sort() })),
      ),
      problems: ic.problems,
    },
  };
}

/** A plan step as `lastswitch plan --format json` writes it (the fields the expected change needs). */
interface PlanStep {
  step: number;
  kind: string;
  summary: string;
  account: string;
  principal: { name: string };
  group?: string;
  policy?: { kind: string; name: string; owner?: string; arn?: string };
  change?: { document?: unknown; deletePolicy?: boolean };
  prior?: { membership?: { user: string; group: string }; attachment?: { user: string; policyArn: string } };
  assignment?: { accountId: string; permissionSetArn: string; principalType: string; principalId: string };
  identityStoreGroup?: { groupId: string; userId: string };
}

/** The snapshot set `before` with exactly the changes of `steps` made: what a new snapshot must show after apply. */
export function expectedAfter(before: SnapshotSet, steps: readonly PlanStep[]): Omit<SnapshotSet, 'folder'> {
  const after = structuredClone({ iam: before.iam, identityCenter: before.identityCenter });
  for (const step of steps) {
    const s = after.iam.find((x) => x.account === step.account);
    const p = step.policy;
    if (step.identityStoreGroup) {
      const m = step.identityStoreGroup;
      const group = after.identityCenter.groups.find((g) => g.id === m.groupId);
      if (group) group.members = group.members.filter((x) => x.userId !== m.userId);
    } else if (step.kind === 'delete-account-assignment' && step.assignment) {
      const gone = step.assignment;
      after.identityCenter.assignments = after.identityCenter.assignments.filter(
        (a) =>
          a.accountId !== gone.accountId ||
          a.permissionSetArn !== gone.permissionSetArn ||
          a.principalType !== gone.principalType ||
          a.principalId !== gone.principalId,
      );
    } else if (step.kind === 'remove-from-group' && s) {
      const m = step.prior?.membership;
      const user = s.users.find((u) => u.name === m?.user);
      if (user) user.groups = user.groups.filter((g) => g !== m?.group);
    } else if (step.kind === 'detach-policy' && s) {
      const a = step.prior?.attachment;
      const user = s.users.find((u) => u.name === a?.user);
      if (user) user.attachedPolicies = user.attachedPolicies.filter((x) => x !== a?.policyArn);
    } else if (p && s && step.change) {
      const document = step.change.deletePolicy ? null : step.change.document;
      if (p.kind === 'user-inline' || p.kind === 'group-inline') {
        const owner = (p.kind === 'user-inline' ? s.users : s.groups).find((x) => x.name === p.owner);
        if (owner) {
          owner.inlinePolicies = owner.inlinePolicies.filter((i) => i.name !== p.name);
          if (document !== null) owner.inlinePolicies.push({ name: p.name, document: document as never });
        }
      } else if (p.kind === 'trust-policy') {
        const role = s.roles.find((r) => r.name === p.owner);
        if (role) role.trustPolicy = document as never;
      } else {
        const policy = s.policies.find((x) => x.arn === p.arn);
        if (policy) {
          policy.document = document as never;
          policy.defaultVersionId = '(new version)';
        }
      }
    }
  }
  return after;
}

/** What the session found, for its caller to check. */
export interface SessionResult {
  before: SnapshotSet;
  afterApply: SnapshotSet;
  afterUndo: SnapshotSet;
  plan: { actions: PlanStep[] };
  runs: Record<string, CliRun>;
  /** The new snapshot after apply differs from `before` by exactly the planned changes. */
  applyExact: boolean;
  /** The snapshot after undo equals `before` (normalised). */
  undoExact: boolean;
}

/** Options of the session: how to run the CLI, where moto is, where to write, and what to print. */
export interface SessionOptions {
  endpoint: string;
  /** The session folder (the CLI's working directory): ledger, snapshots, plan, journal. */
  work: string;
  /** The sample trail and snapshots. */
  sample: string;
  snapshots: DemoSnapshots;
  cli: RunCli;
  /** Each command and its output, as a person would see them. */
  log?: (text: string) => void;
}

/**
 * Runs the whole session: scan, snapshots, plan, apply (dry run), apply --yes, a new snapshot,
 * apply again (nothing twice), undo --yes, a final snapshot. Every command's exit code is checked
 * as it goes (anything but 0 throws, naming the command).
 */
export async function runApplySession(options: SessionOptions): Promise<SessionResult> {
  const { endpoint, work, cli } = options;
  const log = options.log ?? (() => {});
  const operator = operatorAccount(options.snapshots);
  const envs = new Map<string, Record<string, string>>();
  for (const s of options.snapshots.iam) envs.set(s.account, await awsEnvironment(endpoint, s.account));
  const env = envs.get(operator) ?? {};
  const runs: Record<string, CliRun> = {};
  const shown = (args: string[]) =>
    args.map((a) => (a.startsWith(options.sample) ? `examples/sample-trail${a.slice(options.sample.length)}` : a));
  const run = async (label: string, args: string[], runEnv: Record<string, string>, note = '') => {
    const out = await cli(args, runEnv);
    runs[label] = out;
    log(`$ lastswitch ${shown(args).join(' ')}${note ? `   # ${note}` : ''}\n${out.output}`);
    if (out.code !== 0) throw new Error(`lastswitch ${args.join(' ')} exited ${out.code}:\n${out.output}`);
    return out;
  };
  const time = ['--now', DEMO_NOW];

  const snapshot = async (name: string): Promise<SnapshotSet> => {
    const folder = join(work, name);
    await mkdir(join(folder, 'iam'), { recursive: true });
    for (const [account, accountEnv] of envs) {
      await run(
        `${name}-iam-${account}`,
        ['iam', 'snapshot', '--output', join(name, 'iam', `${account}.json`)],
        accountEnv,
        account === operator ? '' : `credentials for ${account}`,
      );
    }
    const accounts = options.snapshots.identityCenter.accounts.join(',');
    await run(`${name}-sso`, ['sso', 'snapshot', '--accounts', accounts, '--output', join(name, 'sso.json')], env);
    return { folder, ...(await readDemoSnapshots(folder)) };
  };

  log(
    `AWS environment: AWS_ENDPOINT_URL=${endpoint} (moto), AWS_REGION=${REGION}, and credentials moto issued for a role in ${operator} (for the other accounts' snapshots, in each of them).\n`,
  );
  await run('scan', ['scan', join(options.sample, 'AWSLogs'), '--no-progress'], {});
  const before = await snapshot('before');
  const grants = ['--grants', 'before/iam', 'before/sso.json'];
  const window = [...time, '--stale-after', DEMO_STALE_AFTER, '--grace-days', DEMO_GRACE_DAYS];
  await run('plan', ['plan', ...grants, ...window, '--format', 'json', '--output', 'plan.json'], {});
  const plan = JSON.parse(await readFile(join(work, 'plan.json'), 'utf8')) as { actions: PlanStep[] };
  await run('dry-run', ['apply', 'plan.json', ...time], env);
  await run('apply', ['apply', 'plan.json', '--yes', '--journal', 'plan.journal.jsonl', ...time], env);
  const afterApply = await snapshot('after-apply');
  const applied = plan.actions.filter((a) => a.kind !== 'review');
  const applyExact =
    canonicalJson(normaliseSnapshots(afterApply)) ===
    canonicalJson(normaliseSnapshots(_withVersions(expectedAfter(before, applied), afterApply)));
  log(
    applyExact
      ? `The new snapshot differs from the one before by exactly the ${applied.length} planned changes; every other policy, membership and assignment is unchanged.\n`
      : 'The new snapshot does NOT match the plan: see after-apply/ against before/.\n',
  );
  await run('rerun', ['apply', 'plan.json', '--yes', '--journal', 'plan.journal.jsonl', ...time], env);
  await run('undo-dry-run', ['undo', 'plan.journal.jsonl'], env);
  await run('undo', ['undo', 'plan.journal.jsonl', '--yes'], env);
  const afterUndo = await snapshot('after-undo');
  const undoExact = canonicalJson(normaliseSnapshots(afterUndo)) === canonicalJson(normaliseSnapshots(before));
  log(
    undoExact
      ? 'The snapshot after undo equals the one before apply: every policy document, membership and assignment (only times and the re-created membership id differ).\n'
      : 'The snapshot after undo does NOT equal the one before apply: see after-undo/ against before/.\n',
  );
  return { before, afterApply, afterUndo, plan, runs, applyExact, undoExact };
}

/** A managed policy's new default version id cannot be known before apply: take it from the new snapshot. */
function _withVersions(expected: Omit<SnapshotSet, 'folder'>, actual: SnapshotSet): Omit<SnapshotSet, 'folder'> {
  for (const s of expected.iam) {
    for (const p of s.policies) {
      if (p.defaultVersionId !== '(new version)') continue;
      const live = actual.iam.find((x) => x.account === s.account)?.policies.find((x) => x.arn === p.arn);
      p.defaultVersionId = live?.defaultVersionId ?? p.defaultVersionId;
    }
  }
  return expected;
}
