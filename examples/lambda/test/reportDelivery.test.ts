/**
 * Each scheduled report is posted once: delivery records in the ledger table (DynamoDB Local), the
 * local Slack stand-in, and Lambda's retry of the same event.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { foldSwitches, type RoleSwitch } from '@lastswitch/core';
import { createLedgerTable, DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../../test/servers/webhook.js';
import { createReportHandler, ReportIncompleteError } from '../src/createReportHandler.js';
import { DynamoDBDeliveryLog } from '../src/DynamoDBDeliveryLog.js';
import { lambdaContext, recordingLogger } from './_helpers.js';

const TABLE = 'lastswitch-report-delivery';
const NOW = Date.parse('2026-12-07T08:00:00Z');
const DAY = 86_400_000;
const PRINCIPALS = 6;
const ROLES = 20;
const dynamo = new DynamoDBClient({
  endpoint: inject('dynamodbEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'delivery', secretAccessKey: 'delivery' },
});
const client = DynamoDBDocumentClient.from(dynamo);
const store = new DynamoDBLedgerStore({ client, tableName: TABLE });
const deliveries = new DynamoDBDeliveryLog({ client, tableName: TABLE, now: () => NOW });
let webhook: WebhookServer;

/** An EventBridge scheduled event; every test gets its own scheduled time, so runs never share records. */
let minute = 0;
function scheduledEvent(): { time: string; 'detail-type': string; source: string } {
  minute += 1;
  const time = new Date(NOW + minute * 60_000).toISOString().replace('.000Z', 'Z');
  return { time, 'detail-type': 'Scheduled Event', source: 'aws.events' };
}

function handler(options: { reserveMs?: number } = {}) {
  return createReportHandler({
    store,
    staleAfterDays: 90,
    webhookUrl: async () => webhook.url,
    allowedHosts: [new URL(webhook.url).host],
    // Three blocks a message: one principal each, so the report takes many messages.
    slack: { maxBlocksPerMessage: 3 },
    delivery: { minIntervalMs: 0, maxRetries: 0 },
    deliveries,
    logger: recordingLogger(),
    ...options,
  });
}

/** The "(i/n)" numbering of each message Slack accepted, in order. */
function accepted(from: number, refusedIndexes: ReadonlySet<number> = new Set()): string[] {
  return webhook.requests
    .slice(from)
    .filter((_request, index) => !refusedIndexes.has(index))
    .map((request) => /\((\d+\/\d+)\)/.exec(JSON.parse(request.body).blocks[0].text.text)?.[1] ?? '?');
}

beforeAll(async () => {
  await createLedgerTable(dynamo, TABLE, { pollIntervalMs: 50 });
  // Six principals with twenty long-named roles each: every principal fills a section of its own.
  const switches: RoleSwitch[] = Array.from({ length: PRINCIPALS * ROLES }, (_, i) => {
    const name = `Role-${String(i % ROLES).padStart(2, '0')}-${'WithAVeryLongDescriptiveName'.repeat(3)}`;
    const user = `stale${Math.floor(i / ROLES)}`;
    return {
      principal: {
        key: `arn:aws:iam::111111111111:user/${user}`,
        kind: 'iam-user',
        account: '111111111111',
        name: user,
      },
      role: {
        key: `arn:aws:iam::222222222222:role/${name}`,
        account: '222222222222',
        name,
        arn: `arn:aws:iam::222222222222:role/${name}`,
      },
      at: NOW - 200 * DAY,
      method: 'AssumeRole',
      eventId: `e${i}`,
    };
  });
  await store.apply(foldSwitches(switches), []);
  webhook = await startWebhookServer();
});

beforeEach(() => webhook.respondWith(undefined));

afterAll(async () => {
  await webhook?.stop();
  dynamo.destroy();
});

describe('a scheduled report is posted once, however often Lambda retries it', () => {
  it('fails at message k of n; the retry posts k..n, each once, none repeated', async () => {
    const event = scheduledEvent();
    const from = webhook.requests.length;
    const k = 3;
    // Slack refuses the k-th post of the first invocation.
    webhook.respondWith((_request, index) => (index === from + k - 1 ? { status: 500, body: 'oops' } : undefined));
    const report = handler();
    const error = await report(event, lambdaContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReportIncompleteError);
    expect((error as ReportIncompleteError).nextIndex).toBe(k - 1);
    const n = (error as ReportIncompleteError).total;
    expect(n).toBeGreaterThan(k + 1);
    expect(webhook.requests.length - from).toBe(k);

    // Lambda's async retry: the same event, a new invocation (even a new container).
    const retried = await handler()(event, lambdaContext());
    expect(retried).toMatchObject({
      messages: n,
      delivered: n - k + 1,
      skipped: k - 1,
      run: new Date(event.time).toISOString(),
    });
    const numbering = Array.from({ length: n }, (_, i) => `${i + 1}/${n}`);
    expect(accepted(from, new Set([k - 1]))).toEqual(numbering);

    // A third invocation of the same schedule time posts nothing at all.
    const count = webhook.requests.length;
    expect(await handler()(event, lambdaContext())).toMatchObject({ delivered: 0, skipped: n });
    expect(webhook.requests).toHaveLength(count);
  });

  it('stops before the remaining time runs out, and the retry continues where it stopped', async () => {
    const event = scheduledEvent();
    const from = webhook.requests.length;
    // Each check of the remaining time finds 15 s less: after 3 messages less than 20 s are left.
    const remaining = [60_000, 45_000, 30_000, 15_000];
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => remaining.shift() ?? 0 };
    const error = await handler()(event, context).then(
      () => undefined,
      (e: unknown) => e as ReportIncompleteError,
    );
    expect(error).toBeInstanceOf(ReportIncompleteError);
    expect(error?.message).toMatch(/stopped before message 4 of \d+: only 15000 ms left/);
    expect(webhook.requests.length - from).toBe(3);
    const result = await handler()(event, lambdaContext());
    expect(result.skipped).toBe(3);
    const n = result.messages;
    expect(accepted(from)).toEqual(Array.from({ length: n }, (_, i) => `${i + 1}/${n}`));
  });

  it('never posts again a message an earlier invocation claimed but did not finish (at most once)', async () => {
    const event = scheduledEvent();
    const run = new Date(Date.parse(event.time)).toISOString();
    // An earlier invocation died while posting message 2: Slack may or may not have it.
    expect(await deliveries.claim(run, 1, 0)).toBe('claimed');
    const from = webhook.requests.length;
    const result = await handler()(event, lambdaContext());
    expect(result).toMatchObject({ skipped: 1, delivered: result.messages - 1 });
    expect(accepted(from)).not.toContain(`2/${result.messages}`);
    expect(accepted(from)).toContain(`1/${result.messages}`);
  });

  it('delivery records do not disturb the ledger: it still reads every pair', async () => {
    await handler()(scheduledEvent(), lambdaContext());
    let pairs = 0;
    for await (const _entry of store.entries()) pairs += 1;
    expect(pairs).toBe(PRINCIPALS * ROLES);
  });

  it('an invocation with no scheduled time is named by its request id', async () => {
    const context = lambdaContext();
    const result = await handler()({}, context);
    expect(result.run).toBe(context.awsRequestId);
    expect((await handler()({}, context)).skipped).toBe(result.messages);
  });
});
