import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import { assumeRoleRecord, gzip, logFile, logName, requireBuiltCli, runCli, SAMPLE_TRAIL, tempDir } from './_cli.js';

const NOW = '2026-02-16T00:00:00Z';
const dirs: string[] = [];
const fresh = async () => {
  const dir = await tempDir();
  dirs.push(dir);
  return dir;
};
const FAKE_AWS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

beforeAll(() => requireBuiltCli());
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('scan s3:// against s3rver', () => {
  const endpoint = inject('s3Endpoint');
  const s3 = new S3Client(s3ClientConfig(endpoint));
  const bucket = 'cli-trail-bucket';
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const file of await listFiles(SAMPLE_TRAIL)) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `AWSLogs/${file}`,
          Body: await readFile(join(SAMPLE_TRAIL, file)),
        }),
      );
    }
  });
  afterAll(() => s3.destroy());

  it('lists the prefix with pagination, streams every object, and gives the same ledger as a local scan', async () => {
    const remote = await fresh();
    const local = await fresh();
    const run = await runCli(['scan', `s3://${bucket}/AWSLogs/`], { cwd: remote, env });
    expect(run.stderr).toBe(`Listing s3://${bucket}/AWSLogs/\nScanning 133 files (0.1 MB)\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Read 133 files');
    expect(run.stdout).toContain('Skipped files: 3 digest.');
    expect((await runCli(['scan', SAMPLE_TRAIL], { cwd: local })).code).toBe(0);
    const report = async (cwd: string) =>
      (await runCli(['report', '--now', NOW, '--format', 'json', '--stale-after', '30'], { cwd })).stdout;
    expect(await report(remote)).toBe(await report(local));
  });

  it('--since lists only the day folders from that day on', async () => {
    const cwd = await fresh();
    const run = await runCli(['scan', `s3://${bucket}/AWSLogs/`, '--since', '2026-02-13'], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Read [1-9] files? /);
  });

  it('names a corrupt object by its s3:// URL, records the rest, exits 1', async () => {
    const good = gzip(logFile(assumeRoleRecord('alice', 'OpsAdmin', '2026-02-01T10:00:00Z', 'e-1')));
    const prefix = 'broken/AWSLogs/111111111111/CloudTrail/us-east-1/2026/02/01/';
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${logName('20260201', 'good000000000001')}`, Body: good }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}${logName('20260201', 'truncated0000001')}`,
        Body: good.subarray(0, 20),
      }),
    );
    const cwd = await fresh();
    const run = await runCli(['scan', `s3://${bucket}/broken/`], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Read 1 file');
    expect(run.stderr).toContain(`  s3://${bucket}/${prefix}${logName('20260201', 'truncated0000001')}: `);
  });

  it('a bucket that does not exist fails that source with a clear message, exit 1', async () => {
    const cwd = await fresh();
    const run = await runCli(['scan', 's3://no-such-bucket-here/AWSLogs/'], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('  s3://no-such-bucket-here/AWSLogs/: ');
    expect(run.stderr.toLowerCase()).toContain('bucket');
  });
});

describe('dynamodb: store against DynamoDB Local', () => {
  const env = { ...FAKE_AWS, AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint') };

  it('--create-table creates the table; scan and report give what the file store gives', async () => {
    const cwd = await fresh();
    const store = ['--store', 'dynamodb:cli-ledger'];
    const scan = await runCli(['scan', SAMPLE_TRAIL, ...store, '--create-table'], { cwd, env });
    expect(scan.stderr).toBe('Scanning 133 files (0.1 MB)\n');
    expect(scan.code).toBe(0);
    expect(scan.stdout).toContain('Ledger dynamodb:cli-ledger: ');
    const again = await runCli(['scan', SAMPLE_TRAIL, ...store, '--create-table'], { cwd, env });
    expect(again.code).toBe(0);
    const report = await runCli(['report', ...store, '--now', NOW, '--stale-after', '30', '--format', 'json'], {
      cwd,
      env,
    });
    expect(report.code).toBe(0);
    const local = await fresh();
    await runCli(['scan', SAMPLE_TRAIL], { cwd: local });
    const fileReport = await runCli(['report', '--now', NOW, '--stale-after', '30', '--format', 'json'], {
      cwd: local,
    });
    expect(report.stdout).toBe(fileReport.stdout);
  });

  it('a missing table without --create-table is a one-line error, exit 1, before any file is read', async () => {
    const cwd = await fresh();
    for (const args of [['report'], ['scan', SAMPLE_TRAIL], ['notify', 'slack', '--dry-run']]) {
      const run = await runCli([...args, '--store', 'dynamodb:no-such-table'], { cwd, env });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('no-such-table');
      expect(run.stderr).toContain('--create-table` creates it');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('lazy AWS SDK', () => {
  it('the built CLI imports the AWS SDK only dynamically (a local scan starts fast)', async () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    // bin.js answers --version by itself and loads the program (commands; `scan` or `report` alone: scanProgram.js, reportProgram.js)
    // with one dynamic import.
    const bin = await readFile(join(dist, 'bin.js'), 'utf8');
    for (const program of ['program', 'scanProgram', 'reportProgram']) {
      expect(bin).toContain(`new URL("./${program}.js",import.meta.url)`);
    }
    // What each built entry imports statically, as esbuild reads it.
    const { metafile } = await build({
      entryPoints: ['bin.js', 'program.js', 'scanProgram.js', 'reportProgram.js', 'scanWorker.js'].map((file) =>
        join(dist, file),
      ),
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outdir: join(dist, 'unused'),
      logLevel: 'silent',
    });
    // A report without --grants (what bin.js loads reportProgram.js for) reads no snapshot.
    const reportProgram = await readFile(join(dist, 'reportProgram.js'), 'utf8');
    expect(reportProgram).not.toContain('lastswitch.authorization-snapshot');
    expect(reportProgram).toContain('report --grants runs in program.js');
    expect(await readFile(join(dist, 'program.js'), 'utf8')).toContain('lastswitch.authorization-snapshot');
    const staticImports = Object.values(metafile.inputs).flatMap((input) =>
      input.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path),
    );
    expect(staticImports).toContain('better-sqlite3');
    // Core, zod and commander are bundled (one file to load, not zod's hundred); the SDK and the
    // adapters built on it are only imported dynamically.
    expect(
      staticImports.filter((s) => s.startsWith('@lastswitch/') || s.startsWith('zod') || s === 'commander'),
    ).toEqual([]);
    expect(
      staticImports.filter(
        (s) =>
          s.startsWith('@aws-sdk/') ||
          s.startsWith('@lastswitch/store-dynamodb') ||
          s.startsWith('@lastswitch/source-s3'),
      ),
    ).toEqual([]);
  });
});
