import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { grantsFromSnapshot, grantsToRoster, parseAuthorizationSnapshot } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOTO_ACCOUNT,
  MOTO_SETUP_MS,
  type MotoServer,
  motoCredentials,
  startMoto,
} from '../../../test/servers/moto.js';
import { type CliRun, runCliInProcess } from './_cli.js';

// End to end through the CLI (in process): snapshot from moto → scan a trail → report → plan.
const A = MOTO_ACCOUNT;
const DAY = 86_400_000;
// An hour ahead, so users moto creates during setup are already older than a 0-day grace period.
const NOW = Date.now() + 3_600_000;
const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let moto: MotoServer;
let dir: string;

/** The CLI in process, in the test folder, with only `env` as its environment. */
const cli = (args: string[], env: Record<string, string> = {}) => runCliInProcess(args, dir, env);

/** A caller-side `AssumeRole` record by IAM user `name` (credentials fake, as in a real trail). */
function assumeRole(name: string, roleName: string, at: number, id: string): object {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'IAMUser',
      principalId: `AIDAE2E${name.toUpperCase()}`,
      arn: `arn:aws:iam::${A}:user/${name}`,
      accountId: A,
      accessKeyId: 'AKIAE2EEXAMPLE000001',
      userName: name,
    },
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.22.4',
    requestParameters: { roleArn: role(roleName), roleSessionName: name },
    responseElements: {
      credentials: { accessKeyId: 'ASIAE2EEXAMPLE000001', sessionToken: 'E2E-TOKEN', expiration: 'Jan 1, 2026' },
      assumedRoleUser: {
        assumedRoleId: `AROAE2E${roleName.toUpperCase()}:${name}`,
        arn: `arn:aws:sts::${A}:assumed-role/${roleName}/${name}`,
      },
    },
    requestID: `req-${id}`,
    eventID: id,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: A,
  };
}

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'lastswitch-iam-e2e-'));
  const client = new IAMClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials });
  try {
    const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' });
    for (const name of ['Admin', 'ReadOnly', 'dev-a', 'dev-b']) {
      await client.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    }
    await client.send(new CreateUserCommand({ UserName: 'alice' }));
    await client.send(new CreateUserCommand({ UserName: 'bob' }));
    await client.send(
      new PutUserPolicyCommand({
        UserName: 'alice',
        PolicyName: 'switch',
        PolicyDocument: doc({
          Sid: 'People',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: [role('Admin'), role('ReadOnly')],
        }),
      }),
    );
    await client.send(new CreateGroupCommand({ GroupName: 'devs' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'bob' }));
    await client.send(
      new PutGroupPolicyCommand({
        GroupName: 'devs',
        PolicyName: 'dev-switch',
        PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:*', Resource: `arn:aws:iam::${A}:role/dev-*` }),
      }),
    );
  } finally {
    client.destroy();
  }
  const records = [
    assumeRole('alice', 'Admin', NOW - 3 * DAY, 'e2e-1'),
    assumeRole('alice', 'ReadOnly', NOW - 300 * DAY, 'e2e-2'),
    assumeRole('alice', 'dev-a', NOW - 2 * DAY, 'e2e-3'),
  ];
  const folder = join(dir, 'trail', 'AWSLogs', A, 'CloudTrail', 'us-east-1', '2026', '01', '01');
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, `${A}_CloudTrail_us-east-1_20260101T0000Z_E2eE2eE2eE2eE2eE.json.gz`),
    gzipSync(JSON.stringify({ Records: records })),
  );
}, MOTO_SETUP_MS);

afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lastswitch iam snapshot → scan → report → plan', () => {
  const now = new Date(NOW).toISOString();
  const awsEnv = () => ({
    AWS_ENDPOINT_URL_IAM: moto.endpoint,
    AWS_ACCESS_KEY_ID: motoCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: motoCredentials.secretAccessKey,
  });

  // Each test sets up what it needs (once), so the tests pass alone and in any order.
  let snapshotRun: Promise<CliRun> | undefined;
  const snapshotted = () => {
    snapshotRun ??= cli(['iam', 'snapshot', '--output', 'iam.json'], awsEnv());
    return snapshotRun;
  };
  let scanRun: Promise<CliRun> | undefined;
  const scanned = () => {
    scanRun ??= cli(['scan', 'trail', '--no-progress']);
    return scanRun;
  };
  let rosterWritten: Promise<void> | undefined;
  const rostered = () => {
    rosterWritten ??= (async () => {
      await snapshotted();
      const evaluation = grantsFromSnapshot(
        parseAuthorizationSnapshot(JSON.parse(await readFile(join(dir, 'iam.json'), 'utf8'))),
      );
      await writeFile(join(dir, 'roster.json'), JSON.stringify(grantsToRoster(evaluation.grants)));
    })();
    return rosterWritten;
  };

  it('takes a snapshot from IAM into a file, never writing credentials', async () => {
    const run = await snapshotted();
    expect(run.stderr).toContain(
      `Read 2 users, 1 group, 4 roles, 0 managed policies from account ${A}; wrote iam.json`,
    );
    expect(run.code).toBe(0);
    const text = await readFile(join(dir, 'iam.json'), 'utf8');
    expect(text).not.toContain(motoCredentials.secretAccessKey);
    const snapshot = parseAuthorizationSnapshot(JSON.parse(text));
    expect(snapshot.users.map((u) => u.name).sort()).toEqual(['alice', 'bob']);
  });

  it('converts saved `aws iam get-account-authorization-details` output', async () => {
    const gaad = new URL('./fixtures/gaad-cli.json', import.meta.url).pathname;
    const run = await cli(['iam', 'snapshot', '--from-file', gaad, '--output', 'gaad-snapshot.json']);
    // The snapshot is written, but an attached policy missing from the saved output makes the exit code 1.
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Read 1 user, 1 group, 0 roles, 1 managed policy from');
    expect(run.stderr).toContain('not readable: managed policy arn:aws:iam::aws:policy/ReadOnlyAccess');
    const snapshot = parseAuthorizationSnapshot(JSON.parse(await readFile(join(dir, 'gaad-snapshot.json'), 'utf8')));
    expect(snapshot.account).toBe('555566667777');
    await writeFile(join(dir, 'not-gaad.json'), '{"Users": []}');
    const bad = await cli(['iam', 'snapshot', '--from-file', 'not-gaad.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected the output of `aws iam get-account-authorization-details`');
  });

  it('fails with a usage error on a file that is not a snapshot', async () => {
    await writeFile(join(dir, 'bogus.json'), '{"users": []}');
    const run = await cli(['plan', '--grants', 'bogus.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bogus.json is not a lastswitch authorization snapshot');
  });

  it('scans the trail, then the report (grants as roster) shows never-used and stale grants', async () => {
    const scan = await scanned();
    expect(scan.code).toBe(0);
    await rostered();
    const report = await cli([
      'report',
      '--roster',
      'roster.json',
      '--grace-days',
      '0',
      '--now',
      now,
      '--format',
      'json',
    ]);
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout) as {
      pairs: { principalName: string; role: string; status: string; allowedBy: { source?: string } | null }[];
    };
    const rows = json.pairs.map((p) => `${p.principalName} ${p.role} ${p.status}`).sort();
    expect(rows).toEqual([
      `alice ${role('Admin')} active`,
      `alice ${role('ReadOnly')} stale`,
      `alice ${role('dev-a')} active`,
      `bob arn:aws:iam::${A}:role/dev-* never`,
    ]);
    const never = json.pairs.find((p) => p.status === 'never');
    expect(never?.allowedBy?.source).toBe('group devs → inline policy dev-switch statement #0');
  });

  it('report --grants reads the snapshot itself and gives the same report as the roster made from it', async () => {
    await scanned();
    await rostered();
    const args = ['--grace-days', '0', '--now', now, '--format', 'json'];
    const viaGrants = await cli(['report', '--grants', 'iam.json', ...args]);
    const viaRoster = await cli(['report', '--roster', 'roster.json', ...args]);
    expect(viaGrants.code).toBe(0);
    expect(viaGrants.stdout).toBe(viaRoster.stdout);
    expect(viaGrants.stdout).toContain('"status": "never"');
  });

  it('plans the exact statement changes (dry run)', async () => {
    await snapshotted();
    await scanned();
    const run = await cli(['plan', '--grants', 'iam.json', '--now', now, '--grace-days', '0', '--format', 'markdown']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      '4 grants from 1 account: 2 active, 1 stale, 1 never used (0 in grace); 2 proposed changes',
    );
    expect(run.stdout).toContain('# lastswitch removal plan (dry run)');
    expect(run.stdout).toContain(
      `In statement "People" (#0) of inline policy switch of user alice: remove ${role('ReadOnly')} (last used 300 days ago)`,
    );
    expect(run.stdout).toContain('Remove bob from group devs');
    expect(run.stdout).toContain(`also serves: \`arn:aws:iam::${A}:user/alice\` (active)`);

    const json = await cli(['plan', '--grants', 'iam.json', '--now', now, '--grace-days', '0', '--format', 'json']);
    const plan = JSON.parse(json.stdout) as { dryRun: boolean; actions: { kind: string; statementIndex?: number }[] };
    expect(plan.dryRun).toBe(true);
    expect(plan.actions.map((a) => a.kind).sort()).toEqual(['edit-statement', 'remove-from-group']);
  });

  it('keeps new users in their grace period', async () => {
    await snapshotted();
    await scanned();
    const run = await cli(['plan', '--grants', 'iam.json', '--now', now, '--format', 'json']);
    const plan = JSON.parse(run.stdout) as { summary: { inGrace: number }; skipped: { reason: string }[] };
    expect(plan.summary.inGrace).toBe(1);
    expect(plan.skipped.map((s) => s.reason)).toEqual(['never used, but the user is within the grace period']);
  });
});
