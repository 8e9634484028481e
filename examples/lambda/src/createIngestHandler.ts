import type { S3Client } from '@aws-sdk/client-s3';
import {
  classifyTrailKey,
  collectTrailFile,
  foldAliases,
  foldSwitches,
  type IgnoredItem,
  LastswitchError,
  type LedgerStore,
  objectsFromEvent,
  type TrailObjectRef,
  type TriggerKind,
} from '@lastswitch/core';
import { openTrailObject } from '@lastswitch/source-s3';
import { DynamoDBLedgerWriteError } from '@lastswitch/store-dynamodb';
import type { S3BatchResult, SQSBatchResponse } from 'aws-lambda';
import { toS3BatchResult, toSqsBatchResponse } from './batchResponses.js';
import { describeFailure } from './describeFailure.js';
import { type FailedFile, type FileOutcome, isUnreadable } from './fileOutcome.js';
import { type HandlerLogger, silentLogger } from './logger.js';

/** What the ingest handler needs; clients are built by the caller. */
export interface IngestHandlerOptions {
  s3: S3Client;
  store: LedgerStore;
  logger?: HandlerLogger;
  /** Files read at once (default 2). */
  concurrency?: number;
  /** Files not started when less than this many ms of the invocation are left fail as retryable (default 10,000). */
  reserveMs?: number;
  /**
   * Read the object version the trigger names (default false: the current version, which for
   * CloudTrail's write-once files is the same). Reading a version needs `s3:GetObjectVersion`.
   */
  useVersionId?: boolean;
}

/** The part of the Lambda context the handler uses. */
export interface IngestContext {
  getRemainingTimeInMillis?: () => number;
}

export type { FileOutcome } from './fileOutcome.js';

/** What the handler did for a direct S3, SNS or EventBridge trigger (which has no per-item answer). */
export interface IngestSummary {
  kind: TriggerKind;
  files: FileOutcome[];
  ignored: IgnoredItem[];
}

/** The SQS partial-batch answer: only the failed messages are retried. */
export type SqsBatchResponse = SQSBatchResponse;

/** The S3 Batch Operations answer: one result per task. */
export type S3BatchResponse = S3BatchResult;

/** What the ingest handler answers, by trigger kind. */
export type IngestResponse = IngestSummary | SqsBatchResponse | S3BatchResponse;

/**
 * Thrown for a direct S3, SNS or EventBridge trigger when any file failed, or an item of the event
 * could not be read at all (e.g. an undecodable key), so Lambda retries the event and then hands it
 * to the DLQ / on-failure destination.
 */
export class IngestError extends LastswitchError {
  override name = 'IngestError';
  /** The files that failed, with reasons. */
  readonly failures: FailedFile[];
  /** The items of the event that named no readable object. */
  readonly unreadable: IgnoredItem[];

  constructor(failures: FailedFile[], total: number, unreadable: IgnoredItem[] = []) {
    const parts: string[] = [];
    if (failures.length > 0) {
      const list = failures
        .slice(0, 5)
        .map((f) => `s3://${f.ref.bucket}/${f.ref.key} (${f.reason})`)
        .join(', ');
      const more = failures.length > 5 ? ` and ${failures.length - 5} more` : '';
      parts.push(`${failures.length} of ${total} trail files failed: ${list}${more}`);
    }
    if (unreadable.length > 0) {
      const list = unreadable
        .slice(0, 5)
        .map((item) => item.reason)
        .join(', ');
      const more = unreadable.length > 5 ? ` and ${unreadable.length - 5} more` : '';
      parts.push(`${unreadable.length} event items unreadable: ${list}${more}`);
    }
    super(parts.join('; '));
    this.failures = failures;
    this.unreadable = unreadable;
  }
}

async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Builds the ingest Lambda handler: for each trail file the trigger names, stream it from S3, read
 * its switches and fold them into the ledger. Failure semantics follow the trigger: direct S3, SNS
 * and EventBridge throw when any file failed; SQS answers `batchItemFailures` naming only the failed
 * messages; S3 Batch Operations answers a result per task (`TemporaryFailure` when a retry can help,
 * `PermanentFailure` for a corrupt file).
 *
 * @example
 * ```ts
 * export const handler = createIngestHandler({ s3: new S3Client({}), store: new DynamoDBLedgerStore({ client, tableName }) });
 * ```
 */
export function createIngestHandler(options: IngestHandlerOptions) {
  const { s3, store } = options;
  const logger = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 2;
  const reserveMs = options.reserveMs ?? 10_000;

  /** Streams and reads one object; an EventBridge key S3 does not know is tried once more URL-decoded. */
  async function readTrailObject(ref: TrailObjectRef) {
    const read = async (key: string) => {
      const bytes = await openTrailObject(s3, {
        bucket: ref.bucket,
        key,
        ...(options.useVersionId && ref.versionId ? { versionId: ref.versionId } : {}),
      });
      return collectTrailFile(bytes, { key });
    };
    try {
      return await read(ref.key);
    } catch (error) {
      if (ref.alternateKey === undefined || describeFailure(error).reason !== 's3:not-found') throw error;
      logger.info('key not found as given; reading its URL-decoded form', {
        bucket: ref.bucket,
        key: ref.key,
        alternateKey: ref.alternateKey,
      });
      return await read(ref.alternateKey);
    }
  }

  async function ingestFile(ref: TrailObjectRef, context: IngestContext | undefined): Promise<FileOutcome> {
    const where = { bucket: ref.bucket, key: ref.key, ...(ref.versionId ? { versionId: ref.versionId } : {}) };
    const kind = classifyTrailKey(ref.key);
    if (kind !== 'log') {
      const reason = kind === 'other' ? 'not a CloudTrail log file' : `CloudTrail ${kind} file`;
      logger.info('skipped object', { ...where, reason });
      return { status: 'skipped', ref, reason };
    }
    const left = context?.getRemainingTimeInMillis?.();
    if (left !== undefined && left < reserveMs) {
      const failure = {
        reason: 'timeout',
        retryable: true,
        message: `not started: only ${left} ms of the invocation left`,
      };
      logger.error('trail file failed', { ...where, ...failure });
      return { status: 'failed', ref, ...failure };
    }
    const started = Date.now();
    try {
      const file = await readTrailObject(ref);
      const updates = foldSwitches(file.switches);
      const aliases = foldAliases(file.aliases);
      const applied =
        updates.length > 0 || aliases.length > 0
          ? await store.apply(updates, aliases)
          : { pairs: 0, aliases: 0, writes: 0, heldBack: 0 };
      const { stats } = file;
      logger.info('ingested trail file', {
        ...where,
        format: stats.format,
        bytes: stats.bytesRead,
        records: stats.records,
        switches: stats.switches,
        denied: stats.denied,
        aliases: stats.aliases,
        skipped: stats.skipped,
        pairs: applied.pairs,
        writes: applied.writes,
        heldBack: applied.heldBack,
        ms: Date.now() - started,
      });
      return { status: 'ingested', ref, switches: stats.switches, pairs: applied.pairs, writes: applied.writes };
    } catch (error) {
      const failure = describeFailure(error);
      // Only this file fails (and is retried); its log line says how many of its items did not land.
      const notLanded = error instanceof DynamoDBLedgerWriteError ? { notLanded: error.notLanded.length } : {};
      logger.error('trail file failed', { ...where, ...failure, ...notLanded, ms: Date.now() - started });
      return { status: 'failed', ref, ...failure };
    }
  }

  return async function ingest(event: unknown, context?: IngestContext): Promise<IngestResponse> {
    const found = objectsFromEvent(event);
    for (const item of found.ignored) {
      if (isUnreadable(item)) logger.error('unreadable trigger item', { kind: found.kind, ...item });
      else logger.info('ignored trigger item', { kind: found.kind, ...item });
    }
    const files = await inPool(found.objects, concurrency, (ref) => ingestFile(ref, context));
    const count = (status: FileOutcome['status']) => files.filter((f) => f.status === status).length;
    logger.info('ingest finished', {
      kind: found.kind,
      files: files.length,
      ingested: count('ingested'),
      skipped: count('skipped'),
      failed: count('failed'),
      ignored: found.ignored.length,
    });
    const failures = files.filter((f): f is FailedFile => f.status === 'failed');

    if (found.kind === 'sqs') return toSqsBatchResponse(files, found.ignored);
    if (found.kind === 's3-batch' && found.batch) return toS3BatchResult(found.batch, files, found.ignored);

    const unreadable = found.ignored.filter(isUnreadable);
    if (failures.length > 0 || unreadable.length > 0) throw new IngestError(failures, files.length, unreadable);
    return { kind: found.kind, files, ignored: found.ignored };
  };
}
