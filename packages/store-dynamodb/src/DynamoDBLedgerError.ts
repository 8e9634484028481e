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
  }
}

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

/** Turns whatever the SDK threw into a `DynamoDBLedgerError`; passes one through unchanged. */
export function _toLedgerError(
  error: unknown,
  tableName: string,
  operation: DynamoDBLedgerOperation,
  context = '',
): DynamoDBLedgerError {
  if (error instanceof DynamoDBLedgerError) return error;
  const awsErrorName = _awsErrorName(error);
  const detail = error instanceof Error ? error.message || error.name : String(error);
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
