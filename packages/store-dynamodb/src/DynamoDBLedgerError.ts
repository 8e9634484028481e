import { LastswitchError } from '@lastswitch/core';

/** What the store was doing when a `DynamoDBLedgerError` was thrown. */
export type DynamoDBLedgerOperation = 'configure' | 'createTable' | 'apply' | 'entries' | 'aliases';

/** A DynamoDB ledger failure that remained after the SDK's retries, naming the table and the operation. */
export class DynamoDBLedgerError extends LastswitchError {
  override name = 'DynamoDBLedgerError';
  /** The ledger table. */
  readonly tableName: string;
  /** What the store was doing. */
  readonly operation: DynamoDBLedgerOperation;
  /** The AWS error name when DynamoDB answered (e.g. `ResourceNotFoundException`), else undefined. */
  readonly awsErrorName: string | undefined;
  /** The message without the table and operation in front. */
  readonly detail: string;

  constructor(
    message: string,
    options: { tableName: string; operation: DynamoDBLedgerOperation; awsErrorName?: string; cause?: unknown },
  ) {
    super(`DynamoDB ledger table "${options.tableName}": ${options.operation} failed: ${message}`, {
      cause: options.cause,
    });
    this.tableName = options.tableName;
    this.operation = options.operation;
    this.awsErrorName = options.awsErrorName;
    this.detail = message;
  }
}

/** One ledger item that `apply` could not write: a (principal, role) pair or an alias. */
export type NotLandedItem =
  | { kind: 'pair'; principalKey: string; roleKey: string }
  | { kind: 'alias'; account: string; principalId: string };

/**
 * `apply` wrote what it could, retried what failed, and these items still did not land. Applying
 * the same updates again is safe and converges.
 */
export class DynamoDBLedgerWriteError extends DynamoDBLedgerError {
  override name = 'DynamoDBLedgerWriteError';
  /** Exactly the items not written (every other item of the call was). */
  readonly notLanded: readonly NotLandedItem[];
  /** Items of the call that were written. */
  readonly landed: number;
  /** Write rounds made (the first plus the retries). */
  readonly rounds: number;

  constructor(
    message: string,
    options: {
      tableName: string;
      notLanded: readonly NotLandedItem[];
      landed: number;
      rounds: number;
      awsErrorName?: string;
      cause?: unknown;
    },
  ) {
    super(message, { ...options, operation: 'apply' });
    this.notLanded = options.notLanded;
    this.landed = options.landed;
    this.rounds = options.rounds;
  }
}

/** AWS errors no retry can cure: `apply` stops at the first one. */
export const _FATAL_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ValidationException',
  'MissingAuthenticationTokenException',
  'InvalidSignatureException',
]);

/** Hints for the AWS errors a ledger user can act on. */
const HINTS: Record<string, string> = {
  ResourceNotFoundException:
    'the table does not exist (create it with createLedgerTable or from ledgerTableDefinition)',
  AccessDeniedException: 'access denied; the role needs dynamodb:UpdateItem and dynamodb:Scan on the table',
  UnrecognizedClientException: 'the credentials were rejected',
  ValidationException: 'DynamoDB rejected the request as invalid',
  ProvisionedThroughputExceededException:
    'still throttled after the SDK retries; raise maxAttempts or lower concurrency',
  ThrottlingException: 'still throttled after the SDK retries; raise maxAttempts or lower concurrency',
  RequestLimitExceeded: 'still throttled after the SDK retries; raise maxAttempts or lower concurrency',
};

/** The reason part of a ledger error's message for whatever the SDK threw. */
export function _reasonOf(error: unknown): string {
  if (error instanceof DynamoDBLedgerError) return error.detail;
  const awsErrorName = _awsErrorName(error);
  const detail = (error instanceof Error ? error.message || error.name : String(error)).split('\n', 1)[0] ?? '';
  const hint = awsErrorName ? HINTS[awsErrorName] : undefined;
  return hint ? `${hint} (${awsErrorName}: ${detail})` : awsErrorName ? `${awsErrorName}: ${detail}` : detail;
}

/** Turns whatever the SDK threw into a `DynamoDBLedgerError`; passes one through unchanged. */
export function _toLedgerError(
  error: unknown,
  tableName: string,
  operation: DynamoDBLedgerOperation,
  context = '',
): DynamoDBLedgerError {
  if (error instanceof DynamoDBLedgerError) return error;
  const awsErrorName = _awsErrorName(error);
  const detail = (error instanceof Error ? error.message || error.name : String(error)).split('\n', 1)[0] ?? '';
  const hint = awsErrorName ? HINTS[awsErrorName] : undefined;
  const reason = hint ? `${hint} (${awsErrorName}: ${detail})` : awsErrorName ? `${awsErrorName}: ${detail}` : detail;
  return new DynamoDBLedgerError(context ? `${context}: ${reason}` : reason, {
    tableName,
    operation,
    ...(awsErrorName ? { awsErrorName } : {}),
    cause: error,
  });
}

/** The AWS error name of a service error (one with HTTP metadata), undefined for network and other errors. */
export function _awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const name = (error as { name?: unknown }).name;
  return meta?.httpStatusCode !== undefined && typeof name === 'string' ? name : undefined;
}
