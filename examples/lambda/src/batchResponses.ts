import type { IgnoredItem } from '@lastswitch/core';
import type { S3BatchResult, S3BatchResultResult, SQSBatchResponse } from 'aws-lambda';
import { type FileOutcome, isUnreadable } from './fileOutcome.js';

/** The SQS partial-batch answer naming the messages whose file failed or that could not be read at all. */
export function toSqsBatchResponse(files: readonly FileOutcome[], ignored: readonly IgnoredItem[]): SQSBatchResponse {
  const failed = new Set<string>();
  for (const file of files) if (file.status === 'failed' && file.ref.itemId !== undefined) failed.add(file.ref.itemId);
  for (const item of ignored) if (isUnreadable(item) && item.itemId !== undefined) failed.add(item.itemId);
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}

/**
 * The S3 Batch Operations answer, one result per task: `TemporaryFailure` when a retry can help,
 * `PermanentFailure` for a corrupt, missing or unreadable one, `Succeeded` otherwise (skipped included).
 */
export function toS3BatchResult(
  batch: { invocationId: string; invocationSchemaVersion: string },
  files: readonly FileOutcome[],
  ignored: readonly IgnoredItem[],
): S3BatchResult {
  const results: S3BatchResultResult[] = [];
  for (const file of files) {
    if (file.ref.itemId === undefined) continue;
    if (file.status === 'failed') {
      results.push({
        taskId: file.ref.itemId,
        resultCode: file.retryable ? 'TemporaryFailure' : 'PermanentFailure',
        resultString: `${file.reason}: ${file.message}`.slice(0, 1000),
      });
    } else {
      const text =
        file.status === 'ingested'
          ? `ingested: ${file.switches} switches, ${file.pairs} pairs`
          : `skipped: ${file.reason}`;
      results.push({ taskId: file.ref.itemId, resultCode: 'Succeeded', resultString: text });
    }
  }
  for (const item of ignored) {
    if (item.itemId === undefined) continue;
    results.push({ taskId: item.itemId, resultCode: 'PermanentFailure', resultString: item.reason.slice(0, 1000) });
  }
  return {
    invocationSchemaVersion: batch.invocationSchemaVersion,
    treatMissingKeysAs: 'PermanentFailure',
    invocationId: batch.invocationId,
    results,
  };
}
