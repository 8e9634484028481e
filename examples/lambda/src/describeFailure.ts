import { TrailFileError } from '@lastswitch/core';
import { S3SourceError } from '@lastswitch/source-s3';
import { DynamoDBLedgerError } from '@lastswitch/store-dynamodb';

/** What went wrong with one file, safe to log and to put in a Batch Operations result. */
export interface FailureDescription {
  /** A stable code: `s3:not-found`, `trail:bad-gzip`, `dynamodb:ThrottlingException`, `timeout`, `unexpected`, ... */
  reason: string;
  /** True when trying the same file again later may succeed (throttling, timeouts, broken connections). */
  retryable: boolean;
  /** One line for people. */
  message: string;
}

const DYNAMODB_RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

/**
 * Classifies why a file failed: a corrupt file is permanent; throttling, timeouts and broken
 * connections are retryable; an error nobody recognises is treated as retryable.
 */
export function describeFailure(error: unknown): FailureDescription {
  const message = firstLine(error instanceof Error ? error.message : String(error));
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    if (current instanceof S3SourceError) {
      return { reason: `s3:${current.reason}`, retryable: current.retryable, message };
    }
    if (current instanceof TrailFileError) {
      // A source that broke while being read is the source's failure, not the file's.
      if (current.reason !== 'source-error') return { reason: `trail:${current.reason}`, retryable: false, message };
      current = current.cause;
      continue;
    }
    if (current instanceof DynamoDBLedgerError) {
      const name = current.awsErrorName;
      const retryable = name === undefined || DYNAMODB_RETRYABLE.has(name);
      return { reason: `dynamodb:${name ?? 'unreachable'}`, retryable, message };
    }
    if (current instanceof Error && (current.name === 'TimeoutError' || current.name === 'AbortError')) {
      return { reason: 'timeout', retryable: true, message };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return { reason: 'unexpected', retryable: true, message };
}
