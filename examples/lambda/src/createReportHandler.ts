import { assessStore, type LedgerStore } from '@lastswitch/core';
import {
  type SlackMessageOptions,
  SlackWebhookNotifier,
  type SlackWebhookNotifierOptions,
  toSlackMessages,
} from '@lastswitch/notify-slack';
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
  /** Also write the HTML access review to S3 and link it (presigned, short-lived) in the Slack message. */
  html?: HtmlReportTarget;
}

/** What one report run did. */
export interface ReportResult {
  generatedAt: string;
  summary: { principals: number; pairs: number; active: number; stale: number; never: number };
  messages: number;
  delivered: number;
  /** With `html`: where the page went (never its link), or why it could not be written. */
  html?: { bucket: string; key: string; expiresAt: string } | { error: string };
}

/** Longest link Slack messages accept (see `@lastswitch/notify-slack`). */
const MAX_SLACK_LINK = 2000;

/**
 * Builds the scheduled report Lambda handler: assess the ledger at invocation time and post the stale
 * principals to Slack. A failed delivery fails the invocation (after the notifier's own retries).
 *
 * @example
 * ```ts
 * export const handler = createReportHandler({ store, staleAfterDays: 90, webhookUrl: async () => url });
 * ```
 */
export function createReportHandler(options: ReportHandlerOptions) {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
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

  return async function report(_event?: unknown): Promise<ReportResult> {
    const at = now();
    const assessment = await assessStore(options.store, { now: at, staleAfterDays: options.staleAfterDays });
    logger.info('ledger assessed', { staleAfterDays: options.staleAfterDays, ...assessment.summary });
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
    const slack = await notifierFor();
    try {
      const sent = await slack.send(messages);
      logger.info('report delivered', { messages: sent.total, delivered: sent.delivered });
      return {
        generatedAt: new Date(at).toISOString(),
        summary: assessment.summary,
        messages: sent.total,
        delivered: sent.delivered,
        ...(html === undefined ? {} : { html }),
      };
    } catch (error) {
      // SlackDeliveryError's message and fields carry the URL redacted; log only those.
      const e = error as { name?: string; message?: string; delivered?: number; total?: number; status?: number };
      logger.error('report delivery failed', {
        error: e.name,
        detail: e.message,
        delivered: e.delivered,
        total: e.total,
        status: e.status,
      });
      throw error;
    }
  };
}
