/** The ingest handler on every trigger kind, against s3rver with core's in-memory ledger. */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MemoryLedgerStore } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import {
  createIngestHandler,
  IngestError,
  type IngestSummary,
  type S3BatchResponse,
} from '../src/createIngestHandler.js';
import { recordingLogger } from './_helpers.js';
import { batchEvent, encodeKey, s3Event, sqsEvent } from './events.js';
import { corrupt, digest, trail } from './orgTrail.js';

const BUCKET = 'triggers';
const s3 = new S3Client({ ...s3ClientConfig(inject('s3Endpoint')), maxAttempts: 1 });

function handler() {
  const store = new MemoryLedgerStore();
  const logger = recordingLogger();
  return { store, logger, ingest: createIngestHandler({ s3, store, logger }) };
}

async function principals(store: MemoryLedgerStore): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of store.entries()) names.push(entry.principal.name);
  return names.sort();
}

function sns(message: string) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:eu-west-1:111111111111:cloudtrail:0e2e',
        Sns: {
          Type: 'Notification',
          MessageId: '0e2e0000-0000-4000-8000-00000000005a',
          TopicArn: 'arn:aws:sns:eu-west-1:111111111111:cloudtrail',
          Subject: null,
          Message: message,
          Timestamp: '2026-06-30T11:00:00.000Z',
          SignatureVersion: '1',
          Signature: 'e2e',
          SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/cert.pem',
          UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

function eventBridge(key: string) {
  return {
    version: '0',
    id: '0e2e0000-0000-4000-8000-0000000000eb',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111111111111',
    time: '2026-06-30T11:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: BUCKET },
      object: { key, size: 1024, etag: '0123', sequencer: '00' },
      'request-id': 'E2E',
      requester: '111111111111',
      reason: 'PutObject',
    },
  };
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const file of [trail.frankConsole, trail.graceCli, trail.ivanCli, digest, corrupt]) {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: file.key, Body: file.body, ContentLength: file.body.length }),
    );
  }
});
afterAll(() => s3.destroy());

describe('ingest on every trigger kind', () => {
  it("SNS with CloudTrail's own notification (several keys, not URL-encoded)", async () => {
    const { store, ingest } = handler();
    const message = JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [trail.frankConsole.key, trail.graceCli.key] });
    const result = (await ingest(sns(message))) as IngestSummary;
    expect(result.kind).toBe('sns');
    expect(result.files.map((f) => f.status)).toEqual(['ingested', 'ingested']);
    expect(await principals(store)).toEqual(['frank', 'grace']);
  });

  it("SNS: CloudTrail's validation message is logged and ignored", async () => {
    const { store, logger, ingest } = handler();
    const result = (await ingest(sns('CloudTrail validation message.'))) as IngestSummary;
    expect(result.files).toEqual([]);
    expect(result.ignored).toEqual([{ code: 'validation-message', reason: 'CloudTrail validation message.' }]);
    expect(logger.lines.find((l) => l.message === 'ignored trigger item')).toBeDefined();
    expect(await principals(store)).toEqual([]);
  });

  it('SNS wrapping an S3 event', async () => {
    const { store, ingest } = handler();
    await ingest(sns(JSON.stringify(s3Event(BUCKET, [trail.ivanCli.key]))));
    expect(await principals(store)).toEqual(['ivan']);
  });

  it('EventBridge "Object Created"', async () => {
    const { store, ingest } = handler();
    const result = (await ingest(eventBridge(trail.graceCli.key))) as IngestSummary;
    expect(result.kind).toBe('eventbridge');
    expect(await principals(store)).toEqual(['grace']);
  });

  it('EventBridge: a corrupt file fails the invocation', async () => {
    const { ingest } = handler();
    await expect(ingest(eventBridge(corrupt.key))).rejects.toBeInstanceOf(IngestError);
  });

  it('S3 Batch Operations schema 1.0 (bucket ARN, version id)', async () => {
    const { store, ingest } = handler();
    const event = {
      invocationSchemaVersion: '1.0',
      invocationId: 'aW52b2NhdGlvbg',
      job: { id: 'f3cc4f60-61f6-4a2b-8a21-d07600c373ce' },
      tasks: [
        { taskId: 'dGFzazE', s3Key: trail.frankConsole.key, s3VersionId: null, s3BucketArn: `arn:aws:s3:::${BUCKET}` },
        { taskId: 'dGFzazI', s3Key: digest.key, s3VersionId: null, s3BucketArn: `arn:aws:s3:::${BUCKET}` },
      ],
    };
    const result = (await ingest(event)) as S3BatchResponse;
    expect(result).toEqual({
      invocationSchemaVersion: '1.0',
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: 'aW52b2NhdGlvbg',
      results: [
        { taskId: 'dGFzazE', resultCode: 'Succeeded', resultString: 'ingested: 1 switches, 1 pairs' },
        { taskId: 'dGFzazI', resultCode: 'Succeeded', resultString: 'skipped: CloudTrail digest file' },
      ],
    });
    expect(await principals(store)).toEqual(['frank']);
  });

  it('S3 Batch: a task without a bucket fails permanently, with the reason', async () => {
    const { ingest } = handler();
    const result = (await ingest({
      invocationSchemaVersion: '2.0',
      invocationId: 'aW52',
      tasks: [{ taskId: 't1', s3Key: trail.graceCli.key, s3VersionId: null }],
    })) as S3BatchResponse;
    expect(result.results).toEqual([
      { taskId: 't1', resultCode: 'PermanentFailure', resultString: 'task without a bucket' },
    ]);
  });

  it('S3 test event: nothing to do, no error', async () => {
    const { ingest } = handler();
    expect(await ingest({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET })).toMatchObject({
      kind: 's3',
      files: [],
      ignored: [{ code: 'test-event', reason: 's3:TestEvent' }],
    });
  });

  it('a non-log key is skipped with a log line, not read and not failed', async () => {
    const { logger, ingest } = handler();
    const key = 'AWSLogs/README.txt';
    const result = (await ingest(s3Event(BUCKET, [key]))) as IngestSummary;
    expect(result.files).toEqual([expect.objectContaining({ status: 'skipped', reason: 'not a CloudTrail log file' })]);
    expect(logger.lines.find((l) => l.message === 'skipped object')?.attributes).toMatchObject({ key });
  });

  it('SQS: a test event is acknowledged; an unreadable message goes back (to the DLQ eventually)', async () => {
    const { ingest } = handler();
    const event = sqsEvent(BUCKET, [trail.graceCli.key, trail.frankConsole.key, trail.ivanCli.key]);
    const [good, test, junk] = event.Records as [
      (typeof event.Records)[0],
      (typeof event.Records)[0],
      (typeof event.Records)[0],
    ];
    test.body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET });
    junk.body = 'not json at all';
    expect(good.body).toContain('Grace');
    expect(await ingest(event)).toEqual({ batchItemFailures: [{ itemIdentifier: junk.messageId }] });
  });

  it('SQS: a message naming a missing key fails only that message', async () => {
    const { store, ingest } = handler();
    const event = sqsEvent(BUCKET, [trail.graceCli.key, trail.graceCli.key.replace('Grace', 'Nobody')]);
    expect(await ingest(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }] });
    expect(await principals(store)).toEqual(['grace']);
  });

  it('SQS: a message carrying several S3 records fails when any of its files fails, and only that message', async () => {
    const { store, ingest } = handler();
    const event = sqsEvent(BUCKET, [trail.frankConsole.key, trail.ivanCli.key]);
    const [mixed, good] = event.Records as [(typeof event.Records)[0], (typeof event.Records)[0]];
    mixed.body = JSON.stringify(s3Event(BUCKET, [trail.graceCli.key, corrupt.key]));
    expect(good.body).toContain('Ivan');
    expect(await ingest(event)).toEqual({ batchItemFailures: [{ itemIdentifier: mixed.messageId }] });
    // The good file of the failed message is still read (replaying it later changes nothing).
    expect(await principals(store)).toEqual(['grace', 'ivan']);
  });

  it('SQS: a message whose S3 record has an undecodable key goes back, the others do not', async () => {
    const { logger, ingest } = handler();
    const event = sqsEvent(BUCKET, [trail.graceCli.key, trail.frankConsole.key]);
    const broken = event.Records[1] as (typeof event.Records)[0];
    broken.body = broken.body.replace('Frank', '%E0%A4%A');
    expect(await ingest(event)).toEqual({ batchItemFailures: [{ itemIdentifier: broken.messageId }] });
    expect(logger.lines.find((l) => l.message === 'unreadable trigger item')?.level).toBe('error');
  });

  it.each([
    ['direct S3', (key: string) => s3Event(BUCKET, [trail.graceCli.key, key])],
    ['SNS-wrapped S3', (key: string) => sns(JSON.stringify(s3Event(BUCKET, [trail.graceCli.key, key])))],
  ])('%s: a record with an undecodable key fails the invocation instead of being dropped', async (_name, make) => {
    const { store, ingest } = handler();
    const event = make(trail.frankConsole.key);
    const text = JSON.stringify(event).replace('Frank', '%E0%A4%A');
    await expect(ingest(JSON.parse(text))).rejects.toThrow(/undecodable key/);
    expect(await principals(store)).toEqual(['grace']);
  });

  it('an event that is no trigger at all fails loudly', async () => {
    const { ingest } = handler();
    await expect(ingest({ hello: 'world' })).rejects.toThrow(/trigger|event/i);
    await expect(ingest(null)).rejects.toThrow();
  });

  it('reads the current version unless told to use the version id (which needs s3:GetObjectVersion)', async () => {
    const sent: (string | undefined)[] = [];
    const client = new S3Client({ ...s3ClientConfig(inject('s3Endpoint')), maxAttempts: 1 });
    client.middlewareStack.add(
      (next) => async (args) => {
        sent.push((args.input as { VersionId?: string }).VersionId);
        return next(args);
      },
      { step: 'initialize', name: 'recordVersionId' },
    );
    const event = s3Event(BUCKET, [trail.graceCli.key]);
    (event.Records[0]?.s3.object as { versionId?: string }).versionId = 'v3sion.1';
    try {
      await createIngestHandler({ s3: client, store: new MemoryLedgerStore() })(event);
      await createIngestHandler({ s3: client, store: new MemoryLedgerStore(), useVersionId: true })(event);
    } finally {
      client.destroy();
    }
    expect(sent).toEqual([undefined, 'v3sion.1']);
  });

  it('files are read with bounded concurrency, each logged once', async () => {
    const store = new MemoryLedgerStore();
    const logger = recordingLogger();
    const ingest = createIngestHandler({ s3, store, logger, concurrency: 3 });
    const keys = [trail.frankConsole.key, trail.graceCli.key, trail.ivanCli.key, corrupt.key, digest.key];
    await expect(ingest(s3Event(BUCKET, keys))).rejects.toThrow(/1 of 5 trail files failed/);
    expect(logger.lines.filter((l) => l.message === 'ingested trail file')).toHaveLength(3);
    expect(logger.lines.filter((l) => l.message === 'trail file failed')).toHaveLength(1);
    expect(await principals(store)).toEqual(['frank', 'grace', 'ivan']);
  });
});

describe('DynamoDB writes that do not land fail only their file', () => {
  it('SQS: the file whose pairs stay throttled is the one failed message; the other file is stored', async () => {
    const { startFlakyProxy } = await import('../../../packages/store-dynamodb/test/_flakyProxy.js');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const { createLedgerTable, DynamoDBLedgerStore } = await import('@lastswitch/store-dynamodb');
    const endpoint = inject('dynamodbEndpoint');
    // Every write of Grace's pairs is throttled; everything else is forwarded.
    const proxy = await startFlakyProxy(endpoint, (operation, _seen, body) =>
      operation === 'UpdateItem' && body.toLowerCase().includes('grace')
        ? { type: 'ThrottlingException', status: 400 }
        : undefined,
    );
    const base = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const client = DynamoDBDocumentClient.from(base);
    try {
      const tableName = `ingest-partial-${Date.now().toString(36)}`;
      await createLedgerTable(base, tableName, { pollIntervalMs: 50 });
      const store = new DynamoDBLedgerStore({ client, tableName, retryDelayMs: 0, consistentRead: true });
      const logger = recordingLogger();
      const ingest = createIngestHandler({ s3, store, logger });
      const event = sqsEvent(BUCKET, [trail.frankConsole.key, trail.graceCli.key]);
      expect(await ingest(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }] });
      const failed = logger.lines.filter((l) => l.message === 'trail file failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]?.attributes).toMatchObject({
        key: trail.graceCli.key,
        reason: 'dynamodb:ThrottlingException',
        notLanded: 2,
      });
      const names: string[] = [];
      for await (const entry of store.entries()) names.push(entry.principal.name);
      expect(names.sort()).toEqual(['frank']);
    } finally {
      base.destroy();
      await proxy.close();
    }
  });
});

describe('a key with spaces, +, % and unicode reaches the same file on every trigger kind', () => {
  const KEY =
    'odd prefix/a+b%c/AWSLogs/111111111111/CloudTrail/eu-west-1/2026/06/30/111111111111_CloudTrail_eu-west-1_20260630T1100Z_café ü+%.json.gz';
  // A decodable one, so an encoded EventBridge key has a URL-decoded reading to fall back to.
  const DECODABLE =
    'odd prefix/a+b/AWSLogs/111111111111/CloudTrail/eu-west-1/2026/06/30/111111111111_CloudTrail_eu-west-1_20260630T1100Z_café ü+.json.gz';

  beforeAll(async () => {
    for (const key of [KEY, DECODABLE]) {
      const body = trail.frankConsole.body;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentLength: body.length }));
    }
  });

  it.each([
    ['direct S3 (encoded)', () => s3Event(BUCKET, [KEY])],
    ['SQS-wrapped S3 (encoded)', () => sqsEvent(BUCKET, [KEY])],
    ['SNS-wrapped S3 (encoded)', () => sns(JSON.stringify(s3Event(BUCKET, [KEY])))],
    ["SNS with CloudTrail's message (as it is)", () => sns(JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [KEY] }))],
    ['S3 Batch Operations (encoded)', () => batchEvent(BUCKET, [KEY])],
    ['EventBridge (as it is)', () => eventBridge(KEY)],
    ['EventBridge with a decodable key as it is', () => eventBridge(DECODABLE)],
    [
      'EventBridge with the key encoded after all (read through its decoded form)',
      () => eventBridge(encodeKey(DECODABLE)),
    ],
  ])('%s', async (_name, event) => {
    const { store, logger, ingest } = handler();
    const result = await ingest(event());
    if ('batchItemFailures' in result) expect(result.batchItemFailures).toEqual([]);
    if ('results' in result) expect(result.results.map((r) => r.resultCode)).toEqual(['Succeeded']);
    expect(await principals(store)).toEqual(['frank']);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('an EventBridge key that exists neither as given nor decoded fails as not found', async () => {
    const { ingest } = handler();
    const error = await ingest(eventBridge(encodeKey(DECODABLE.replace('café', 'cafe')))).then(
      () => undefined,
      (e: unknown) => e as IngestError,
    );
    expect(error).toBeInstanceOf(IngestError);
    expect(error?.failures[0]?.reason).toBe('s3:not-found');
  });
});
