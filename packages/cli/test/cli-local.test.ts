import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assumeRoleRecord,
  BIN,
  gzip,
  logFile,
  logName,
  put,
  requireBuiltCli,
  runCli,
  SAMPLE_TRAIL,
  tempDir,
} from './_cli.js';

const NOW = '2026-02-16T00:00:00Z';

/** The ledger of the default store in `cwd`, as `lastswitch ledger export` writes it. */
async function exportLedger(cwd: string, store?: string): Promise<string> {
  const run = await runCli(['ledger', 'export', ...(store ? ['--store', store] : [])], { cwd });
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return run.stdout;
}
const dirs: string[] = [];
const fresh = async () => {
  const dir = await tempDir();
  dirs.push(dir);
  return dir;
};

beforeAll(() => requireBuiltCli());
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('help and usage errors', () => {
  it.each([[[]], [['scan']], [['report']], [['notify']], [['notify', 'slack']]])(
    '%j --help shows usage with examples and exits 0',
    async (command) => {
      const run = await runCli([...command, '--help'], { cwd: await fresh() });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: lastswitch');
      expect(run.stdout).toContain('Examples:');
      expect(run.stderr).toBe('');
    },
  );

  it('the top-level help documents stores and exit codes', async () => {
    const run = await runCli(['--help'], { cwd: await fresh() });
    expect(run.stdout).toContain('sqlite:PATH (default sqlite:.lastswitch/ledger.db), file:PATH (a JSON');
    expect(run.stdout).toContain('ledger) or dynamodb:TABLE.');
    expect(run.stdout).toContain(
      'Exit codes: 0 ok, 1 some files failed, a delivery failed or the ledger does not exist, 2 bad usage,\n3 `report --fail-on` found stale or never-used access.',
    );
    for (const command of ['scan', 'report', 'notify', 'ledger']) expect(run.stdout).toContain(`  ${command}`);
  });

  it('--version prints the package version', async () => {
    const run = await runCli(['--version'], { cwd: await fresh() });
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  const usage: [string, string[], string][] = [
    ['an unknown flag', ['scan', '.', '--bogus'], "unknown option '--bogus'"],
    ['an unknown command', ['scna'], "unknown command 'scna'"],
    ['scan without a source', ['scan'], "missing required argument 'sources'"],
    ['a missing path', ['scan', 'no/such/folder'], 'no such file or folder: no/such/folder'],
    ['an s3 URL without bucket', ['scan', 's3://'], 'names no bucket'],
    ['an unknown store URL', ['report', '--store', 'redis://x'], 'unknown store URL "redis://x"'],
    ['a bad table name', ['report', '--store', 'dynamodb:a'], 'does not name a valid DynamoDB table'],
    ['a --now without zone', ['report', '--now', '2026-02-16T00:00:00'], 'expected an ISO 8601 date'],
    ['a --now that is no date', ['report', '--now', 'yesterday'], 'expected an ISO 8601 date'],
    ['a bad --format', ['report', '--format', 'xml'], 'Allowed choices are table, json, csv, markdown'],
    ['a bad --stale-after', ['report', '--stale-after', '0'], 'expected a whole number from 1 to 100000, in digits'],
    [
      'a bad --concurrency',
      ['scan', '.', '--concurrency', 'many'],
      'expected a whole number from 1 to 100000, in digits',
    ],
    ['a missing roster', ['report', '--roster', 'nope.csv'], 'cannot read the roster nope.csv: ENOENT'],
    ['notify without a destination', ['notify', 'slack'], 'say where to send'],
    ['an unset webhook variable', ['notify', 'slack', '--webhook-url-env', 'NOPE_HOOK'], 'NOPE_HOOK'],
    ['a foreign webhook host', ['notify', 'slack', '--webhook-url', 'https://example.com/hook'], 'see --allow-host'],
  ];
  it.each(usage)('%s exits 2 with a one-line message', async (_what, args, message) => {
    const run = await runCli(args, { cwd: await fresh() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain('    at ');
    expect(run.stderr).toMatch(/^lastswitch: error: [^\n]+\n$/);
  });

  it('a command-line typo does not print the webhook URL it carries', async () => {
    const hook = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX';
    for (const args of [
      ['notify', 'slack', `--webhok-url=${hook}`],
      ['notify', 'slack', '--stale-after', hook],
      ['notify', 'slack', '--now', `https://user:XXXXSECRETXXXX@hooks.slack.com/x`],
    ]) {
      const run = await runCli(args, { cwd: await fresh() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('https://hooks.slack.com/***');
      expect(run.stderr).not.toContain('SECRET');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('`lastswitch help <command>` is help (exit 0); no command at all is bad usage (exit 2)', async () => {
    const help = await runCli(['help', 'scan'], { cwd: await fresh() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: lastswitch scan');
    expect(help.stdout).toContain('Examples:');
    const nested = await runCli(['notify', 'help', 'slack'], { cwd: await fresh() });
    expect(nested.code).toBe(0);
    expect(nested.stdout).toContain('Usage: lastswitch notify slack');
    for (const args of [[], ['notify'], ['iam'], ['sso']]) {
      const none = await runCli(args, { cwd: await fresh() });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('Usage: lastswitch');
    }
  });

  it.each([[['iam']], [['iam', 'snapshot']], [['plan']]])('%j --help has examples', async (command) => {
    const run = await runCli([...command, '--help'], { cwd: await fresh() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('lastswitch iam snapshot --output');
  });

  it.each([[['sso']], [['sso', 'snapshot']]])('%j --help names the permissions it needs', async (command) => {
    const run = await runCli([...command, '--help'], { cwd: await fresh() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('lastswitch sso snapshot --output');
    expect(run.stdout).toContain('identitystore:ListGroupMemberships');
  });

  it.each([
    [['iam', 'snapshot', '--role-name', 'audit']],
    [['iam', 'snapshot', '--org', '--role-name', 'audit']],
    [['iam', 'snapshot', '--org', '--output', 'dir']],
    [['iam', 'snapshot', '--org', '--role-name', 'a', '--output', 'd', '--accounts', '12345']],
  ])('%j is a usage error', async (args) => {
    const run = await runCli(args, { cwd: await fresh() });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/--role-name|--output|account ids|--org/);
  });

  it.each([
    ['report', '--now'],
    ['plan', '--now'],
    ['scan', '--since'],
  ])('%s %s refuses a day the calendar does not have instead of rolling it over', async (command, option) => {
    for (const day of ['2026-02-30', '2026-02-29T10:00:00Z', '2026-04-31T00:00:00+02:00', '2026-00-10']) {
      const args = command === 'scan' ? ['scan', '.', option, day] : [command, option, day];
      const run = await runCli(args, { cwd: await fresh() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('expected an ISO 8601 date');
    }
    const leap = await runCli(['report', '--now', '2028-02-29', '--format', 'json', '--allow-empty'], {
      cwd: await fresh(),
    });
    expect(leap.code).toBe(0);
    expect(JSON.parse(leap.stdout).generatedAt).toBe('2028-02-29T00:00:00.000Z');
  });

  it('a JSON file that is not an IAM snapshot given to --grants is one line in the CLI words, no validator dump', async () => {
    const cwd = await fresh();
    await writeFile(join(cwd, 'package.json'), '{"name":"x","version":"1.0.0"}');
    await writeFile(join(cwd, 'list.json'), '[1,2,3]');
    for (const file of ['package.json', 'list.json']) {
      for (const args of [
        ['report', '--grants', file],
        ['plan', '--grants', file],
      ]) {
        const run = await runCli(args, { cwd });
        expect(run.code).toBe(2);
        expect(run.stderr).toBe(
          `lastswitch: error: ${file} is not a lastswitch authorization snapshot (make one per account with \`lastswitch iam snapshot --output FILE\`, or an Identity Center one with \`lastswitch sso snapshot\`)\n`,
        );
      }
    }
    const broken = { format: 'lastswitch.authorization-snapshot', version: 1, account: 'x' };
    await writeFile(join(cwd, 'broken.json'), JSON.stringify(broken));
    const run = await runCli(['plan', '--grants', 'broken.json'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('broken.json is not a lastswitch authorization snapshot');
    expect(run.stderr).not.toContain('"code"');
    expect(run.stderr).not.toContain('[');
  });

  it('the AWS SDK Node-version warning never reaches the terminal, whatever command builds a client', async () => {
    const cwd = await fresh();
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'example-secret-not-real',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const runs = [
      ['scan', 's3://bucket/prefix/', '--no-progress'],
      ['report', '--store', 'dynamodb:ledger-table'],
      ['iam', 'snapshot', '--output', 'iam.json'],
    ];
    for (const args of runs) {
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      // The client was built and used (the endpoint refuses): a failure is reported either way.
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr, args.join(' ')).toMatch(/lastswitch: error:|Failed: /);
      expect(run.stderr, args.join(' ')).not.toMatch(/NodeVersionSupportWarning|will require node/);
    }
  });

  it('missing AWS credentials get a hint naming AWS_PROFILE and aws sso login', async () => {
    const cwd = await fresh();
    const run = await runCli(['report', '--store', 'dynamodb:ledger-table'], {
      cwd,
      env: {
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_CONFIG_FILE: join(cwd, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'none'),
      },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('AWS_PROFILE');
    expect(run.stderr).toContain('aws sso login');
  });

  it('a file that cannot be read is named once, with what the code means', async () => {
    const run = await runCli(['report', '--roster', 'nope.csv'], { cwd: await fresh() });
    expect(run.stderr).toBe('lastswitch: error: cannot read the roster nope.csv: ENOENT (no such file or folder)\n');
  });
});

// bob (sample trail) may switch into prod ReadOnly, which he uses, and prod OpsAdmin, which he never has.
const GAAD_DETAILS = {
  UserDetailList: [
    {
      Path: '/',
      UserName: 'bob',
      UserId: 'AIDAEXAMPLEBOB000001',
      Arn: 'arn:aws:iam::111111111111:user/bob',
      CreateDate: '2024-01-01T00:00:00+00:00',
      UserPolicyList: [
        {
          PolicyName: 'switch-prod',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Resource: ['arn:aws:iam::222222222222:role/ReadOnly', 'arn:aws:iam::222222222222:role/OpsAdmin'],
              },
            ],
          },
        },
      ],
      GroupList: [],
      AttachedManagedPolicies: [],
    },
  ],
  GroupDetailList: [],
  RoleDetailList: [],
  Policies: [],
};

/** Writes the snapshot of GAAD_DETAILS to `iam/identity.json` in `cwd` (what several tests plan from). */
async function writeIdentitySnapshot(cwd: string): Promise<void> {
  await writeFile(join(cwd, 'gaad.json'), JSON.stringify(GAAD_DETAILS));
  const run = await runCli(['iam', 'snapshot', '--from-file', 'gaad.json', '--output', 'iam/identity.json'], { cwd });
  if (run.code !== 0) throw new Error(`iam snapshot failed: ${run.stderr}`);
}

describe('scan and report on the sample trail', () => {
  let cwd: string;
  let scan: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    cwd = await fresh();
    scan = await runCli(['scan', SAMPLE_TRAIL], { cwd });
  });

  it('reads every log file, skips the digests, and fills the default SQLite store', async () => {
    expect(scan.code).toBe(0);
    expect(scan.stdout).toBe(
      [
        'Read 133 files (0.1 MB): 92 switches, 1 denied attempt.',
        'Skipped files: 3 digest.',
        'Skipped records: 89 not a switch, 40 service caller.',
        'Ledger sqlite:.lastswitch/ledger.db: 6 principals, 9 pairs.',
        '',
      ].join('\n'),
    );
    expect(scan.stderr).toBe('Scanning 133 files (0.1 MB)\n');
    expect((await readFile(join(cwd, '.lastswitch/ledger.db'))).subarray(0, 16).toString('latin1')).toBe(
      'SQLite format 3\u0000',
    );
    expect(existsSync(join(cwd, '.lastswitch/ledger.json'))).toBe(false);
    const ledger = JSON.parse(await exportLedger(cwd));
    expect(ledger).toMatchObject({ format: 'lastswitch-ledger', version: 1 });
    expect(ledger.entries).toHaveLength(12); // 9 pairs once aliases resolve the role-owner side
  });

  it('never writes credentials from the trail', async () => {
    const files = (await readdir(join(cwd, '.lastswitch'))).map((name) => join(cwd, '.lastswitch', name));
    for (const ledger of [...(await Promise.all(files.map((f) => readFile(f, 'latin1')))), await exportLedger(cwd)]) {
      expect(ledger).not.toContain('FAKE-SESSION-TOKEN');
      expect(ledger).not.toContain('sessionToken');
      expect(ledger).not.toContain('ASIAEXAMPLE');
    }
  });

  it('scanning the same files again changes nothing', async () => {
    const before = await exportLedger(cwd);
    const again = await runCli(['scan', SAMPLE_TRAIL, '--concurrency', '1'], { cwd });
    expect(again.code).toBe(0);
    expect(await exportLedger(cwd)).toBe(before);
  });

  it('report prints the table, stalest first', async () => {
    const run = await runCli(['report', '--now', NOW, '--stale-after', '30'], { cwd });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('lastswitch report at 2026-02-16T00:00:00.000Z, stale after 30 days');
    expect(lines[1]).toBe('6 principals, 9 pairs: 5 active, 4 stale, 0 never');
    const rows = lines.slice(4).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => [row[0], row[3], row[4]])).toEqual([
      ['stale', 'dave (111111111111)', 'BillingViewer (222222222222)'],
      ['stale', 'grace@example.com', 'AWSReservedSSO_AdministratorAccess_5f3c1a7e9b2d4c60 (222222222222)'],
      ['stale', 'erin (111111111111)', 'ReadOnly (333333333333)'],
      ['stale', 'carol (111111111111)', 'Deployer (333333333333)'],
      ['active', 'alice (111111111111)', 'Deployer (333333333333)'],
      ['active', 'grace@example.com', 'AWSReservedSSO_ReadOnlyAccess_5f3c1a7e9b2d4c60 (222222222222)'],
      ['active', 'dave (111111111111)', 'ReadOnly (333333333333)'],
      ['active', 'alice (111111111111)', 'OpsAdmin (222222222222)'],
      ['active', 'bob (111111111111)', 'ReadOnly (222222222222)'],
    ]);
  });

  it('report --width fits the table, cutting names with an ellipsis', async () => {
    const run = await runCli(['report', '--now', NOW, '--stale-after', '30', '--width', '100'], { cwd });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(100);
    expect(run.stdout).toContain('…');
    const bad = await runCli(['report', '--width', '20'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('from 40 to 10000');
  });

  it('report --format json gives the stable schema, the cross-account caller resolved', async () => {
    const run = await runCli(['report', '--now', NOW, '--stale-after', '30', '--format', 'json'], { cwd });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.summary).toEqual({ principals: 6, pairs: 9, active: 5, stale: 4, never: 0 });
    expect(report.generatedAt).toBe('2026-02-16T00:00:00.000Z');
    const bob = report.pairs.find((p: { principalName: string }) => p.principalName === 'bob');
    expect(bob).toMatchObject({
      principal: 'arn:aws:iam::111111111111:user/bob',
      role: 'arn:aws:iam::222222222222:role/ReadOnly',
      status: 'active',
      via: ['AssumeRole'],
    });
    expect(JSON.stringify(report)).not.toContain('unresolved:');
  });

  it('report --by principal rolls pairs up per person', async () => {
    const run = await runCli(['report', '--now', NOW, '--stale-after', '30', '--by', 'principal', '--format', 'csv'], {
      cwd,
    });
    expect(run.code).toBe(0);
    const rows = run.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(7);
    const dave = rows.find((row) => row.includes('user/dave'));
    expect(dave).toContain('active');
  });

  it('report --format markdown and csv have one row per pair', async () => {
    const markdown = await runCli(['report', '--now', NOW, '--format', 'markdown'], { cwd });
    expect(markdown.code).toBe(0);
    const rows = markdown.stdout
      .split('\n')
      .filter((line) => line.startsWith('| active') || line.startsWith('| stale'));
    expect(rows).toHaveLength(9);
    const csv = await runCli(['report', '--now', NOW, '--format', 'csv'], { cwd });
    expect(csv.stdout.trimEnd().split('\n')).toHaveLength(10);
  });

  it.each([
    ['table', 'pair', 'STATUS  LAST SWITCH  AGE', 9],
    ['table', 'principal', 'STATUS  LAST SWITCH  AGE', 6],
    ['markdown', 'pair', '| Status | Last switch |', 9],
    ['markdown', 'principal', '| Status | Last switch |', 6],
    ['csv', 'pair', 'principal,principalArn,', 9],
    ['csv', 'principal', 'principal,principalArn,', 6],
  ])('report --format %s --by %s: one row per unit, the same on every run', async (format, by, header, rows) => {
    const args = ['report', '--now', NOW, '--stale-after', '30', '--format', format, '--by', by];
    const run = await runCli(args, { cwd });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(header);
    const body = run.stdout.split(/\r?\n/).filter((line) => /^(\| )?(active|stale) |,(active|stale),/.test(line));
    expect(body).toHaveLength(rows);
    expect((await runCli(args, { cwd })).stdout).toBe(run.stdout);
  });

  it('report --format json holds pairs and principals whatever --by says', async () => {
    const pair = await runCli(['report', '--now', NOW, '--format', 'json'], { cwd });
    const principal = await runCli(['report', '--now', NOW, '--format', 'json', '--by', 'principal'], { cwd });
    expect(principal.stdout).toBe(pair.stdout);
    const json = JSON.parse(pair.stdout);
    expect([json.pairs.length, json.principals.length]).toEqual([9, 6]);
  });

  it('report with the default 90 days calls everyone active', async () => {
    const run = await runCli(['report', '--now', NOW, '--format', 'json'], { cwd });
    expect(JSON.parse(run.stdout).summary).toMatchObject({ active: 9, stale: 0 });
  });

  it('report --fail-on exits 3 only when rows of those statuses exist, and still prints the report', async () => {
    await writeFile(
      join(cwd, 'roster-fail-on.csv'),
      'principal,role,since\narn:aws:iam::111111111111:user/frank,arn:aws:iam::222222222222:role/ReadOnly,2025-06-01\n',
    );
    const report = (...extra: string[]) => runCli(['report', '--now', NOW, '--format', 'json', ...extra], { cwd });
    const stale = await report('--stale-after', '7', '--fail-on', 'stale');
    expect(stale.code).toBe(3);
    expect(JSON.parse(stale.stdout).summary.stale).toBeGreaterThan(0);
    expect(stale.stderr).toMatch(/^--fail-on stale: \d+ rows? found \(exit code 3\)\.\n$/);
    expect((await report('--fail-on', 'stale')).code).toBe(0);
    expect((await report('--fail-on', 'never')).code).toBe(0);
    expect((await report('--fail-on', 'never', '--roster', 'roster-fail-on.csv')).code).toBe(3);
    expect((await report('--fail-on', 'stale,never', '--roster', 'roster-fail-on.csv')).code).toBe(3);
    expect((await report('--fail-on', 'stale,never', '--stale-after', '7')).code).toBe(3);
    expect((await report('--fail-on', 'stale,never')).code).toBe(0);
    expect((await report()).code).toBe(0);
    const bad = await report('--fail-on', 'active');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected stale, never, or stale,never');
  });

  it('report --output writes the file and prints nothing on stdout', async () => {
    const run = await runCli(['report', '--now', NOW, '--format', 'json', '--output', 'out/../report.json'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(JSON.parse(await readFile(join(cwd, 'report.json'), 'utf8')).summary.pairs).toBe(9);
  });

  it('report --roster adds who is allowed but never switched', async () => {
    await writeFile(
      join(cwd, 'roster.csv'),
      'principal,role,since\narn:aws:iam::111111111111:user/frank,arn:aws:iam::222222222222:role/ReadOnly,2025-06-01\n',
    );
    const run = await runCli(['report', '--now', NOW, '--roster', 'roster.csv', '--format', 'json'], { cwd });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.summary.never).toBe(1);
    expect(report.pairs.find((p: { status: string }) => p.status === 'never').principal).toBe(
      'arn:aws:iam::111111111111:user/frank',
    );
  });

  it('a roster that cannot be parsed is bad usage', async () => {
    await writeFile(join(cwd, 'bad.csv'), 'who,what\nx,y\n');
    const run = await runCli(['report', '--roster', 'bad.csv'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the roster bad.csv cannot be used');
  });

  it('iam snapshot --from-file, report --grants and plan: never-used grants, the change that removes them', async () => {
    const details = GAAD_DETAILS;
    await writeFile(join(cwd, 'gaad.json'), JSON.stringify(details));
    const snapshot = await runCli(['iam', 'snapshot', '--from-file', 'gaad.json', '--output', 'iam/identity.json'], {
      cwd,
    });
    expect(snapshot).toMatchObject({ code: 0, stdout: '' });
    expect(snapshot.stderr).toBe(
      'Read 1 user, 0 groups, 0 roles, 0 managed policies from gaad.json (account 111111111111); wrote iam/identity.json\n',
    );
    expect(await readdir(join(cwd, 'iam'))).toEqual(['identity.json']);

    const report = await runCli(['report', '--now', NOW, '--grants', 'iam/identity.json', '--format', 'json'], { cwd });
    expect(report.code).toBe(0);
    const bob = JSON.parse(report.stdout).pairs.filter((p: { principalName: string }) => p.principalName === 'bob');
    expect(bob.map((p: { roleName: string; status: string }) => [p.roleName, p.status]).sort()).toEqual([
      ['OpsAdmin', 'never'],
      ['ReadOnly', 'active'],
    ]);
    // `--grants=FILE` too runs in the whole program (the report bundle has no snapshot readers).
    const joined = await runCli(['report', '--now', NOW, '--grants=iam/identity.json', '--format', 'json'], { cwd });
    expect(joined).toMatchObject({ code: 0, stderr: '' });
    expect(joined.stdout).toBe(report.stdout);

    const plan = await runCli(
      ['plan', '--grants', 'iam/identity.json', '--now', NOW, '--format', 'json', '--output', 'plans/feb/plan.json'],
      { cwd },
    );
    expect(plan).toMatchObject({ code: 0, stdout: '' });
    expect(plan.stderr).toContain('written to plans/feb/plan.json. Nothing was applied.');
    const written = await readFile(join(cwd, 'plans/feb/plan.json'), 'utf8');
    expect(written).toContain('arn:aws:iam::222222222222:role/OpsAdmin');
    expect(written).toContain('switch-prod');
    expect(await readdir(join(cwd, 'plans/feb'))).toEqual(['plan.json']);
  });

  it('an --output path that cannot be written is one usage error, leaving no temporary file', async () => {
    await writeIdentitySnapshot(cwd);
    await writeFile(join(cwd, 'a-file'), 'in the way');
    for (const args of [
      ['report', '--now', NOW, '--output', 'a-file/report.txt'],
      ['plan', '--grants', 'iam/identity.json', '--now', NOW, '--output', 'a-file/plan.md'],
      ['iam', 'snapshot', '--from-file', 'gaad.json', '--output', 'a-file/snap.json'],
    ]) {
      const run = await runCli(args, { cwd });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^lastswitch: error: cannot write the (report|plan|snapshot) to a-file\/\w+\.\w+: /m);
      expect(run.stderr).not.toContain('.tmp');
    }
    expect((await readdir(cwd)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('report into a pipe whose reader stops early (`| head -1`) ends quietly, without a stack trace', async () => {
    const entry = (i: number) =>
      JSON.stringify({
        principal: {
          key: `arn:aws:iam::111111111111:user/u${i}`,
          kind: 'iam-user',
          account: '111111111111',
          name: `u${i}`,
        },
        role: { key: 'arn:aws:iam::222222222222:role/R', account: '222222222222', name: 'R' },
        firstSeen: 1_767_225_600_000,
        lastSeen: 1_767_225_600_000,
        methods: ['AssumeRole'],
        lastEventId: `e${i}`,
      });
    const entries = Array.from({ length: 20_000 }, (_, i) => entry(i)).join(',\n');
    await writeFile(
      join(cwd, 'big.json'),
      `{"format":"lastswitch-ledger","version":1,\n"entries":[\n${entries}\n],\n"aliases":[]}\n`,
    );
    for (const format of ['table', 'json']) {
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [BIN, 'report', '--store', 'file:big.json', '--now', NOW, '--format', format],
          {
            cwd,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stderr = '';
        child.stdout.once('data', () => child.stdout.destroy());
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(run).toEqual({ code: 0, stderr: '' });
    }
  });

  it('report and plan --output refuse to overwrite the ledger file itself', async () => {
    await writeIdentitySnapshot(cwd);
    const before = await readFile(join(cwd, '.lastswitch/ledger.db'));
    for (const args of [
      ['report', '--output', '.lastswitch/ledger.db'],
      ['report', '--output', '.lastswitch/ledger.db-wal'],
      ['plan', '--grants', 'iam/identity.json', '--output', './.lastswitch/../.lastswitch/ledger.db'],
    ]) {
      const run = await runCli([...args, '--now', NOW], { cwd });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^lastswitch: error: --output \S+ is the ledger file itself: refusing to overwrite it/m,
      );
    }
    expect(await readFile(join(cwd, '.lastswitch/ledger.db'))).toEqual(before);
  });

  it('report --output replaces an existing file whole', async () => {
    await writeFile(join(cwd, 'again.md'), 'x'.repeat(100_000));
    const run = await runCli(['report', '--now', NOW, '--format', 'markdown', '--output', 'again.md'], { cwd });
    expect(run.code).toBe(0);
    const text = await readFile(join(cwd, 'again.md'), 'utf8');
    expect(text.startsWith('## lastswitch report')).toBe(true);
    expect(text).not.toContain('xxxx');
  });

  it('--since leaves out files delivered before the day', async () => {
    const other = await fresh();
    const run = await runCli(['scan', SAMPLE_TRAIL, '--since', '2026-02-01'], { cwd: other });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Skipped files: \d+ before --since, 3 digest\./);
    const report = JSON.parse((await runCli(['report', '--now', NOW, '--format', 'json'], { cwd: other })).stdout);
    expect(report.pairs.map((p: { principalName: string }) => p.principalName)).not.toContain('carol');
  });
});

describe('bad files, bad stores', () => {
  it('reads the good files, names each bad one, and exits 1', async () => {
    const cwd = await fresh();
    const good = gzip(logFile(assumeRoleRecord('alice', 'OpsAdmin', '2026-02-01T10:00:00Z', 'e-1')));
    const day = 'trail/AWSLogs/111111111111/CloudTrail/us-east-1/2026/02/01';
    await put(join(cwd, day, logName('20260201', 'good000000000001')), good);
    await put(
      join(cwd, day, logName('20260201', 'corrupt000000001')),
      Buffer.concat([good.subarray(0, 10), Buffer.alloc(64, 7)]),
    );
    await put(join(cwd, day, logName('20260201', 'truncated0000001')), good.subarray(0, Math.floor(good.length / 2)));
    await put(join(cwd, day, logName('20260201', 'empty00000000001')), '');
    await put(
      join(
        cwd,
        'trail/AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/02/01/111111111111_CloudTrail-Digest_us-east-1_t_us-east-1_20260201T130000Z.json.gz',
      ),
      gzip(JSON.stringify({ awsAccountId: '111111111111', logFiles: [] })),
    );
    await put(join(cwd, 'trail/README.txt'), 'not a trail file');
    const run = await runCli(['scan', 'trail'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Read 1 file (0.0 MB): 1 switch, 0 denied attempts.');
    expect(run.stdout).toContain('Skipped files: 1 digest, 1 not a trail file.');
    expect(run.stderr).toContain('Failed: 3 files; the other files were recorded.');
    const failed = run.stderr.split('\n').filter((line) => line.startsWith('  '));
    expect(failed).toHaveLength(3);
    expect(failed[0]).toContain(`${day}/${logName('20260201', 'corrupt000000001')}: `);
    expect(failed[1]).toContain(`${day}/${logName('20260201', 'empty00000000001')}: `);
    expect(failed[2]).toContain(`${day}/${logName('20260201', 'truncated0000001')}: `);
    const report = JSON.parse((await runCli(['report', '--format', 'json', '--now', NOW], { cwd })).stdout);
    expect(report.pairs.map((p: { principalName: string }) => p.principalName)).toEqual(['alice']);
  });

  // Root reads any folder, so as root the CLI runs without the capabilities that bypass file
  // permissions (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH). It stays uid 0, so it can
  // still load the CLI from a checkout in a private folder (`mktemp -d`, /root/...), which `nobody` cannot.
  const asRoot = process.getuid?.() === 0;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
  it.skipIf(process.platform === 'win32' || (asRoot && !setpriv))(
    'a folder it may not read is named like a bad file; every other file is still recorded',
    async () => {
      const cwd = await fresh();
      const good = gzip(logFile(assumeRoleRecord('alice', 'OpsAdmin', '2026-02-01T10:00:00Z', 'e-1')));
      await put(join(cwd, 'trail/a', logName('20260201', 'good000000000001')), good);
      await put(join(cwd, 'trail/b-locked', logName('20260201', 'hidden0000000001')), good);
      await put(join(cwd, 'trail/c', logName('20260202', 'good000000000002')), good);
      await chmod(join(cwd, 'trail/b-locked'), 0o000);
      const command = [BIN, 'scan', 'trail'];
      const env = { PATH: process.env.PATH ?? '', HOME: cwd };
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = asRoot
          ? spawn(
              setpriv as string,
              ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, ...command],
              { cwd, env },
            )
          : spawn(process.execPath, command, { cwd, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      await chmod(join(cwd, 'trail/b-locked'), 0o755);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('Read 2 files');
      expect(run.stdout).toContain('1 principal, 1 pair.');
      expect(run.stderr).toContain('Failed: 1 file; the other files were recorded.');
      expect(run.stderr).toContain('  trail/b-locked/: cannot read the folder (EACCES)');
      expect(run.stderr).not.toContain('lastswitch: error:');
    },
  );

  it('names every malformed record: the first 20 on stderr, then a count; all of them in --format json', async () => {
    const cwd = await fresh();
    const bad = Array.from({ length: 25 }, (_, i) => ({
      ...assumeRoleRecord('alice', 'OpsAdmin', '2026-02-01T10:00:00', `bad-${i}`),
    }));
    await put(
      join(cwd, 'trail', logName('20260201')),
      gzip(logFile(assumeRoleRecord('alice', 'OpsAdmin', '2026-02-01T10:00:00Z', 'e-1'), ...bad)),
    );
    const text = await runCli(['scan', 'trail', '--store', 'file:a.json'], { cwd });
    expect(text.code).toBe(0);
    const all = text.stderr.trimEnd().split('\n');
    const lines = all.slice(all.indexOf('Skipped 25 malformed or too-large records:'));
    expect(lines[0]).toBe('Skipped 25 malformed or too-large records:');
    expect(lines.slice(1, 21).every((l) => l.startsWith(`  trail/${logName('20260201')} record `))).toBe(true);
    expect(lines[1]).toContain('record 1: malformed: AssumeRole bad-0: eventTime');
    expect(lines[20]).toContain('record 20: malformed');
    expect(lines[21]).toBe('  … and 5 more (all of them in `scan --format json`)');
    expect(lines).toHaveLength(22);

    const json = await runCli(['scan', 'trail', '--store', 'file:b.json', '--format', 'json'], { cwd });
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout);
    expect(summary).toMatchObject({
      filesRead: 1,
      switches: 1,
      skippedRecordCounts: { malformed: 25 },
      failures: [],
      ledger: { store: 'file:b.json', principals: 1, pairs: 1 },
    });
    expect(summary.skippedRecords).toHaveLength(25);
    expect(summary.skippedRecords[24]).toMatchObject({
      file: `trail/${logName('20260201')}`,
      index: 25,
      reason: 'malformed',
    });
    expect(json.stderr).toContain('  … and 5 more\n');
  });

  it('reads a file named explicitly whatever its name: NDJSON and lookup-events output', async () => {
    const cwd = await fresh();
    await put(
      join(cwd, 'events.txt'),
      `${JSON.stringify(assumeRoleRecord('bob', 'ReadOnly', '2026-02-02T10:00:00Z', 'e-2'))}\n`,
    );
    await put(
      join(cwd, 'lookup.out'),
      JSON.stringify({
        Events: [
          {
            EventId: 'e-3',
            EventName: 'AssumeRole',
            CloudTrailEvent: JSON.stringify(assumeRoleRecord('carol', 'ReadOnly', '2026-02-03T10:00:00Z', 'e-3')),
          },
        ],
      }),
    );
    const run = await runCli(['scan', 'events.txt', 'lookup.out'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Read 2 files');
    expect(run.stdout).toContain('2 switches');
  });

  it('reads standard input with -, gzip or not', async () => {
    const cwd = await fresh();
    const plain = await runCli(['scan', '-'], {
      cwd,
      input: logFile(assumeRoleRecord('dan', 'ReadOnly', '2026-02-04T10:00:00Z', 'e-4')),
    });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Read 1 file (0.0 MB): 1 switch');
    const zipped = await runCli(['scan', '-'], {
      cwd,
      input: gzip(logFile(assumeRoleRecord('eve', 'ReadOnly', '2026-02-05T10:00:00Z', 'e-5'))),
    });
    expect(zipped.code).toBe(0);
    expect(zipped.stdout).toContain('Ledger sqlite:.lastswitch/ledger.db: 2 principals, 2 pairs.');
    const broken = await runCli(['scan', '-'], { cwd, input: '{"Records":[' });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('  (standard input): ');
  });

  it('report --output creates missing folders', async () => {
    const cwd = await fresh();
    const run = await runCli(['report', '--format', 'csv', '--output', 'reports/2026/feb.csv', '--allow-empty'], {
      cwd,
    });
    expect(run.code).toBe(0);
    expect(await readFile(join(cwd, 'reports/2026/feb.csv'), 'utf8')).toContain('principal,');
  });

  it('a folder without trail files is not an error but says so', async () => {
    const cwd = await fresh();
    await put(join(cwd, 'empty/notes.md'), '# nothing');
    const run = await runCli(['scan', 'empty'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: no CloudTrail files found in empty');
  });

  it('refuses a corrupt store file, with the path, and leaves it as it was', async () => {
    const cwd = await fresh();
    await put(join(cwd, 'ledger.json'), '{"format":"lastswitch-ledger","version":1,"entries":[{"tru');
    await put(
      join(cwd, 'trail', logName('20260201')),
      gzip(logFile(assumeRoleRecord('alice', 'OpsAdmin', '2026-02-01T10:00:00Z', 'e-1'))),
    );
    for (const args of [['scan', 'trail'], ['report']]) {
      const run = await runCli([...args, '--store', 'file:ledger.json'], { cwd });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('lastswitch: error: the ledger file is corrupt');
      expect(run.stderr).not.toContain('LedgerFileError');
      expect(run.stderr).toContain(join(cwd, 'ledger.json'));
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(await readFile(join(cwd, 'ledger.json'), 'utf8')).toBe(
      '{"format":"lastswitch-ledger","version":1,"entries":[{"tru',
    );
    const debug = await runCli(['report', '--store', 'file:ledger.json', '--debug'], { cwd });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain('    at ');
  });

  it('refuses a foreign JSON file as a store', async () => {
    const cwd = await fresh();
    await put(join(cwd, 'package.json'), '{"name":"x"}');
    const run = await runCli(['report', '--store', 'file:package.json'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not a lastswitch ledger file: refusing to read or overwrite it');
  });

  it.each([[['report']], [['report', '--format', 'json']], [['notify', 'slack', '--dry-run']]])(
    '%j on a store that does not exist exits 1 with one line naming it, creating nothing',
    async (args) => {
      const cwd = await fresh();
      for (const store of [undefined, 'file:ledgr.json']) {
        const run = await runCli(store === undefined ? args : [...args, '--store', store], { cwd });
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe(
          `lastswitch: error: there is no ledger at ${store ?? 'sqlite:.lastswitch/ledger.db'}: check --store (or $LASTSWITCH_STORE), run \`lastswitch scan\` first, or pass --allow-empty\n`,
        );
      }
      expect(await readdir(cwd)).toEqual([]);
    },
  );

  it('plan on a store that does not exist exits 1 naming it; --allow-empty counts every grant as never used', async () => {
    const cwd = await fresh();
    const details = {
      UserDetailList: [
        {
          Path: '/',
          UserName: 'bob',
          UserId: 'AIDAEXAMPLEBOB000001',
          Arn: 'arn:aws:iam::111111111111:user/bob',
          CreateDate: '2024-01-01T00:00:00+00:00',
          UserPolicyList: [
            {
              PolicyName: 'switch-prod',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::222222222222:role/X' },
                ],
              },
            },
          ],
          GroupList: [],
          AttachedManagedPolicies: [],
        },
      ],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
    };
    await writeFile(join(cwd, 'gaad.json'), JSON.stringify(details));
    expect((await runCli(['iam', 'snapshot', '--from-file', 'gaad.json', '--output', 'iam.json'], { cwd })).code).toBe(
      0,
    );
    const run = await runCli(['plan', '--grants', 'iam.json', '--store', 'file:ledgr.json'], { cwd });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(
      'lastswitch: error: there is no ledger at file:ledgr.json: check --store (or $LASTSWITCH_STORE), run `lastswitch scan` first, or pass --allow-empty\n',
    );
    const allowed = await runCli(['plan', '--grants', 'iam.json', '--store', 'file:ledgr.json', '--allow-empty'], {
      cwd,
    });
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('every grant counts as never used');
    expect((await readdir(cwd)).sort()).toEqual(['gaad.json', 'iam.json']);
  });

  it('report --allow-empty on a missing store says so plainly and creates nothing', async () => {
    const cwd = await fresh();
    const run = await runCli(['report', '--allow-empty'], { cwd });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'There is no ledger at sqlite:.lastswitch/ledger.db yet. Run `lastswitch scan <folder | s3://bucket/prefix>` first.\n',
    );
    const json = await runCli(['report', '--format', 'json', '--now', NOW, '--allow-empty'], { cwd });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).summary).toEqual({ principals: 0, pairs: 0, active: 0, stale: 0, never: 0 });
    expect(json.stderr).toContain('There is no ledger');
    await expect(readdir(join(cwd, '.lastswitch'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('LASTSWITCH_STORE chooses the store when --store is not given', async () => {
    const cwd = await fresh();
    await put(
      join(cwd, 'trail', logName('20260201')),
      gzip(logFile(assumeRoleRecord('alice', 'OpsAdmin', '2026-02-01T10:00:00Z', 'e-1'))),
    );
    const run = await runCli(['scan', 'trail'], { cwd, env: { LASTSWITCH_STORE: 'file:elsewhere/l.json' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Ledger file:elsewhere/l.json: 1 principal, 1 pair.');
  });
});
