/**
 * The lastswitch Lambda handlers as factories, to wire into your own functions; `ingest.ts` and
 * `report.ts` are the ready entry points configured from the environment.
 *
 * @example
 * ```ts
 * import { createIngestHandler } from './index.js';
 * export const handler = createIngestHandler({ s3, store, logger });
 * ```
 */

export {
  ConfigError,
  type IngestConfig,
  type ReportConfig,
  readIngestConfig,
  readReportConfig,
  type WebhookSource,
} from './config.js';
export {
  createIngestHandler,
  type FileOutcome,
  type IngestContext,
  IngestError,
  type IngestHandlerOptions,
  type IngestResponse,
  type IngestSummary,
  type S3BatchResponse,
  type SqsBatchResponse,
} from './createIngestHandler.js';
export {
  createReportHandler,
  type ReportContext,
  type ReportHandlerOptions,
  ReportIncompleteError,
  type ReportResult,
} from './createReportHandler.js';
export {
  type ClaimOutcome,
  type DeliveryLog,
  DeliveryLogError,
  DynamoDBDeliveryLog,
  type DynamoDBDeliveryLogOptions,
} from './DynamoDBDeliveryLog.js';
export { describeFailure, type FailureDescription } from './describeFailure.js';
export { type HandlerLogger, silentLogger } from './logger.js';
export {
  DEFAULT_LINK_EXPIRES_SECONDS,
  type HtmlReportTarget,
  htmlReportKey,
  MAX_LINK_EXPIRES_SECONDS,
  type PutHtmlReport,
  putHtmlReport,
} from './putHtmlReport.js';
export { cachedWebhookUrl, readWebhookUrl, type WebhookClients, WebhookUrlError } from './webhookUrl.js';
