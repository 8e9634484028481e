import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand as CreateIdentityUserCommand,
  IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { parseAuthorizationSnapshot, parseIdentityCenterSnapshot } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOTO_ACCOUNT,
  MOTO_SETUP_MS,
  type MotoServer,
  motoCredentials,
  startMoto,
} from '../../../test/servers/moto.js';
import { type CliRun, runCliInProcess } from './_cli.js';
import { type StrictStsServer, startStrictStsServer } from './strictStsServer.js';

// An organisation in moto: the management account, three member accounts with the audit role,
// one without it, one closed; IAM Identity Center with direct and group assignments. Then
// `iam snapshot --org`, `sso snapshot`, a trail with Identity Center sign-ins, `report` and `plan`.
const M = MOTO_ACCOUNT;
const DAY = 86_400_000;
const NOW = Date.now() + 3_600_000;
const REGION = 'us-east-1';
const PROVIDER = 'AWSSSO_0123456789abcdef_DO_NOT_DELETE';
const config = (endpoint: string) => ({ endpoint, region: REGION, credentials: motoCredentials });

let moto: MotoServer;
let sts: StrictStsServer;
let dir: string;
const accounts: Record<'prod' | 'dev' | 'sandbox' | 'norole' | 'closed', string> = {
  prod: '',
  dev: '',
  sandbox: '',
  norole: '',
  closed: '',
};
let identityStoreId = '';

/** The CLI in process, in the test folder, with only `env` as its environment. */
const cli = (args: string[], env: Record<string, string> = {}) => runCliInProcess(args, dir, env);

const awsEnv = () => ({
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ENDPOINT_URL_STS: sts.endpoint,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: motoCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: motoCredentials.secretAccessKey,
});

const ssoRoleName = (permissionSet: string) => `AWSReservedSSO_${permissionSet}_0a1b2c3d4e5f6789`;
const ssoRoleArn = (account: string, permissionSet: string) =>
  `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/${ssoRoleName(permissionSet)}`;

/** An Identity Center sign-in to an account (AssumeRoleWithSAML into the permission set's role). */
function ssoSignIn(user: string, account: string, permissionSet: string, at: number, id: string): object {
  const provider = `arn:aws:iam::${account}:saml-provider/${PROVIDER}`;
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'SAMLUser', principalId: `Q=:${user}`, userName: user, identityProvider: 'Q=' },
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRoleWithSAML',
    awsRegion: REGION,
    sourceIPAddress: '192.0.2.10',
    userAgent: 'Mozilla/5.0',
    requestParameters: {
      roleSessionName: user,
      roleArn: ssoRoleArn(account, permissionSet),
      principalArn: provider,
      durationSeconds: 3600,
    },
    responseElements: {
      credentials: { accessKeyId: 'ASIAE2EEXAMPLE000002', sessionToken: 'E2E-TOKEN', expiration: 'Jan 1, 2026' },
      assumedRoleUser: {
        assumedRoleId: `AROAE2ESSO:${user}`,
        arn: `arn:aws:sts::${account}:assumed-role/${ssoRoleName(permissionSet)}/${user}`,
      },
      provider,
    },
    requestID: `req-${id}`,
    eventID: id,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
  };
}

/** IAM in a member account, as moto's cross-account AssumeRole gives it. */
async function memberIam(account: string): Promise<IAMClient> {
  const client = new STSClient(config(moto.endpoint));
  try {
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
        RoleSessionName: 'setup',
      }),
    );
    const c = out.Credentials;
    return new IAMClient({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
  } finally {
    client.destroy();
  }
}

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: false });
  sts = await startStrictStsServer(moto.endpoint);
  dir = await mkdtemp(join(tmpdir(), 'lastswitch-org-e2e-'));
  const organizations = new OrganizationsClient(config(moto.endpoint));
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  for (const name of Object.keys(accounts) as (keyof typeof accounts)[]) {
    const out = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
    accounts[name] = out.CreateAccountStatus?.AccountId ?? '';
  }
  await organizations.send(new CloseAccountCommand({ AccountId: accounts.closed }));
  organizations.destroy();

  const trustManagement = doc({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${M}:root` },
    Action: 'sts:AssumeRole',
  });
  for (const name of ['prod', 'dev', 'sandbox'] as const) {
    const iam = await memberIam(accounts[name]);
    await iam.send(new CreateRoleCommand({ RoleName: 'lastswitch-audit', AssumeRolePolicyDocument: trustManagement }));
    await iam.send(new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: trustManagement }));
    for (const ps of ['Admin', 'ReadOnly']) {
      await iam.send(
        new CreateRoleCommand({
          RoleName: ssoRoleName(ps),
          Path: '/aws-reserved/sso.amazonaws.com/',
          AssumeRolePolicyDocument: doc({
            Effect: 'Allow',
            Principal: { Federated: `arn:aws:iam::${accounts[name]}:saml-provider/${PROVIDER}` },
            Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
          }),
        }),
      );
    }
    iam.destroy();
  }

  const iam = new IAMClient(config(moto.endpoint));
  for (const [user, target] of [
    ['alice', accounts.prod],
    ['bob', accounts.dev],
  ] as const) {
    await iam.send(new CreateUserCommand({ UserName: user }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: user,
        PolicyName: 'deploy',
        PolicyDocument: doc({
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: `arn:aws:iam::${target}:role/deploy`,
        }),
      }),
    );
  }
  iam.destroy();

  const ssoAdmin = new SSOAdminClient(config(moto.endpoint));
  const identity = new IdentitystoreClient(config(moto.endpoint));
  const instance = (await ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
  const instanceArn = instance?.InstanceArn ?? '';
  identityStoreId = instance?.IdentityStoreId ?? '';
  const users: Record<string, string> = {};
  for (const name of ['carol', 'dave', 'erin', 'frank']) {
    const out = await identity.send(
      new CreateIdentityUserCommand({
        IdentityStoreId: identityStoreId,
        UserName: name,
        DisplayName: name.toUpperCase(),
        Name: { GivenName: name, FamilyName: 'Example' },
        Emails: [{ Value: `${name}@example.com`, Primary: true }],
      }),
    );
    users[name] = out.UserId ?? '';
  }
  const groups: Record<string, string> = {};
  for (const [group, members] of [
    ['ops', ['carol', 'erin']],
    ['auditors', ['frank']],
  ] as const) {
    const out = await identity.send(new CreateGroupCommand({ IdentityStoreId: identityStoreId, DisplayName: group }));
    groups[group] = out.GroupId ?? '';
    for (const member of members) {
      await identity.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: identityStoreId,
          GroupId: groups[group],
          MemberId: { UserId: users[member] ?? '' },
        }),
      );
    }
  }
  const sets: Record<string, string> = {};
  for (const ps of ['Admin', 'ReadOnly']) {
    const out = await ssoAdmin.send(
      new CreatePermissionSetCommand({ InstanceArn: instanceArn, Name: ps, SessionDuration: 'PT4H' }),
    );
    sets[ps] = out.PermissionSet?.PermissionSetArn ?? '';
  }
  const assign = (account: string, ps: string, type: 'USER' | 'GROUP', id: string) =>
    ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn: instanceArn,
        TargetId: account,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: sets[ps],
        PrincipalType: type,
        PrincipalId: id,
      }),
    );
  await assign(accounts.prod, 'Admin', 'USER', users.carol ?? '');
  await assign(accounts.dev, 'ReadOnly', 'USER', users.dave ?? '');
  await assign(accounts.prod, 'ReadOnly', 'GROUP', groups.ops ?? '');
  await assign(accounts.dev, 'Admin', 'GROUP', groups.auditors ?? '');
  ssoAdmin.destroy();
  identity.destroy();

  const records = [
    ssoSignIn('carol', accounts.prod, 'Admin', NOW - 2 * DAY, 'sso-1'),
    ssoSignIn('carol', accounts.prod, 'ReadOnly', NOW - 5 * DAY, 'sso-2'),
    ssoSignIn('gone', accounts.prod, 'Admin', NOW - 4 * DAY, 'sso-3'),
  ];
  const folder = join(dir, 'trail', 'AWSLogs', accounts.prod, 'CloudTrail', REGION, '2026', '01', '01');
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, `${accounts.prod}_CloudTrail_${REGION}_20260101T0000Z_OrgE2eOrgE2eOrgE.json.gz`),
    gzipSync(JSON.stringify({ Records: records })),
  );
}, MOTO_SETUP_MS);

afterAll(async () => {
  await sts?.stop();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lastswitch iam snapshot --org, sso snapshot, report --grants, plan', () => {
  const now = () => new Date(NOW).toISOString();

  // Each test sets up what it needs (once), so the tests pass alone and in any order.
  // The org snapshot's run, with the AssumeRole calls it made (other tests assume roles too).
  let orgRun: Promise<CliRun & { assumed: StrictStsServer['assumed'] }> | undefined;
  const orgSnapshot = () => {
    orgRun ??= (async () => {
      const from = sts.assumed.length;
      const run = await cli(
        ['iam', 'snapshot', '--org', '--role-name', 'lastswitch-audit', '--external-id', 'x-123', '--output', 'org'],
        awsEnv(),
      );
      return { ...run, assumed: sts.assumed.slice(from) };
    })();
    return orgRun;
  };
  let ssoRun: ReturnType<typeof cli> | undefined;
  const ssoSnapshot = () => {
    ssoRun ??= cli(['sso', 'snapshot', '--output', 'sso.json'], awsEnv());
    return ssoRun;
  };
  let scanRun: ReturnType<typeof cli> | undefined;
  const scanned = () => {
    scanRun ??= cli(['scan', 'trail', '--no-progress']);
    return scanRun;
  };

  it('snapshots every active account, names the one whose role is missing, skips the closed one, exits 1', async () => {
    const run = await orgSnapshot();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`skipped: ${accounts.closed} (closed): the account is SUSPENDED`);
    expect(run.stderr).toContain(
      `failed: ${accounts.norole} (norole): cannot assume arn:aws:iam::${accounts.norole}:role/lastswitch-audit: AccessDenied`,
    );
    expect(run.stderr).toContain('Read 4 accounts into org; 1 account failed; 1 skipped');
    const files = (await readdir(join(dir, 'org'))).sort();
    expect(files).toEqual([accounts.prod, accounts.dev, accounts.sandbox, M].map((a) => `${a}.json`).sort());
    for (const file of files) {
      const text = await readFile(join(dir, 'org', file), 'utf8');
      expect(text).not.toContain(motoCredentials.secretAccessKey);
      expect(parseAuthorizationSnapshot(JSON.parse(text)).account).toBe(file.slice(0, 12));
    }
    const prod = parseAuthorizationSnapshot(
      JSON.parse(await readFile(join(dir, 'org', `${accounts.prod}.json`), 'utf8')),
    );
    expect(prod.roles.map((r) => r.name).sort()).toEqual(
      // moto, like AWS Organizations, creates OrganizationAccountAccessRole in a new account.
      [
        ssoRoleName('Admin'),
        ssoRoleName('ReadOnly'),
        'OrganizationAccountAccessRole',
        'deploy',
        'lastswitch-audit',
      ].sort(),
    );
    const management = parseAuthorizationSnapshot(JSON.parse(await readFile(join(dir, 'org', `${M}.json`), 'utf8')));
    expect(management.users.map((u) => u.name).sort()).toEqual(['alice', 'bob']);
    // Every member account through the role with the session name and external id; never the caller's own.
    const asked = run.assumed.filter((a) => a.sessionName === 'lastswitch-snapshot');
    expect(asked.map((a) => a.roleArn).sort()).toEqual(
      [accounts.prod, accounts.dev, accounts.sandbox, accounts.norole]
        .map((a) => `arn:aws:iam::${a}:role/lastswitch-audit`)
        .sort(),
    );
    expect(asked.every((a) => a.externalId === 'x-123')).toBe(true);
  });

  it('--accounts reads only the accounts named', async () => {
    const run = await cli(
      ['iam', 'snapshot', '--org', '--role-name', 'lastswitch-audit', '--accounts', accounts.dev, '--output', 'one'],
      awsEnv(),
    );
    expect(run.code).toBe(0);
    expect(await readdir(join(dir, 'one'))).toEqual([`${accounts.dev}.json`]);
  });

  it('snapshots Identity Center: permission sets, direct and group assignments, users, groups', async () => {
    const run = await ssoSnapshot();
    expect(run.stderr).toContain('Read 2 permission sets, 4 assignments, 4 users, 2 groups');
    expect(run.code).toBe(0);
    const snapshot = parseIdentityCenterSnapshot(JSON.parse(await readFile(join(dir, 'sso.json'), 'utf8')));
    expect(snapshot.identityStoreId).toBe(identityStoreId);
    expect(snapshot.permissionSets.map((p) => `${p.name} ${p.sessionDuration}`).sort()).toEqual([
      'Admin PT4H',
      'ReadOnly PT4H',
    ]);
    expect(snapshot.users.find((u) => u.userName === 'carol')).toMatchObject({
      displayName: 'CAROL',
      emails: ['carol@example.com'],
    });
    expect(snapshot.groups.map((g) => `${g.displayName}:${g.members.length}`).sort()).toEqual(['auditors:1', 'ops:2']);
    expect(snapshot.assignments.map((a) => a.principalType).sort()).toEqual(['GROUP', 'GROUP', 'USER', 'USER']);
    expect(snapshot.accounts).not.toContain(accounts.closed);
  });

  it('report --grants joins the org folder and Identity Center with the ledger', async () => {
    await orgSnapshot();
    await ssoSnapshot();
    const scan = await scanned();
    expect(scan.code).toBe(0);
    const report = await cli(
      ['report', '--grants', 'org', 'sso.json', '--grace-days', '0', '--now', now(), '--format', 'json'],
      awsEnv(),
    );
    expect(report.code).toBe(0);
    expect(report.stderr).toContain(
      'warning: Identity Center user gone is in the ledger but not in the Identity Center snapshot: renamed or deleted',
    );
    const json = JSON.parse(report.stdout) as { pairs: { principalName: string; role: string; status: string }[] };
    const rows = json.pairs.map((p) => `${p.principalName} ${p.role} ${p.status}`).sort();
    const pattern = (account: string, ps: string) => `arn:aws:iam::${account}:role/AWSReservedSSO_${ps}_*`;
    // The report shows a role by its key (account + name; assumed-role ARNs drop the path).
    const key = (account: string, ps: string) => `arn:aws:iam::${account}:role/${ssoRoleName(ps)}`;
    expect(rows).toEqual(
      [
        `alice arn:aws:iam::${accounts.prod}:role/deploy never`,
        `bob arn:aws:iam::${accounts.dev}:role/deploy never`,
        `carol ${key(accounts.prod, 'Admin')} active`,
        `carol ${key(accounts.prod, 'ReadOnly')} active`,
        `dave ${pattern(accounts.dev, 'ReadOnly')} never`,
        `erin ${pattern(accounts.prod, 'ReadOnly')} never`,
        `frank ${pattern(accounts.dev, 'Admin')} never`,
        `gone ${key(accounts.prod, 'Admin')} active`,
      ].sort(),
    );
  });

  it('plan proposes the Identity Center steps with everything apply needs', async () => {
    await orgSnapshot();
    await ssoSnapshot();
    await scanned();
    const run = await cli(
      ['plan', '--grants', 'org', 'sso.json', '--grace-days', '0', '--now', now(), '--format', 'json'],
      awsEnv(),
    );
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      actions: {
        kind: string;
        summary: string;
        assignment?: Record<string, string>;
        identityStoreGroup?: Record<string, string>;
        alsoAffects?: { principal: string; status: string }[];
        group?: string;
      }[];
      problems: { entity: string; message: string }[];
    };
    const direct = plan.actions.find(
      (a) => a.kind === 'delete-account-assignment' && a.assignment?.principalType === 'USER',
    );
    expect(direct?.assignment).toMatchObject({
      identityStoreId,
      accountId: accounts.dev,
      permissionSetName: 'ReadOnly',
      principalType: 'USER',
    });
    expect(Object.keys(direct?.assignment ?? {}).sort()).toEqual([
      'accountId',
      'identityStoreId',
      'instanceArn',
      'permissionSetArn',
      'permissionSetName',
      'principalId',
      'principalType',
    ]);
    const group = plan.actions.find(
      (a) => a.kind === 'delete-account-assignment' && a.assignment?.principalType === 'GROUP',
    );
    expect(group?.summary).toContain('to group auditors in account');
    expect(group?.assignment?.permissionSetName).toBe('Admin');
    const membership = plan.actions.find((a) => a.kind === 'remove-from-group' && a.identityStoreGroup);
    expect(membership?.identityStoreGroup).toMatchObject({ identityStoreId, groupName: 'ops', userName: 'erin' });
    expect(membership?.identityStoreGroup?.membershipId).toBeTruthy();
    expect(membership?.alsoAffects).toEqual([{ principal: 'carol', status: 'active' }]);
    // carol uses what she has; the IAM users' unused grants are planned as before.
    expect(plan.actions.some((a) => a.summary.includes('carol'))).toBe(false);
    expect(plan.actions.filter((a) => a.kind === 'remove-statement').length).toBe(2);
    expect(plan.problems.map((p) => p.entity)).toContain('Identity Center user gone');

    const markdown = await cli(['plan', '--grants', 'org', 'sso.json', '--grace-days', '0', '--now', now()], awsEnv());
    expect(markdown.stdout).toContain('Delete Identity Center assignment');
    expect(markdown.stdout).toContain('Remove erin from identity-store group ops');
  });
});
