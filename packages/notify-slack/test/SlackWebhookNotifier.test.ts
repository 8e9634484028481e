import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { LastswitchError } from '@lastswitch/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../../test/servers/webhook.js';
import {
  SlackConfigError,
  SlackDeliveryError,
  type SlackMessage,
  SlackWebhookNotifier,
  type SlackWebhookNotifierOptions,
  toSlackMessages,
} from '../src/index.js';
import { bigReport, realisticAssessment } from './assessments.js';

const SECRET = 'XXXXSECRETXXXX';

let server: WebhookServer;
let waits: number[];
/** The notifiers' clock: it moves only when they sleep, so pacing never depends on how loaded the machine is. */
const START = Date.parse('2026-12-07T08:00:00Z');
let clock: number;

beforeEach(async () => {
  server = await startWebhookServer();
  waits = [];
  clock = START;
});

afterEach(async () => {
  await server.stop();
});

/** A notifier for the local server whose waits are recorded (and advance the clock) instead of slept. */
function notifier(options: Partial<SlackWebhookNotifierOptions> = {}): SlackWebhookNotifier {
  return new SlackWebhookNotifier({
    webhookUrl: server.url,
    allowedHosts: [new URL(server.url).host],
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    now: () => clock,
    ...options,
  });
}

function messages(count: number): SlackMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    text: `message ${i + 1}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `body ${i + 1}` } }],
  }));
}

function retryAfterHeader(value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { 'retry-after': value };
}

/** Runs `send` and returns the error it must throw. */
async function sendFailure(sender: SlackWebhookNotifier, batch: SlackMessage[]): Promise<SlackDeliveryError> {
  const error = await sender.send(batch).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SlackDeliveryError);
  return error as SlackDeliveryError;
}

/** Every way an error could end up in a log. */
function renderings(error: Error): string[] {
  return [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 10 }), error.stack ?? ''];
}

describe('SlackWebhookNotifier: delivery', () => {
  it('posts each message as JSON, in order, one second apart', async () => {
    const batch = toSlackMessages(realisticAssessment(), { maxBlocksPerMessage: 4 });
    expect(batch.length).toBeGreaterThan(2);
    const result = await notifier().send(batch);
    expect(result).toEqual({ delivered: batch.length, total: batch.length });
    expect(server.requests.map((request) => JSON.parse(request.body))).toEqual(batch);
    for (const request of server.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe(`/services/T000/B000/${SECRET}`);
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    expect(waits).toEqual(Array.from({ length: batch.length - 1 }, () => 1000));
  });

  it('delivers a report of 300 stale principals: every principal once, in order, within the limits', async () => {
    const report = bigReport();
    const batch = toSlackMessages(report);
    const result = await notifier().send(batch);
    expect(result).toEqual({ delivered: batch.length, total: batch.length });
    const received = server.requests.map((request) => JSON.parse(request.body) as SlackMessage);
    expect(received).toHaveLength(batch.length);
    const text = received
      .map((message, index) => {
        expect(message.blocks.length).toBeLessThanOrEqual(50);
        const first = message.blocks[0];
        expect(first?.type === 'header' && first.text.text).toBe(
          `lastswitch: unused AWS role access (${index + 1}/${received.length})`,
        );
        return message.blocks.map((block) => (block.type === 'section' ? block.text.text : '')).join('\n');
      })
      .join('\n');
    let previous = -1;
    for (const { principal } of report.principals) {
      const needle = `*${principal.name}*`;
      expect(text.split(needle)).toHaveLength(2);
      expect(text.indexOf(needle)).toBeGreaterThan(previous);
      previous = text.indexOf(needle);
    }
    expect(waits).toEqual(Array.from({ length: batch.length - 1 }, () => 1000));
  });

  it('sends nothing for no messages', async () => {
    expect(await notifier().send([])).toEqual({ delivered: 0, total: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('keeps the pace and the order across send calls, even concurrent ones', async () => {
    const sender = notifier();
    const first = messages(2);
    const second = messages(2).map((message) => ({ ...message, text: `second ${message.text}` }));
    const results = await Promise.all([sender.send(first), sender.send(second)]);
    expect(results).toEqual([
      { delivered: 2, total: 2 },
      { delivered: 2, total: 2 },
    ]);
    expect(server.requests.map((request) => JSON.parse(request.body).text)).toEqual([
      'message 1',
      'message 2',
      'second message 1',
      'second message 2',
    ]);
    // Between the two calls it waits what is left of the second since the last post: all of it,
    // since no time passed on the clock.
    expect(waits).toEqual([1000, 1000, 1000]);
  });

  it('between two send calls, waits only what is left of the interval', async () => {
    const sender = notifier();
    await sender.send(messages(1));
    clock += 700;
    await sender.send(messages(1));
    clock += 5000;
    await sender.send(messages(1));
    expect(waits).toEqual([300]);
    expect(server.requests).toHaveLength(3);
  });

  it('rejects something that is not a list of messages', async () => {
    await expect(notifier().send('hello' as unknown as SlackMessage[])).rejects.toThrow(SlackConfigError);
    expect(server.requests).toHaveLength(0);
  });

  it('paces with minIntervalMs', async () => {
    await notifier({ minIntervalMs: 1500 }).send(messages(3));
    expect(waits).toEqual([1500, 1500]);
  });

  it('waits Retry-After seconds after a 429, then retries the same message', async () => {
    server.respondWith((_request, index) =>
      index === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } } : undefined,
    );
    const result = await notifier().send(messages(3));
    expect(result).toEqual({ delivered: 3, total: 3 });
    expect(server.requests.map((request) => JSON.parse(request.body).text)).toEqual([
      'message 1',
      'message 2',
      'message 2',
      'message 3',
    ]);
    expect(waits).toEqual([1000, 7000, 1000]);
  });

  it.each([
    ['caps a long Retry-After at maxRetryAfterSeconds', '3600', [30_000]],
    ['backs off when Retry-After is missing', undefined, [1000]],
    ['backs off when Retry-After is not a number', 'soon', [1000]],
  ])('%s', async (_name, retryAfter, expected) => {
    server.respondWith((_request, index) =>
      index === 0 ? { status: 429, headers: retryAfterHeader(retryAfter) } : undefined,
    );
    await notifier({ maxRetryAfterSeconds: 30 }).send(messages(1));
    expect(waits).toEqual(expected);
    expect(server.requests).toHaveLength(2);
  });

  it('accepts Retry-After as an HTTP date', async () => {
    const at = new Date(START + 120_000).toUTCString();
    server.respondWith((_request, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': at } } : undefined,
    );
    await notifier({ maxRetryAfterSeconds: 300 }).send(messages(1));
    expect(waits).toEqual([120_000]);
  });

  it('retries a 500 and succeeds', async () => {
    server.respondWith((_request, index) => (index === 0 ? { status: 500, body: 'rollup_error' } : undefined));
    expect(await notifier().send(messages(2))).toEqual({ delivered: 2, total: 2 });
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([1000, 1000]);
  });

  it('backs off exponentially on 5xx, capped at maxBackoffMs', async () => {
    server.respondWith((_request, index) => (index < 5 ? { status: 503 } : undefined));
    await notifier({ maxRetries: 5, backoffMs: 500, maxBackoffMs: 5000 }).send(messages(1));
    expect(waits).toEqual([500, 1000, 2000, 4000, 5000]);
    expect(server.requests).toHaveLength(6);
  });

  it('gives up after maxRetries with a retryable error that says what was delivered', async () => {
    server.respondWith((_request, index) => (index >= 1 ? { status: 500, body: 'rollup_error' } : undefined));
    const error = await sendFailure(notifier({ maxRetries: 2 }), messages(3));
    expect(error).toMatchObject({
      name: 'SlackDeliveryError',
      delivered: 1,
      total: 3,
      failedIndex: 1,
      attempts: 3,
      status: 500,
      slackError: 'rollup_error',
      retryable: true,
    });
    expect(server.requests).toHaveLength(4);
    expect(waits).toEqual([1000, 1000, 2000]);
    expect(error.message).toBe(
      `Slack webhook ${server.origin}/*** answered HTTP 500 rollup_error for message 2 of 3 (3 attempts); ` +
        '1 of 3 messages were delivered',
    );
  });
});

describe('SlackWebhookNotifier: errors Slack will not recover from', () => {
  it('stops at a 400 invalid_payload without retrying and says which messages went through', async () => {
    server.respondWith((_request, index) => (index === 2 ? { status: 400, body: 'invalid_payload' } : undefined));
    const error = await sendFailure(notifier(), messages(4));
    expect(error).toBeInstanceOf(LastswitchError);
    expect(error).toMatchObject({
      delivered: 2,
      total: 4,
      failedIndex: 2,
      attempts: 1,
      status: 400,
      slackError: 'invalid_payload',
      retryable: false,
    });
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([1000, 1000]);
  });

  it.each([
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
    [400, 'user_not_found'],
    [404, 'no_service'],
  ])('does not retry HTTP %i %s', async (status, body) => {
    server.respondWith(() => ({ status, body }));
    const error = await sendFailure(notifier(), messages(2));
    expect(error).toMatchObject({ status, slackError: body, delivered: 0, attempts: 1, retryable: false });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('reads no more than the start of a huge error page, and shows a short, one-line error', async () => {
    const page = `<html>\n${'<p>Bad gateway</p>\n'.repeat(200_000)}</html>`;
    server.respondWith(() => ({ status: 400, body: page }));
    const error = await sendFailure(notifier(), messages(1));
    expect(error.slackError?.startsWith('<html> <p>Bad gateway</p>')).toBe(true);
    expect(error.slackError?.length).toBeLessThanOrEqual(201);
    expect(error.message).not.toContain('\n');
  });

  it('does not follow a redirect to another server', async () => {
    const elsewhere = await startWebhookServer('/collect');
    try {
      server.respondWith(() => ({ status: 302, headers: { location: elsewhere.url } }));
      const error = await sendFailure(notifier(), messages(1));
      expect(error).toMatchObject({ status: 302, slackError: 'unexpected_redirect', retryable: false });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.stop();
    }
  });

  it('retries a network error and then fails with the cause, when the server is gone', async () => {
    await server.stop();
    const error = await sendFailure(notifier({ maxRetries: 2 }), messages(2));
    expect(error).toMatchObject({ delivered: 0, total: 2, attempts: 3, retryable: true });
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeInstanceOf(Error);
    expect(inspect(error.cause, { depth: 5 })).toContain('ECONNREFUSED');
    expect(error.message).toContain('could not be reached for message 1 of 2 (3 attempts)');
    expect(waits).toEqual([1000, 2000]);
    server = await startWebhookServer();
  });

  it('abandons a request that hangs and retries it', async () => {
    const hanging: Server = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    try {
      const sender = notifier({
        webhookUrl: `http://127.0.0.1:${port}/services/T1/B1/${SECRET}`,
        allowedHosts: [`127.0.0.1:${port}`],
        timeoutMs: 200,
        maxRetries: 1,
      });
      const error = await sendFailure(sender, messages(1));
      expect(error).toMatchObject({ attempts: 2, retryable: true, delivered: 0 });
      expect(error.status).toBeUndefined();
      expect(waits).toEqual([1000]);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});

describe('SlackWebhookNotifier: the webhook URL is a secret', () => {
  it('never shows the path in a delivery error, even when the server echoes it', async () => {
    server.respondWith((request) => ({ status: 400, body: `invalid_payload for ${server.origin}${request.path}` }));
    const error = await sendFailure(notifier(), messages(1));
    expect(error.slackError).toBe(`invalid_payload for ${server.origin}/***`);
    expect(error.url).toBe(`${server.origin}/***`);
    for (const text of renderings(error)) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('T000/B000');
    }
  });

  it('keeps words that every webhook URL has, so error strings stay readable', async () => {
    server.respondWith(() => ({ status: 404, body: 'no_services_here' }));
    const error = await sendFailure(notifier(), messages(1));
    expect(error.slackError).toBe('no_services_here');
  });

  it('never shows the path in a network error or its causes', async () => {
    await server.stop();
    const error = await sendFailure(notifier({ maxRetries: 0 }), messages(1));
    for (const text of renderings(error)) expect(text).not.toContain(SECRET);
    server = await startWebhookServer();
  });

  it('never shows the path when fetch itself puts the URL in its error', async () => {
    const leaky: typeof fetch = async (input) => {
      throw new TypeError(`failed to fetch ${String(input)}`, { cause: new Error(`connect to ${String(input)}`) });
    };
    const error = await sendFailure(notifier({ fetch: leaky, maxRetries: 0 }), messages(1));
    for (const text of renderings(error)) expect(text).not.toContain(SECRET);
    expect(inspect(error, { depth: 10 })).toContain(`failed to fetch ${server.origin}/***`);
  });

  it('exposes only a redacted URL', () => {
    const sender = notifier();
    expect(sender.redactedUrl).toBe(`${server.origin}/***`);
    expect(JSON.stringify(sender)).not.toContain(SECRET);
    expect(inspect(sender, { depth: 10 })).not.toContain(SECRET);
  });
});

describe('SlackWebhookNotifier: host check', () => {
  it.each([
    'https://hooks.slack.com/services/T0/B0/abcdef123456',
    'HTTPS://HOOKS.SLACK.COM/services/T0/B0/abcdef123456',
    'https://hooks.slack.com/triggers/T0/123/abcdef123456',
  ])('accepts %s', (webhookUrl) => {
    expect(() => new SlackWebhookNotifier({ webhookUrl })).not.toThrow();
  });

  it.each([
    ['plain http to Slack', 'http://hooks.slack.com/services/T0/B0/abcdef123456'],
    ['a look-alike host', 'https://hooks.slack.com.evil.example/services/T0/B0/abcdef123456'],
    ['Slack in the path only', 'https://evil.example/hooks.slack.com/services/T0/B0/abcdef123456'],
    ['a user-info trick', 'https://hooks.slack.com@evil.example/services/T0/B0/abcdef123456'],
    ['credentials in the URL', 'https://user:abcdef123456@hooks.slack.com/services/T0/B0/abcdef123456'],
    ['another port', 'https://hooks.slack.com:8443/services/T0/B0/abcdef123456'],
    ['another scheme', 'ftp://hooks.slack.com/services/T0/B0/abcdef123456'],
    ['no path', 'https://hooks.slack.com/'],
    ['not a URL', 'hooks.slack.com/services/T0/B0/abcdef123456'],
    ['empty', ''],
  ])('rejects %s, without showing the secret', (_name, webhookUrl) => {
    let caught: unknown;
    try {
      new SlackWebhookNotifier({ webhookUrl });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SlackConfigError);
    expect(caught).toBeInstanceOf(LastswitchError);
    for (const text of renderings(caught as Error)) expect(text).not.toContain('abcdef123456');
  });

  it('allows an extra host only when asked, over http too, and only that host:port', () => {
    const { host, hostname, port } = new URL(server.url);
    expect(() => new SlackWebhookNotifier({ webhookUrl: server.url })).toThrow(SlackConfigError);
    expect(() => new SlackWebhookNotifier({ webhookUrl: server.url })).toThrow(
      `webhookUrl ${server.origin}/*** is not an https://hooks.slack.com/ URL`,
    );
    expect(() => new SlackWebhookNotifier({ webhookUrl: server.url, allowedHosts: [host] })).not.toThrow();
    expect(() => new SlackWebhookNotifier({ webhookUrl: server.url, allowedHosts: [hostname] })).not.toThrow();
    expect(() => new SlackWebhookNotifier({ webhookUrl: server.url, allowedHosts: [server.origin] })).not.toThrow();
    expect(() => new SlackWebhookNotifier({ webhookUrl: server.url, allowedHosts: [''] })).toThrow(SlackConfigError);
    const otherPort = `${hostname}:${Number(port) === 1 ? 2 : 1}`;
    expect(() => new SlackWebhookNotifier({ webhookUrl: server.url, allowedHosts: [otherPort] })).toThrow(
      SlackConfigError,
    );
    expect(() => new SlackWebhookNotifier({ webhookUrl: `ftp://${host}/x/${SECRET}`, allowedHosts: [host] })).toThrow(
      SlackConfigError,
    );
  });

  it.each([
    ['maxRetries', -1],
    ['minIntervalMs', 0.5],
    ['maxRetryAfterSeconds', Number.NaN],
    ['timeoutMs', 0],
  ])('rejects %s = %d', (name, value) => {
    expect(() => notifier({ [name]: value })).toThrow(SlackConfigError);
  });
});
