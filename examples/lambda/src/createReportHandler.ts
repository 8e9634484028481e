import { assessStore, LastswitchError, type LedgerStore } from '@lastswitch/core';
import {
  type SlackMessageOptions,
  SlackWebhookNotifier,
  type SlackWebhookNotifierOptions,
  toSlackMessages,
} from '@lastswitch/notify-slack';
import type { DeliveryLog } from './DynamoDBDeliveryLog.js';
import { type HandlerLogger, silentLogger } from './logger.js';
import { type HtmlReportTarget, putHtmlReport } from './putHtmlReport.js';

/** What the report handler needs; the webhook URL is fetched through `webhookUrl` (cache it: see `cachedWebhookUrl`). */
export interface ReportHandlerOptions {
  store: LedgerStore;
  /** A role unused this many days is stale. */
  staleAfterDays: number;
  /** Gives the Slack webhook URL (a secret: never logged). */
  webhookUrl: () => Promise<string>;
  /** Extra webhook hosts besides hooks.slack.com (proxies, local runs). */
  allowedHosts?: string[];
  /** Title, mention and link of the Slack messages. */
  slack?: SlackMessageOptions;
  logger?: HandlerLogger;
  /** The clock (default `Date.now`). */
  now?: () => number;
  /** Delivery tuning passed to `SlackWebhookNotifier` (retries, pacing). */
  delivery?: Omit<SlackWebhookNotifierOptions, 'webhookUrl' | 'allowedHosts'>;
  /**
   * Records each message of a run before it is posted, so a retried run (same scheduled time or
   * request id) posts only what is left, each message at most once. Without it every run posts all.
   */
  deliveries?: DeliveryLog;
  /** Stop, and let Lambda's retry continue, when less than this many ms are left before the next message (default 20,000). */
  reserveMs?: number;
  /** Also write the HTML access review to S3 and link it (presigned, short-lived) in the Slack message. */
  html?: HtmlReportTarget;
}

/** The part of the Lambda context the handler uses. */
export interface ReportContext {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

/** What one report run did. */
export interface ReportResult {
  generatedAt: string;
  /** The run's name in the delivery records: the scheduled time, else the request id. */
  run?: string;
  summary: { principals: number; pairs: number; active: number; stale: number; never: number };
  messages: number;
  /** Messages posted by this invocation. */
  delivered: number;
  /** Messages an earlier invocation of the same run posted (or started to post), not posted again. */
  skipped: number;
  /** With `html`: where the page went (never its link), or why it could not be written. */
  html?: { bucket: string; key: string; expiresAt: string } | { error: string };
}

/** The run stopped before posting every message (time running out, or Slack refused one); a retry continues it. */
export class ReportIncompleteError extends LastswitchError {
  override name = 'ReportIncompleteError';
  /** The zero-based index of the first message not posted. */
  readonly nextIndex: number;
  readonly total: number;

  constructor(message: string, nextIndex: number, total: number, options?: { cause?: unknown }) {
    super(message, options);
    this.nextIndex = nextIndex;
    this.total = total;
  }
}

/** The scheduled time of an EventBridge event (`time`), if it has a valid one. */
function scheduledTime(event: unknown): number | undefined {
  const time = (event as { time?: unknown } | null | undefined)?.time;
  if (typeof time !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(time)) return undefined;
  const at = Date.parse(time);
  return Number.isFinite(at) ? at : undefined;
}

/** Longest link Slack messages accept (see `@lastswitch/notify-slack`). */
const MAX_SLACK_LINK = 2000;

/**
 * Builds the scheduled report Lambda handler: assess the ledger as of the scheduled time and post
 * the stale principals to Slack. With `deliveries`, each message is claimed before it is posted,
 * so Lambda's retries of a failed or timed-out run post only the messages not yet posted.
 *
 * @example
 * ```ts
 * export const handler = createReportHandler({ store, staleAfterDays: 90, webhookUrl: async () => url });
 * ```
 */
export function createReportHandler(options: ReportHandlerOptions) {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const reserveMs = options.reserveMs ?? 20_000;
  let notifier: { url: string; notifier: SlackWebhookNotifier } | undefined;

  async function notifierFor(): Promise<SlackWebhookNotifier> {
    const url = await options.webhookUrl();
    if (notifier?.url !== url) {
      notifier = {
        url,
        notifier: new SlackWebhookNotifier({
          ...options.delivery,
          webhookUrl: url,
          ...(options.allowedHosts?.length ? { allowedHosts: options.allowedHosts } : {}),
        }),
      };
    }
    return notifier.notifier;
  }

  return async function report(event?: unknown, context?: ReportContext): Promise<ReportResult> {
    // The scheduled time, not the invocation time: a retry renders the same report.
    const scheduled = scheduledTime(event);
    const at = scheduled ?? now();
    const run = scheduled !== undefined ? new Date(scheduled).toISOString() : context?.awsRequestId;
    const assessment = await assessStore(options.store, { now: at, staleAfterDays: options.staleAfterDays });
    let slackOptions = options.slack;
    let html: ReportResult['html'];
    if (options.html !== undefined) {
      // The page is a bonus: if S3 fails, Slack still gets the report (without the link).
      try {
        const put = await putHtmlReport(assessment, options.html);
        html = { bucket: put.bucket, key: put.key, expiresAt: put.expiresAt };
        // The presigned URL is a bearer secret: log where the page is, never the link.
        logger.info('html report written', { ...html, bytes: put.bytes });
        if (put.url.length <= MAX_SLACK_LINK) {
          slackOptions = { ...options.slack, link: { url: put.url, text: 'Open the access review' } };
        } else {
          logger.warn('html report link too long for Slack: not linked', { key: put.key, length: put.url.length });
        }
      } catch (error) {
        const e = error as { name?: string; message?: string };
        html = { error: `${e.name ?? 'Error'}: ${e.message ?? String(error)}` };
        logger.error('html report not written', { bucket: options.html.bucket, error: e.name, detail: e.message });
      }
    }
    const messages = toSlackMessages(assessment, slackOptions);
    logger.info('ledger assessed', { run, staleAfterDays: options.staleAfterDays, ...assessment.summary });
    const slack = await notifierFor();
    const deliveries = run === undefined ? undefined : options.deliveries;
    const total = messages.length;
    let delivered = 0;
    let skipped = 0;
    for (let index = 0; index < total; index += 1) {
      const left = context?.getRemainingTimeInMillis?.();
      if (left !== undefined && left < reserveMs) {
        const error = new ReportIncompleteError(
          `report run ${run ?? '(unnamed)'} stopped before message ${index + 1} of ${total}: only ${left} ms left; the retry continues from there`,
          index,
          total,
        );
        logger.warn('report stopped: time running out', { run, next: index + 1, total, left });
        throw error;
      }
      if (deliveries && run !== undefined) {
        const claim = await deliveries.claim(run, index, total);
        if (claim !== 'claimed') {
          skipped += 1;
          // 'in-flight': an earlier invocation died while posting it; Slack may have it, so it is not posted again.
          logger[claim === 'sent' ? 'info' : 'warn']('message not posted again', { run, message: index + 1, claim });
          continue;
        }
      }
      try {
        await slack.send([messages[index] as (typeof messages)[number]]);
      } catch (error) {
        // SlackDeliveryError's message and fields carry the URL redacted; log only those.
        const e = error as { name?: string; message?: string; status?: number; retryable?: boolean };
        logger.error('report delivery failed', {
          run,
          error: e.name,
          detail: e.message,
          message: index + 1,
          delivered: index,
          total,
          status: e.status,
        });
        if (deliveries && run !== undefined) await deliveries.release(run, index);
        throw new ReportIncompleteError(
          `report run ${run ?? '(unnamed)'}: Slack did not accept message ${index + 1} of ${total} (${e.message ?? e.name}); the retry continues from there`,
          index,
          total,
          { cause: error },
        );
      }
      if (deliveries && run !== undefined) await deliveries.markSent(run, index);
      delivered += 1;
    }
    logger.info('report delivered', { run, messages: total, delivered, skipped });
    return {
      generatedAt: new Date(at).toISOString(),
      ...(run !== undefined ? { run } : {}),
      summary: assessment.summary,
      messages: total,
      delivered,
      skipped,
      ...(html === undefined ? {} : { html }),
    };
  };
}
