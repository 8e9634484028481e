/**
 * End to end on real local servers: s3rver holds an organisation trail, DynamoDB Local the ledger,
 * and a local webhook server stands in for Slack. The handlers run exactly as in Lambda, minus the
 * environment: clients are injected.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '@lastswitch/core';
import { createLedgerTable, DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import { startWebhookServer, type WebhookServer } from '../../../test/servers/webhook.js';
import {
  createIngestHandler,
  IngestError,
  type IngestResponse,
  type S3BatchResponse,
} from '../src/createIngestHandler.js';
import { createReportHandler, type ReportResult } from '../src/createReportHandler.js';
import { cachedWebhookUrl } from '../src/webhookUrl.js';
import { type LogLine, recordingLogger, startSlowDownServer } from './_helpers.js';
import { batchEvent, s3Event, sqsEvent } from './events.js';
import { corrupt, digest, expected, NOW, ROLES, SESSION_TOKEN, STALE_AFTER_DAYS, trail, USERS } from './orgTrail.js';

const BUCKET = 'org-trail';
const TABLE = 'lastswitch-e2e';

const s3 = new S3Client({ ...s3ClientConfig(inject('s3Endpoint')), maxAttempts: 1 });
const dynamo = new DynamoDBClient({
  endpoint: inject('dynamodbEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const store = new DynamoDBLedgerStore({ client: DynamoDBDocumentClient.from(dynamo), tableName: TABLE });
const logger = recordingLogger();
const ingest = createIngestHandler({ s3, store, logger });
let webhook: WebhookServer;
let report: ReturnType<typeof createReportHandler>;

async function ledger(): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const entry of store.entries()) entries.push(entry);
  return entries.sort((a, b) => `${a.principal.key} ${a.role.key}`.localeCompare(`${b.principal.key} ${b.role.key}`));
}

/** The text people see in the webhook requests from `from` on. */
function postedText(from = 0): string {
  return webhook.requests
    .slice(from)
    .map((r) => r.body)
    .join('\n');
}

function sectionsMentioning(name: string, bodies: string[]): string[] {
  const texts: string[] = [];
  for (const posted of bodies) {
    const body = JSON.parse(posted) as { blocks: { type: string; text?: { text: string } }[] };
    for (const block of body.blocks) if (block.text?.text.includes(name)) texts.push(block.text.text);
  }
  return texts;
}

/** The principals (`*name* · ...`) listed under each group heading of the posted messages. */
function namesByGroup(bodies: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const posted of bodies) {
    const body = JSON.parse(posted) as { blocks: { type: string; text?: { text: string } }[] };
    for (const block of body.blocks) {
      const text = block.type === 'section' ? (block.text?.text ?? '') : '';
      for (const heading of ['Not switched into any role', 'Still switching, but holding roles unused']) {
        if (text.startsWith(`*${heading}`)) {
          current = [];
          groups.set(heading, current);
        }
      }
      if (block.type === 'divider') current = undefined;
      for (const line of text.split('\n')) {
        const end = line.indexOf('* · ');
        if (current && line.startsWith('*') && end > 1) current.push(line.slice(1, end));
      }
    }
  }
  return groups;
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const file of [...Object.values(trail), digest, corrupt]) {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: file.key, Body: file.body, ContentLength: file.body.length }),
    );
  }
  await createLedgerTable(dynamo, TABLE, { pollIntervalMs: 50 });
  webhook = await startWebhookServer();
  report = createReportHandler({
    store,
    staleAfterDays: STALE_AFTER_DAYS,
    webhookUrl: cachedWebhookUrl(async () => webhook.url),
    allowedHosts: [new URL(webhook.url).host],
    now: () => NOW,
    logger,
    delivery: { minIntervalMs: 0 },
  });
});

afterAll(async () => {
  await webhook?.stop();
  s3.destroy();
  dynamo.destroy();
});

/** The three trigger events of the first ingestion. */
const events = {
  s3: s3Event(BUCKET, [trail.erinCaller.key, trail.erinOwner.key, digest.key]),
  sqs: sqsEvent(BUCKET, [trail.frankConsole.key, trail.graceCli.key, trail.heidiOld.key]),
  batch: batchEvent(BUCKET, [trail.heidiDenied.key, trail.ivanConsole.key, trail.ivanCli.key]),
};

/**
 * What the first ingestion of every file and the first report did, set up once before any test:
 * each test only reads it (or checks that something later changes nothing), so tests pass alone
 * and in any order.
 */
const first = {} as {
  s3: IngestResponse;
  sqs: IngestResponse;
  batch: S3BatchResponse;
  ledger: LedgerEntry[];
  logs: LogLine[];
  report: ReportResult;
  posted: string[];
};

beforeAll(async () => {
  first.s3 = await ingest(events.s3);
  first.sqs = await ingest(events.sqs);
  first.batch = (await ingest(events.batch)) as S3BatchResponse;
  first.ledger = await ledger();
  first.logs = [...logger.lines];
  const from = webhook.requests.length;
  first.report = await report({});
  first.posted = webhook.requests.slice(from).map((r) => r.body);
});

describe('ingest → ledger → report, on every trigger kind', () => {
  it('a direct S3 notification: both sides of a cross-account call, digest skipped', () => {
    const result = first.s3;
    expect(result).toMatchObject({ kind: 's3' });
    const files = 'files' in result ? result.files : [];
    expect(files.map((f) => f.status)).toEqual(['ingested', 'ingested', 'skipped']);
    expect(files[2]).toMatchObject({ status: 'skipped', reason: 'CloudTrail digest file' });
  });

  it('an SQS-wrapped S3 event: no failed messages', () => {
    expect(first.sqs).toEqual({ batchItemFailures: [] });
  });

  it('an S3 Batch Operations job: every task Succeeded', () => {
    const event = events.batch;
    const result = first.batch;
    expect(result).toMatchObject({
      invocationSchemaVersion: '2.0',
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: event.invocationId,
    });
    expect(result.results.map((r) => [r.taskId, r.resultCode])).toEqual(
      event.tasks.map((t) => [t.taskId, 'Succeeded']),
    );
  });

  it('the ledger holds one entry per (principal, role), denied attempts and services left out', () => {
    const entries = first.ledger;
    const pairs = entries.map((e) => `${e.principal.name} → ${e.role.name}`);
    expect(pairs.sort()).toEqual(
      [
        'AIDAE2EERIN000000000 → OpsAdmin', // the role-owner side, resolved through erin's alias
        'erin → OpsAdmin',
        'frank → Developer',
        'grace → ReadOnly',
        'heidi → Developer',
        'ivan → Developer',
        'ivan → ReadOnly',
      ].sort(),
    );
    const erin = entries.find((e) => e.principal.name === 'erin');
    expect(erin).toMatchObject({
      principal: { key: `arn:aws:iam::${USERS}:user/erin`, arn: `arn:aws:iam::${USERS}:user/ops/erin` },
      role: { arn: ROLES.prodOpsAdmin },
      lastSeen: Date.parse('2026-06-20T09:00:00Z'),
      methods: ['AssumeRole'],
    });
    expect(entries.find((e) => e.principal.name === 'frank')?.methods).toEqual(['SwitchRole']);
    // heidi's refused attempt on 2026-06-25 is not use: her last switch stays in December.
    expect(entries.find((e) => e.principal.name === 'heidi')?.lastSeen).toBe(Date.parse('2025-12-01T08:00:00Z'));
  });

  it('the per-file logs carry the counts', () => {
    const lines = first.logs.filter((l) => l.message === 'ingested trail file');
    expect(lines).toHaveLength(8);
    const erin = lines.find((l) => l.attributes.key === trail.erinCaller.key);
    expect(erin?.attributes).toMatchObject({ bucket: BUCKET, records: 4, switches: 1, denied: 0, pairs: 1 });
    expect(erin?.attributes.skipped).toMatchObject({ 'service-caller': 1 });
    const heidi = lines.find((l) => l.attributes.key === trail.heidiDenied.key);
    expect(heidi?.attributes).toMatchObject({ records: 2, switches: 0, denied: 1, pairs: 0 });
    expect(first.logs.filter((l) => l.message === 'skipped object')).toHaveLength(1);
  });

  it('the report names exactly the stale principals', () => {
    const result = first.report;
    expect(result.delivered).toBe(result.messages);
    expect(result.messages).toBeGreaterThan(0);
    expect(first.posted).toHaveLength(result.messages);
    expect(result.summary).toEqual({ principals: 5, pairs: 6, active: 2, stale: 4, never: 0 });
    const text = first.posted.join('\n');
    const groups = namesByGroup(first.posted);
    expect(groups.get('Not switched into any role')?.sort()).toEqual([...expected.staleAltogether].sort());
    expect(groups.get('Still switching, but holding roles unused')?.sort()).toEqual([...expected.partlyStale].sort());
    expect([...groups.keys()]).toHaveLength(2);
    for (const name of expected.active) expect(text).not.toContain(name);
    // the role-owner-side record was merged into erin, never shown as an unresolved id
    expect(text).not.toContain('AIDAE2EERIN');
    expect(text).not.toContain('unresolved');
    // ivan is active (DEV console) but has not used PROD ReadOnly: named for that role only
    const ivan = sectionsMentioning('ivan', first.posted).join('\n');
    expect(ivan).toContain('ReadOnly');
    expect(ivan).not.toContain('Developer');
  });

  it('replaying every event changes nothing: every write is held back, same ledger, same report', async () => {
    const before = logger.lines.length;
    await ingest(events.s3);
    await ingest(events.sqs);
    await ingest(events.batch);
    const replayed = logger.lines.slice(before).filter((l) => l.message === 'ingested trail file');
    expect(replayed).toHaveLength(8);
    for (const line of replayed) expect(line.attributes.heldBack).toBe(line.attributes.writes);
    expect(await ledger()).toEqual(first.ledger);
    const from = webhook.requests.length;
    await report({});
    expect(webhook.requests.slice(from).map((r) => r.body)).toEqual(first.posted);
  });
});

describe('a corrupt file among good ones fails only that file, as its trigger requires', () => {
  it('direct S3: the invocation throws naming only the corrupt file, after ingesting the good one', async () => {
    const error = await ingest(s3Event(BUCKET, [corrupt.key, trail.graceCli.key])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IngestError);
    const failures = (error as IngestError).failures;
    expect(failures.map((f) => f.ref.key)).toEqual([corrupt.key]);
    expect(failures[0]).toMatchObject({ retryable: false });
    expect(failures[0]?.reason.startsWith('trail:')).toBe(true);
    expect((error as Error).message).toContain(corrupt.key);
    expect((error as Error).message).not.toContain(trail.graceCli.key);
  });

  it('SQS: batchItemFailures names only the corrupt file’s message', async () => {
    const event = sqsEvent(BUCKET, [trail.graceCli.key, corrupt.key, trail.frankConsole.key]);
    expect(await ingest(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }] });
  });

  it('S3 Batch: PermanentFailure for a corrupt or missing file, Succeeded for the good one', async () => {
    const missing = trail.graceCli.key.replace('Grace', 'Gone');
    const event = batchEvent(BUCKET, [trail.graceCli.key, corrupt.key, missing]);
    const result = (await ingest(event)) as S3BatchResponse;
    expect(result.results.map((r) => r.resultCode)).toEqual(['Succeeded', 'PermanentFailure', 'PermanentFailure']);
    expect(result.results[1]?.resultString).toMatch(/^trail:/);
    expect(result.results[2]?.resultString).toMatch(/^s3:not-found/);
  });

  it('S3 Batch: TemporaryFailure when S3 throttles', async () => {
    const slow = await startSlowDownServer();
    const throttled = new S3Client({ ...s3ClientConfig(slow.endpoint), maxAttempts: 1 });
    try {
      const handler = createIngestHandler({ s3: throttled, store, logger: recordingLogger() });
      const result = (await handler(batchEvent(BUCKET, [trail.graceCli.key]))) as S3BatchResponse;
      expect(slow.requests).toBeGreaterThan(0);
      expect(result.results).toEqual([
        expect.objectContaining({
          resultCode: 'TemporaryFailure',
          resultString: expect.stringMatching(/^s3:throttled/),
        }),
      ]);
    } finally {
      throttled.destroy();
      await slow.stop();
    }
  });

  it('S3 Batch: TemporaryFailure for a file not started because the invocation is about to time out', async () => {
    const result = (await ingest(batchEvent(BUCKET, [trail.graceCli.key]), {
      getRemainingTimeInMillis: () => 3_000,
    })) as S3BatchResponse;
    expect(result.results).toEqual([
      expect.objectContaining({ resultCode: 'TemporaryFailure', resultString: expect.stringMatching(/^timeout/) }),
    ]);
  });

  it('the ledger is still exactly as after the first ingestion: failures wrote nothing', async () => {
    expect(first.ledger).toHaveLength(7);
    expect(await ledger()).toEqual(first.ledger);
  });
});

describe('secrets stay out', () => {
  it('no session token in the table, the logs or Slack; no webhook URL in the logs', async () => {
    const raw = await dynamo.send(new ScanCommand({ TableName: TABLE }));
    expect(raw.Items?.length).toBeGreaterThan(0);
    expect(JSON.stringify(raw.Items)).not.toContain(SESSION_TOKEN);
    const logs = JSON.stringify(logger.lines);
    expect(logs).not.toContain(SESSION_TOKEN);
    expect(logs).not.toContain(new URL(webhook.url).pathname);
    expect(postedText()).not.toContain(SESSION_TOKEN);
  });
});
