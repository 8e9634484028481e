import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { foldSwitches, type LedgerEntry, MemoryLedgerStore, type RoleSwitch } from '@lastswitch/core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import { startWebhookServer, type WebhookServer } from '../../../test/servers/webhook.js';
import { ConfigError, readReportConfig } from '../src/config.js';
import { createReportHandler } from '../src/createReportHandler.js';
import { htmlReportKey, putHtmlReport } from '../src/putHtmlReport.js';
import { recordingLogger } from './_helpers.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 1, 16, 6, 0, 0);
const BUCKET = 'lastswitch-reports';
const s3 = new S3Client({ ...s3ClientConfig(inject('s3Endpoint')), maxAttempts: 1 });
let webhook: WebhookServer;

function switchOf(name: string, role: string, daysAgo: number): RoleSwitch {
  return {
    principal: {
      key: `arn:aws:iam::111111111111:user/${name}`,
      kind: 'iam-user',
      account: '111111111111',
      name,
      arn: `arn:aws:iam::111111111111:user/${name}`,
    },
    role: {
      key: `arn:aws:iam::222222222222:role/${role}`,
      account: '222222222222',
      name: role,
      arn: `arn:aws:iam::222222222222:role/${role}`,
    },
    at: NOW - daysAgo * DAY,
    method: 'AssumeRole',
    eventId: `e-${name}-${role}`,
  };
}

async function storeWith(switches: RoleSwitch[]): Promise<MemoryLedgerStore> {
  const store = new MemoryLedgerStore();
  await store.apply(foldSwitches(switches));
  return store;
}

async function bodyOf(key: string): Promise<{ text: string; contentType: string | undefined }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { text: (await object.Body?.transformToString('utf8')) ?? '', contentType: object.ContentType };
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  webhook = await startWebhookServer();
});
afterAll(async () => {
  await webhook?.stop();
  s3.destroy();
});
beforeEach(() => {
  webhook.requests.length = 0;
  webhook.respondWith(undefined);
});

describe('putHtmlReport', () => {
  it('writes the page to S3 as private text/html and returns a presigned link that serves it', async () => {
    const store = await storeWith([switchOf('alice', 'Admin', 200), switchOf('bob', 'ReadOnly', 1)]);
    const entries: LedgerEntry[] = [];
    for await (const e of store.entries()) entries.push(e);
    const { assessLedger } = await import('@lastswitch/core');
    const assessment = await assessLedger(entries, { now: NOW, staleAfterDays: 90 });
    const put = await putHtmlReport(assessment, { s3, bucket: BUCKET, prefix: 'reports/', linkExpiresInSeconds: 900 });
    expect(put.key).toBe('reports/access-review-2026-02-16T06-00-00Z.html');
    expect(put.expiresAt).toBe('2026-02-16T06:15:00.000Z');
    const stored = await bodyOf(put.key);
    expect(stored.contentType).toBe('text/html; charset=utf-8');
    expect(stored.text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(stored.text).toContain('arn:aws:iam::111111111111:user/alice');
    expect(put.bytes).toBe(Buffer.byteLength(stored.text));
    const link = new URL(put.url);
    expect(link.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(link.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const fetched = await fetch(put.url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe(stored.text);
  });

  it.each([0, 604_801, 1.5])('refuses a link lifetime of %s seconds', async (seconds) => {
    const { assessLedger } = await import('@lastswitch/core');
    const assessment = await assessLedger([], { now: NOW, staleAfterDays: 90 });
    await expect(putHtmlReport(assessment, { s3, bucket: BUCKET, linkExpiresInSeconds: seconds })).rejects.toThrow(
      /linkExpiresInSeconds must be a whole number from 1 to 604800/,
    );
  });

  it('names one object per run, in time order', () => {
    expect(htmlReportKey('', Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('access-review-2026-01-02T03-04-05Z.html');
    expect(htmlReportKey('a/b/', NOW) < htmlReportKey('a/b/', NOW + 1000)).toBe(true);
  });
});

describe('the report handler with an HTML bucket', () => {
  const handler = (store: MemoryLedgerStore, bucket: string, logger = recordingLogger()) =>
    createReportHandler({
      store,
      staleAfterDays: 90,
      webhookUrl: async () => webhook.url,
      allowedHosts: [new URL(webhook.url).host],
      now: () => NOW,
      logger,
      delivery: { minIntervalMs: 0 },
      html: { s3, bucket, prefix: 'weekly/', linkExpiresInSeconds: 3600 },
    });

  it('writes the page, links it in Slack, and never logs the link', async () => {
    const logger = recordingLogger();
    const store = await storeWith([switchOf('alice', 'Admin', 200), switchOf('bob', 'ReadOnly', 1)]);
    const result = await handler(store, BUCKET, logger)();
    expect(result.html).toEqual({
      bucket: BUCKET,
      key: 'weekly/access-review-2026-02-16T06-00-00Z.html',
      expiresAt: '2026-02-16T07:00:00.000Z',
    });
    expect((await bodyOf('weekly/access-review-2026-02-16T06-00-00Z.html')).text).toContain('alice');
    const posted = webhook.requests.map((r) => r.body).join('\n');
    expect(posted).toContain('Open the access review');
    const link =
      /<(http:\/\/127\.0\.0\.1:\d+\/lastswitch-reports\/weekly\/access-review[^|>]+)\|Open the access review>/.exec(
        posted,
      );
    expect(link).not.toBeNull();
    const url = (JSON.parse(`"${link?.[1]}"`) as string).replaceAll('&amp;', '&');
    expect((await fetch(url)).status).toBe(200);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('html report written');
    expect(logged).not.toContain('X-Amz-Signature');
    expect(logged).not.toContain('X-Amz-Credential');
    expect(logged).not.toContain(new URL(url).search.slice(1, 40));
  });

  it('still posts the report, without a link, when the page cannot be written', async () => {
    const logger = recordingLogger();
    const store = await storeWith([switchOf('alice', 'Admin', 200)]);
    const result = await handler(store, 'no-such-bucket', logger)();
    expect(result.delivered).toBeGreaterThan(0);
    expect(result.html).toMatchObject({ error: expect.stringContaining('NoSuchBucket') });
    expect(webhook.requests.map((r) => r.body).join('\n')).not.toContain('Open the access review');
    expect(logger.lines.find((l) => l.message === 'html report not written')?.attributes).toMatchObject({
      bucket: 'no-such-bucket',
      error: 'NoSuchBucket',
    });
  });
});

describe('readReportConfig: the HTML bucket', () => {
  const base = { LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_SSM_PARAMETER: '/w' };

  it('is off unless REPORT_HTML_BUCKET is set, and has defaults', () => {
    expect(readReportConfig(base).html).toBeUndefined();
    expect(readReportConfig({ ...base, REPORT_HTML_BUCKET: 'my-reports' }).html).toEqual({
      bucket: 'my-reports',
      prefix: 'reports/',
      linkExpiresInSeconds: 3600,
    });
    expect(
      readReportConfig({
        ...base,
        REPORT_HTML_BUCKET: 'my-reports',
        REPORT_HTML_PREFIX: 'lastswitch/',
        REPORT_HTML_LINK_EXPIRES_SECONDS: '900',
      }).html,
    ).toEqual({ bucket: 'my-reports', prefix: 'lastswitch/', linkExpiresInSeconds: 900 });
  });

  it.each([
    [{ REPORT_HTML_BUCKET: 'My_Bucket' }, 'REPORT_HTML_BUCKET', /S3 bucket name/],
    [{ REPORT_HTML_BUCKET: 'ok-bucket', REPORT_HTML_PREFIX: '/abs' }, 'REPORT_HTML_PREFIX', /key prefix/],
    [
      { REPORT_HTML_BUCKET: 'ok-bucket', REPORT_HTML_LINK_EXPIRES_SECONDS: '30' },
      'REPORT_HTML_LINK_EXPIRES_SECONDS',
      /60 to 604800/,
    ],
    [
      { REPORT_HTML_BUCKET: 'ok-bucket', REPORT_HTML_LINK_EXPIRES_SECONDS: '604801' },
      'REPORT_HTML_LINK_EXPIRES_SECONDS',
      /60 to 604800/,
    ],
  ])('%o → names %s', (env, variable, message) => {
    let error: unknown;
    try {
      readReportConfig({ ...base, ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
  });
});
