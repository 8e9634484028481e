import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
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
import { canonicalJson, parseAuthorizationSnapshot } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOTO_ACCOUNT,
  MOTO_SETUP_MS,
  type MotoServer,
  motoCredentials,
  startMoto,
} from '../../../test/servers/moto.js';
import { runCliInProcess } from './_cli.js';

// The whole session through the CLI (in process) against moto: snapshot → scan → plan → apply → undo.
const A = MOTO_ACCOUNT;
const DAY = 86_400_000;
const NOW = Date.now() + 3_600_000;
const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let moto: MotoServer;
let dir: string;
let iam: IAMClient;

/** The CLI in process, in the test folder, pointed at moto. */
const cli = (args: string[]) =>
  runCliInProcess(args, dir, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: motoCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: motoCredentials.secretAccessKey,
  });

function assumeRecord(name: string, roleName: string, at: number, id: string): object {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'IAMUser',
      principalId: `AIDAAPPLY${name.toUpperCase()}`,
      arn: `arn:aws:iam::${A}:user/${name}`,
      accountId: A,
      userName: name,
    },
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    requestParameters: { roleArn: role(roleName), roleSessionName: name },
    responseElements: {
      assumedRoleUser: {
        assumedRoleId: `AROAAPPLY${roleName.toUpperCase()}:${name}`,
        arn: `arn:aws:sts::${A}:assumed-role/${roleName}/${name}`,
      },
    },
    eventID: id,
    eventType: 'AwsApiCall',
    recipientAccountId: A,
  };
}

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: false });
  dir = await mkdtemp(join(tmpdir(), 'lastswitch-cli-apply-'));
  iam = new IAMClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials });
  const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' });
  for (const name of ['Admin', 'ReadOnly', 'dev-a']) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  }
  for (const name of ['alice', 'bob']) await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
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
  await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'bob' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'devs',
      PolicyName: 'dev-switch',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role('dev-*') }),
    }),
  );
  const folder = join(dir, 'trail', 'AWSLogs', A, 'CloudTrail', 'us-east-1', '2026', '01', '01');
  await mkdir(folder, { recursive: true });
  const records = [
    assumeRecord('alice', 'Admin', NOW - 3 * DAY, 'ap-1'),
    assumeRecord('alice', 'ReadOnly', NOW - 300 * DAY, 'ap-2'),
    assumeRecord('alice', 'dev-a', NOW - 2 * DAY, 'ap-3'),
  ];
  await writeFile(
    join(folder, `${A}_CloudTrail_us-east-1_20260101T0000Z_ApplyApplyApply1.json.gz`),
    gzipSync(JSON.stringify({ Records: records })),
  );
}, MOTO_SETUP_MS);

afterAll(async () => {
  iam?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A snapshot file's policy documents and memberships, order- and time-insensitive. */
async function normalised(file: string): Promise<string> {
  const s = parseAuthorizationSnapshot(JSON.parse(await readFile(join(dir, file), 'utf8')));
  return canonicalJson({
    users: s.users.map((u) => ({ n: u.name, g: [...u.groups].sort(), i: u.inlinePolicies, a: u.attachedPolicies })),
    groups: s.groups.map((g) => ({ n: g.name, i: g.inlinePolicies, a: g.attachedPolicies })),
    roles: s.roles.map((r) => ({ n: r.name, t: r.trustPolicy })),
    policies: s.policies.map((p) => ({ a: p.arn, v: p.defaultVersionId, d: p.document })),
  });
}

describe('lastswitch plan → apply → undo', () => {
  const now = new Date(NOW).toISOString();
  /** A snapshot of moto's IAM now, and the plan made from it (grace 0), as files in the test folder. */
  const snapshotAndPlan = async (snapshot: string, plan: string) => {
    await cli(['iam', 'snapshot', '--output', snapshot]);
    await cli(['plan', '--grants', snapshot, '--now', now, '--grace-days', '0', '--format', 'json', '--output', plan]);
  };
  beforeAll(async () => {
    expect((await cli(['scan', 'trail', '--no-progress'])).code).toBe(0);
  });

  it('runs a whole session: dry run, apply, undo, each checked against a new snapshot', async () => {
    expect((await cli(['iam', 'snapshot', '--output', 'before.json'])).code).toBe(0);
    const plan = await cli([
      'plan',
      '--grants',
      'before.json',
      '--now',
      now,
      '--grace-days',
      '0',
      '--format',
      'json',
      '--output',
      'plan.json',
    ]);
    expect(plan.code).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as {
      version: number;
      madeFrom: { file: string; sha256: string }[];
      actions: { step: number; kind: string }[];
    };
    expect(json.version).toBe(2);
    expect(json.madeFrom).toEqual([
      expect.objectContaining({ file: 'before.json', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    expect(json.actions.map((a) => a.kind).sort()).toEqual(['edit-statement', 'remove-from-group']);

    const dry = await cli(['apply', 'plan.json', '--now', now]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would apply: Remove bob from group devs');
    expect(dry.stderr).toContain('Would apply 2 steps (0 already applied); 0 would be refused');
    expect(dry.stderr).toContain('Nothing was changed.');
    await cli(['iam', 'snapshot', '--output', 'dry.json']);
    expect(await normalised('dry.json')).toBe(await normalised('before.json'));

    const applied = await cli(['apply', 'plan.json', '--yes', '--now', now]);
    expect(applied.stderr).toContain('Applying plan.json; journal: plan.journal.jsonl');
    expect(applied.stderr).toContain('Applied 2 steps (0 already applied), refused 0, failed 0');
    expect(applied.code).toBe(0);
    expect(applied.stdout + applied.stderr).not.toContain(motoCredentials.secretAccessKey);
    await cli(['iam', 'snapshot', '--output', 'after.json']);
    const after = parseAuthorizationSnapshot(JSON.parse(await readFile(join(dir, 'after.json'), 'utf8')));
    expect(after.users.find((u) => u.name === 'bob')?.groups).toEqual([]);
    expect(after.users.find((u) => u.name === 'alice')?.inlinePolicies[0]?.document).toEqual(
      JSON.parse(doc({ Sid: 'People', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [role('Admin')] })),
    );

    const rerun = await cli(['apply', 'plan.json', '--yes', '--now', now]);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain('Applied 0 steps (2 already applied)');

    const undoDry = await cli(['undo', 'plan.journal.jsonl']);
    expect(undoDry.code).toBe(0);
    expect(undoDry.stderr).toContain('Would restore 2 steps');
    const undo = await cli(['undo', 'plan.journal.jsonl', '--yes']);
    expect(undo.stderr).toContain('Restored 2 steps (0 already restored), refused 0, failed 0.');
    expect(undo.code).toBe(0);
    await cli(['iam', 'snapshot', '--output', 'undone.json']);
    expect(await normalised('undone.json')).toBe(await normalised('before.json'));
  });

  it('exits 1 naming the step refused because its policy changed since the plan, and applies the others', async () => {
    await snapshotAndPlan('drift-before.json', 'drift.json');
    const changed = doc({
      Sid: 'People',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: [role('ReadOnly'), role('Admin')],
    });
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'switch', PolicyDocument: changed }));
    const run = await cli(['apply', 'drift.json', '--yes', '--now', now, '--journal', 'journals/drift.jsonl']);
    expect(run.stderr).toContain('journal: journals/drift.jsonl');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/step \d REFUSED: In statement "People" \(#0\) of inline policy switch of user alice/);
    expect(run.stdout).toContain(
      "the live state of inline policy switch of user alice differs from the plan's recorded prior state",
    );
    expect(run.stderr).toContain('Applied 1 step (0 already applied), refused 1, failed 0');
    const undo = await cli(['undo', 'journals/drift.jsonl', '--yes']);
    expect(undo.code).toBe(0);
    expect(undo.stderr).toContain('Restored 1 step');
  });

  it.each([['apply'], ['undo']])('%s --help explains the safety rules with examples', async (command) => {
    const run = await cli([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('--yes');
    expect(run.stdout).toContain(command === 'apply' ? 'review steps are never applied' : 'refused, named, otherwise');
  });

  it('refuses --yes while another apply or undo holds the journal (exit 2), and a dry run still answers', async () => {
    await snapshotAndPlan('locked-before.json', 'locked.json');
    await mkdir(join(dir, 'journals'), { recursive: true });
    const holder = `${JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' })}\n`;
    await writeFile(join(dir, 'journals', 'locked.jsonl.lock'), holder);
    const run = await cli(['apply', 'locked.json', '--yes', '--now', now, '--journal', 'journals/locked.jsonl']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`is in use by another lastswitch apply or undo (pid ${process.pid} on ${hostname()}`);
    await expect(readFile(join(dir, 'journals', 'locked.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(dir, 'journals', 'locked.jsonl.lock'), 'utf8')).toBe(holder);
    const dry = await cli(['apply', 'locked.json', '--now', now, '--journal', 'journals/locked.jsonl']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('Nothing was changed.');
  });

  it('rejects bad usage with exit code 2', async () => {
    await snapshotAndPlan('usage.json', 'plan.json');
    const only = await cli(['apply', 'plan.json', '--only', '7']);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('--only names 1 step the plan does not have: 7');
    const bad = await cli(['apply', 'plan.json', '--only', '1,x']);
    expect(bad.code).toBe(2);
    await writeFile(join(dir, 'not-a-plan.json'), '{"actions": []}');
    const notPlan = await cli(['apply', 'not-a-plan.json']);
    expect(notPlan.code).toBe(2);
    expect(notPlan.stderr).toContain('not-a-plan.json is not a lastswitch removal plan of version 2');
    const notJournal = await cli(['undo', 'plan.json']);
    expect(notJournal.code).toBe(2);
  });
});
