import { SlackConfigError, SlackDeliveryError } from './errors.js';
import { redactWebhookUrl } from './redactWebhookUrl.js';
import type { SlackMessage } from './types.js';

/** Options for `SlackWebhookNotifier`. */
export interface SlackWebhookNotifierOptions {
  /** The Incoming Webhook URL, `https://hooks.slack.com/services/...`. A secret: never logged. */
  webhookUrl: string;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
  /** Retries per message after a 429, a 5xx, a network error or a timeout (default 3). */
  maxRetries?: number;
  /** Extra hosts (`host` or `host:port`) allowed besides hooks.slack.com, over https or http: proxies and tests. */
  allowedHosts?: string[];
  /** How to wait (default: a timer); inject one to test or to log waits. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock, epoch ms (default `Date.now`): paces `send` calls and reads `Retry-After` dates. */
  now?: () => number;
  /** Pause between two messages (default 1,000 ms: Slack allows about one message per second). */
  minIntervalMs?: number;
  /** The longest `Retry-After` honoured, in seconds; longer ones are cut to this (default 60). */
  maxRetryAfterSeconds?: number;
  /** First backoff after a 5xx or network error, doubled on each retry (default 1,000 ms). */
  backoffMs?: number;
  /** Longest backoff (default 30,000 ms). */
  maxBackoffMs?: number;
  /** Abandon one request after this long and retry it (default 10,000 ms). */
  timeoutMs?: number;
}

/** What `send` delivered. */
export interface SendResult {
  /** Messages Slack accepted (all of them when `send` resolves). */
  delivered: number;
  /** Messages `send` was given. */
  total: number;
}

const SLACK_HOST = 'hooks.slack.com';
/** Path segments every Slack webhook URL has; only the others are secret. */
const PUBLIC_SEGMENTS = new Set(['services', 'triggers', 'workflows']);
const MAX_ERROR_CHARS = 200;
/** Slack's answers are a few bytes ("ok", "invalid_payload"); a proxy's error page is read no further than this. */
const MAX_BODY_BYTES = 4096;

/** Delivers messages to a Slack Incoming Webhook in order, paced, with retries; only to hooks.slack.com unless allowed. */
export class SlackWebhookNotifier {
  readonly #url: URL;
  readonly #secrets: [secret: string, shown: string][];
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #maxRetries: number;
  readonly #minIntervalMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  #queue: Promise<void> = Promise.resolve();
  /** When this notifier last posted, epoch ms, to keep the pace between two `send` calls. */
  #lastPostAt: number | undefined;

  constructor(options: SlackWebhookNotifierOptions) {
    this.#url = checkWebhookUrl(options.webhookUrl, options.allowedHosts ?? []);
    this.#secrets = secretParts(options.webhookUrl, this.#url);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
    this.#maxRetries = wholeNumber('maxRetries', options.maxRetries ?? 3);
    this.#minIntervalMs = wholeNumber('minIntervalMs', options.minIntervalMs ?? 1000);
    this.#maxRetryAfterMs = wholeNumber('maxRetryAfterSeconds', options.maxRetryAfterSeconds ?? 60) * 1000;
    this.#backoffMs = wholeNumber('backoffMs', options.backoffMs ?? 1000);
    this.#maxBackoffMs = wholeNumber('maxBackoffMs', options.maxBackoffMs ?? 30_000);
    this.#timeoutMs = wholeNumber('timeoutMs', options.timeoutMs ?? 10_000);
    if (this.#timeoutMs === 0) throw new SlackConfigError('timeoutMs must be more than 0');
  }

  /** The webhook URL with its secret path redacted, safe to log. */
  get redactedUrl(): string {
    return redactWebhookUrl(this.#url);
  }

  /**
   * Posts the messages one by one, in order, at least `minIntervalMs` apart. Resolves when all were
   * delivered; otherwise throws `SlackDeliveryError` saying how many were (the first `delivered`).
   */
  send(messages: readonly SlackMessage[]): Promise<SendResult> {
    if (!Array.isArray(messages)) {
      return Promise.reject(new SlackConfigError('send expects an array of Slack messages'));
    }
    // Concurrent calls are queued, so messages never interleave and the pacing holds across calls.
    const run = this.#queue.then(() => this.#sendAll(messages));
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #sendAll(messages: readonly SlackMessage[]): Promise<SendResult> {
    const total = messages.length;
    for (let index = 0; index < total; index += 1) {
      if (index > 0) {
        if (this.#minIntervalMs > 0) await this.#sleep(this.#minIntervalMs);
      } else if (this.#lastPostAt !== undefined) {
        const remaining = this.#lastPostAt + this.#minIntervalMs - this.#now();
        if (remaining > 0) await this.#sleep(remaining);
      }
      await this.#deliver(messages[index], index, total);
    }
    return { delivered: total, total };
  }

  #redactedUrl(): string {
    return redactWebhookUrl(this.#url);
  }

  async #deliver(message: SlackMessage | undefined, index: number, total: number): Promise<void> {
    const body = JSON.stringify(message);
    if (body === undefined) {
      throw new SlackConfigError(`message ${index + 1} of ${total} is not a Slack message object`);
    }
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#post(body);
      const failure = {
        delivered: index,
        total,
        failedIndex: index,
        attempts: attempt,
        url: this.#redactedUrl(),
      };
      if (outcome.kind === 'delivered') return;
      if (outcome.kind === 'network') {
        if (attempt > this.#maxRetries) {
          throw new SlackDeliveryError({ ...failure, retryable: true }, { cause: outcome.cause });
        }
        await this.#sleep(this.#backoff(attempt));
        continue;
      }
      const { status, slackError } = outcome;
      const retryable = status === 429 || status >= 500;
      if (!retryable || attempt > this.#maxRetries) {
        throw new SlackDeliveryError({ ...failure, status, retryable, ...(slackError ? { slackError } : {}) });
      }
      const retryAfter = status === 429 ? parseRetryAfter(outcome.retryAfter, this.#now()) : undefined;
      await this.#sleep(
        retryAfter === undefined ? this.#backoff(attempt) : Math.min(retryAfter * 1000, this.#maxRetryAfterMs),
      );
    }
  }

  #backoff(attempt: number): number {
    return Math.min(this.#backoffMs * 2 ** (attempt - 1), this.#maxBackoffMs);
  }

  async #post(
    body: string,
  ): Promise<
    | { kind: 'delivered' }
    | { kind: 'network'; cause: Error }
    | { kind: 'http'; status: number; slackError?: string; retryAfter: string | null }
  > {
    let response: Response;
    this.#lastPostAt = this.#now();
    try {
      response = await this.#fetch(this.#url.href, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        // A redirect would send the report somewhere the host check never saw.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      return { kind: 'network', cause: this.#scrub(error, 0) };
    }
    const text = await readStart(response);
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    const slackError = this.#slackError(text, response.status);
    return {
      kind: 'http',
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      ...(slackError ? { slackError } : {}),
    };
  }

  /** Slack answers errors with a short plain-text string; anything else is cut short and scrubbed. */
  #slackError(text: string, status: number): string | undefined {
    if (status >= 300 && status < 400) return 'unexpected_redirect';
    const trimmed = this.#redact(text.trim());
    if (trimmed === '') return undefined;
    let clean = '';
    for (const char of trimmed) {
      const point = char.codePointAt(0) ?? 0;
      clean += point < 0x20 || point === 0x7f ? ' ' : char;
      if (clean.length >= MAX_ERROR_CHARS) return `${clean}…`;
    }
    return clean;
  }

  /** Removes every secret part of the webhook URL from a string. */
  #redact(text: string): string {
    let out = text;
    for (const [secret, shown] of this.#secrets) out = out.split(secret).join(shown);
    return out;
  }

  /** A copy of a fetch error with the webhook URL redacted from its message and causes. */
  #scrub(error: unknown, depth: number): Error {
    if (!(error instanceof Error)) return new Error(this.#redact(String(error)));
    const cause = depth < 3 && error.cause !== undefined ? this.#scrub(error.cause, depth + 1) : undefined;
    const copy = new Error(this.#redact(error.message), cause === undefined ? undefined : { cause });
    copy.name = error.name;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') Object.assign(copy, { code });
    copy.stack = `${copy.name}: ${copy.message}`;
    return copy;
  }
}

/** The first bytes of a response body as text, the rest discarded; '' if the body cannot be read. */
async function readStart(response: Response): Promise<string> {
  const body = response.body;
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The status is what counts; a body cut short only loses Slack's error string.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, MAX_BODY_BYTES));
}

/** Parses and checks a webhook URL: https://hooks.slack.com, or an allowed host over https or http. */
function checkWebhookUrl(webhookUrl: string, allowedHosts: readonly string[]): URL {
  if (typeof webhookUrl !== 'string' || webhookUrl.trim() === '') {
    throw new SlackConfigError('webhookUrl is missing');
  }
  let url: URL;
  try {
    url = new URL(webhookUrl.trim());
  } catch {
    throw new SlackConfigError('webhookUrl is not a valid URL');
  }
  const shown = redactWebhookUrl(url);
  if (url.username !== '' || url.password !== '') {
    throw new SlackConfigError(`webhookUrl ${shown} must not contain a user name or password`);
  }
  const allowed = allowedHosts.map(normaliseHost).filter((host) => host !== '');
  const isAllowedHost = allowed.includes(url.host) || allowed.includes(url.hostname);
  if (url.hostname === SLACK_HOST && url.protocol === 'https:' && url.port === '') {
    if (url.pathname === '/' || url.pathname === '') {
      throw new SlackConfigError(`webhookUrl ${shown} has no path: copy the whole URL Slack gave you`);
    }
    return url;
  }
  if (isAllowedHost && (url.protocol === 'https:' || url.protocol === 'http:')) return url;
  throw new SlackConfigError(
    `webhookUrl ${shown} is not an https://${SLACK_HOST}/ URL; refusing to send the report there ` +
      '(pass allowedHosts to permit a proxy or a test server)',
  );
}

/** An allowed host as `host` or `host:port`, lower case; a full URL given by mistake is reduced to its host. */
function normaliseHost(entry: string): string {
  const trimmed = String(entry).trim().toLowerCase();
  if (!trimmed.includes('://')) return trimmed;
  try {
    return new URL(trimmed).host;
  } catch {
    return '';
  }
}

/**
 * The parts of the webhook URL that must never be shown, each with what to show instead: the
 * whole URL (raw and normalised) becomes the redacted URL; its path, query and long path segments become `***`.
 */
function secretParts(raw: string, url: URL): [secret: string, shown: string][] {
  const parts = new Map<string, string>();
  const redacted = redactWebhookUrl(url);
  const rest = `${url.pathname}${url.search}${url.hash}`;
  for (const segment of url.pathname.split('/')) {
    if (segment.length >= 6 && !PUBLIC_SEGMENTS.has(segment)) parts.set(segment, '***');
  }
  if (url.search.length > 1) parts.set(url.search.slice(1), '***');
  if (rest !== '/' && rest !== '') parts.set(rest, '/***');
  parts.set(raw.trim(), redacted);
  parts.set(url.href, redacted);
  // Longest first, so a whole URL is replaced before the path inside it.
  return [...parts].sort((a, b) => b[0].length - a[0].length);
}

/** `Retry-After` as seconds: a whole number of seconds or an HTTP date; undefined when absent or unreadable. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function wholeNumber(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new SlackConfigError(`${name} must be a whole number of 0 or more, got ${String(value)}`);
  }
  return value;
}
