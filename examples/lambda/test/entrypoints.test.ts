/**
 * The entry points Lambda runs (`ingest.handler`, `report.handler`), configured only through the
 * environment, from the sources and from the one-file bundles.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLedgerTable, DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { MOTO_SETUP_MS, type MotoServer, startMoto } from '../../../test/servers/moto.js';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import { startWebhookServer, type WebhookServer } from '../../../test/servers/webhook.js';
import type { ConfigError } from '../src/config.js';
import { createIngestHandler } from '../src/createIngestHandler.js';
import { lambdaContext } from './_helpers.js';
import { sqsEvent } from './events.js';
import { SESSION_TOKEN, trail } from './orgTrail.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('..', import.meta.url));
const BUCKET = 'entrypoints';
const TABLE = 'lastswitch-entrypoints';
// DynamoDB Local keeps one database per access key: the handlers and this test use the same one.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const s3 = new S3Client(s3ClientConfig(inject('s3Endpoint')));
const dynamo = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials });
const store = new DynamoDBLedgerStore({ client: DynamoDBDocumentClient.from(dynamo), tableName: TABLE });
let webhook: WebhookServer;

/** The environment Lambda would give, pointed at the local servers. */
function lambdaEnv(extra: Record<string, string>): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: inject('s3Endpoint'),
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  vi.restoreAllMocks();
});

/** Imports an entry point afresh (a cold start) with this environment. */
async function coldStart<T>(module: string, env: Record<string, string>): Promise<T> {
  vi.resetModules();
  Object.assign(process.env, env);
  return (await import(module)) as T;
}

/** Records what the handlers write to stdout and stderr (Powertools writes errors to stderr). */
function captureStdout(): string[] {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof stream.write);
  }
  return lines;
}

async function entries(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.entries()) out.push(`${e.principal.name} → ${e.role.name}`);
  return out.sort();
}

/** Puts frank's switch in the ledger (idempotent), for the tests that report on it in any order. */
async function ledgerWithFrank(): Promise<void> {
  const ingest = createIngestHandler({ s3, store });
  expect(await ingest(sqsEvent(BUCKET, [trail.frankConsole.key]))).toEqual({ batchItemFailures: [] });
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const file of [trail.frankConsole, trail.graceCli]) {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: file.key, Body: file.body, ContentLength: file.body.length }),
    );
  }
  await createLedgerTable(dynamo, TABLE, { pollIntervalMs: 50 });
  webhook = await startWebhookServer();
});

afterAll(async () => {
  await webhook?.stop();
  s3.destroy();
  dynamo.destroy();
});

describe('entry points from the environment', () => {
  it('a missing variable fails the cold start with a ConfigError naming it', async () => {
    delete process.env.LEDGER_TABLE;
    const error = await coldStart('../src/ingest.js', {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).variable).toBe('LEDGER_TABLE');
  });

  it('ingest.handler reads an SQS batch into the table and logs JSON lines with counts', async () => {
    const stdout = captureStdout();
    const { handler } = await coldStart<typeof import('../src/ingest.js')>(
      '../src/ingest.js',
      lambdaEnv({ LEDGER_TABLE: TABLE, S3_FORCE_PATH_STYLE: 'true' }),
    );
    const context = lambdaContext();
    expect(await handler(sqsEvent(BUCKET, [trail.frankConsole.key]), context)).toEqual({ batchItemFailures: [] });
    expect(await entries()).toContain('frank → Developer');
    const logs = stdout
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ingested = logs.find((l) => l.message === 'ingested trail file');
    expect(ingested).toMatchObject({
      level: 'INFO',
      service: 'lastswitch-ingest',
      bucket: BUCKET,
      key: trail.frankConsole.key,
      records: 1,
      switches: 1,
      // logger.addContext: every line names the invocation.
      function_request_id: context.awsRequestId,
    });
    expect(stdout.join('')).not.toContain(SESSION_TOKEN);
  });

  it('report.handler posts to the webhook from SLACK_WEBHOOK_URL and never logs the URL', async () => {
    await ledgerWithFrank();
    const stdout = captureStdout();
    const { handler } = await coldStart<typeof import('../src/report.js')>(
      '../src/report.js',
      lambdaEnv({
        LEDGER_TABLE: TABLE,
        STALE_AFTER_DAYS: '30',
        SLACK_WEBHOOK_URL: webhook.url,
        SLACK_ALLOWED_HOSTS: new URL(webhook.url).host,
        REPORT_TITLE: 'Unused AWS roles (test)',
      }),
    );
    const from = webhook.requests.length;
    const result = await handler({}, lambdaContext());
    expect(result.delivered).toBe(1);
    expect(webhook.requests.slice(from)).toHaveLength(1);
    expect(webhook.requests[from]?.body).toContain('Unused AWS roles (test)');
    expect(webhook.requests[from]?.body).toContain('frank');
    expect(stdout.join('')).toContain('report delivered');
    expect(stdout.join('')).not.toContain(new URL(webhook.url).pathname);
  });

  it('report.handler fails the invocation when Slack refuses the message, without leaking the URL', async () => {
    const stdout = captureStdout();
    webhook.respondWith(() => ({ status: 400, body: 'invalid_payload' }));
    try {
      const { handler } = await coldStart<typeof import('../src/report.js')>(
        '../src/report.js',
        lambdaEnv({
          LEDGER_TABLE: TABLE,
          SLACK_WEBHOOK_URL: webhook.url,
          SLACK_ALLOWED_HOSTS: new URL(webhook.url).host,
        }),
      );
      const error = await handler({}, lambdaContext()).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.name).toBe('ReportIncompleteError');
      expect((error?.cause as Error | undefined)?.name).toBe('SlackDeliveryError');
      expect(error?.message).toContain('invalid_payload');
      expect(error?.message).not.toContain(new URL(webhook.url).pathname);
      expect(stdout.join('')).toContain('report delivery failed');
      expect(stdout.join('')).toContain('invalid_payload');
      expect(stdout.join('')).not.toContain(new URL(webhook.url).pathname);
    } finally {
      webhook.respondWith(undefined);
    }
  });
});

describe('report.handler with the webhook URL in SSM', () => {
  let moto: MotoServer;
  let ssm: SSMClient;
  const NAME = '/lastswitch/entrypoint-webhook';
  const env = () =>
    lambdaEnv({
      LEDGER_TABLE: TABLE,
      SLACK_WEBHOOK_SSM_PARAMETER: NAME,
      SLACK_ALLOWED_HOSTS: new URL(webhook.url).host,
      AWS_ENDPOINT_URL_SSM: moto.endpoint,
    });
  beforeAll(async () => {
    moto = await startMoto({ awsManagedPolicies: false });
    ssm = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  }, MOTO_SETUP_MS);
  afterAll(async () => {
    ssm?.destroy();
    await moto?.stop();
  });

  it('reads the parameter once per cold start, and never logs the URL', async () => {
    const stdout = captureStdout();
    const first = webhook.url;
    const rotated = `${webhook.origin}/services/T000/B000/ROTATEDSECRET`;
    await ssm.send(new PutParameterCommand({ Name: NAME, Type: 'SecureString', Value: first, Overwrite: true }));
    const { handler } = await coldStart<typeof import('../src/report.js')>('../src/report.js', env());
    const from = webhook.requests.length;
    await handler({}, lambdaContext());
    await ssm.send(new PutParameterCommand({ Name: NAME, Type: 'SecureString', Value: rotated, Overwrite: true }));
    await handler({}, lambdaContext());
    // The same container keeps the URL it read; a new one reads the parameter again.
    const again = await coldStart<typeof import('../src/report.js')>('../src/report.js', env());
    await again.handler({}, lambdaContext());
    expect(webhook.requests.slice(from).map((r) => r.path)).toEqual([
      new URL(first).pathname,
      new URL(first).pathname,
      new URL(rotated).pathname,
    ]);
    const logged = stdout.join('');
    expect(logged).toContain('report delivered');
    expect(logged).not.toContain(new URL(first).pathname);
    expect(logged).not.toContain('ROTATEDSECRET');
  });
});

describe('the one-file bundles', () => {
  let outDir: string;
  beforeAll(async () => {
    // Inside the package, so the bundle resolves the AWS SDK like the Lambda runtime provides it.
    outDir = await mkdtemp(join(here, 'node_modules', '.bundle-test-'));
    await run('npx', ['tsup', '--out-dir', outDir], { cwd: here });
  }, 120_000);
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('are one .mjs per handler that import nothing but Node built-ins and the AWS SDK', async () => {
    const files = (await readdir(outDir)).filter((f) => !f.endsWith('.map')).sort();
    expect(files).toEqual(['ingest.mjs', 'report.mjs']);
    for (const file of files) {
      const code = await readFile(join(outDir, file), 'utf8');
      const imports = new Set<string>();
      // Static and side-effect imports (at line start, not in doc comments), dynamic imports, require() calls.
      const patterns = /^import\s+(?:[^;]*?\s+from\s+)?["']([^"']+)["']|\b(?:import|require)\(\s*"([^"]+)"\s*\)/gm;
      for (const match of code.matchAll(patterns)) {
        imports.add((match[1] ?? match[2]) as string);
      }
      expect(imports.size).toBeGreaterThan(0);
      for (const name of imports) {
        expect(isBuiltin(name) || name.startsWith('@aws-sdk/'), `${file} imports ${name}`).toBe(true);
      }
    }
  });

  it('ingest.mjs runs in a plain Node process with only the environment', async () => {
    const script = `
      const { handler } = await import(${JSON.stringify(join(outDir, 'ingest.mjs'))});
      const context = { awsRequestId: 'bundle-test', functionName: 'ingest', getRemainingTimeInMillis: () => 300000 };
      const result = await handler(${JSON.stringify(sqsEvent(BUCKET, [trail.graceCli.key]))}, context);
      process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: here,
      env: { ...process.env, ...lambdaEnv({ LEDGER_TABLE: TABLE, S3_FORCE_PATH_STYLE: 'true' }) },
    });
    const result = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse(result?.slice(7) ?? 'null')).toEqual({ batchItemFailures: [] });
    expect(await entries()).toContain('grace → ReadOnly');
  });
});
