import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { _awsErrorName, _toLedgerError, DynamoDBLedgerError } from './DynamoDBLedgerError.js';

/**
 * The ledger table's shape without its name: string partition key `pk`, string sort key `sk`,
 * on-demand billing. Spread it into a `CreateTable` input, or mirror it in CDK/CloudFormation.
 */
export const ledgerTableDefinition = {
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
} as const satisfies Omit<CreateTableCommandInput, 'TableName'>;

/** Options of `createLedgerTable`. */
export interface CreateLedgerTableOptions {
  /** How long to wait for the table to become ACTIVE, in ms (default 300,000). */
  maxWaitMs?: number;
  /** Pause between status checks, in ms (default 1,000; DynamoDB Local is ACTIVE at once). */
  pollIntervalMs?: number;
}

/** Whether `createLedgerTable` made the table or found it. */
export interface CreateLedgerTableResult {
  created: boolean;
}

type AnyDynamoDBClient = DynamoDBClient | DynamoDBDocumentClient;

/**
 * Creates the ledger table (from `ledgerTableDefinition`) and waits until it is ACTIVE. Idempotent:
 * an existing table with the same key schema is fine; one with another key schema is an error.
 */
export async function createLedgerTable(
  client: AnyDynamoDBClient,
  tableName: string,
  options: CreateLedgerTableOptions = {},
): Promise<CreateLedgerTableResult> {
  _checkTableName(tableName);
  const maxWaitMs = options.maxWaitMs ?? 300_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  let created = true;
  try {
    await send(new CreateTableCommand({ TableName: tableName, ...structuredClone(ledgerTableDefinition) }));
  } catch (error) {
    if (_awsErrorName(error) !== 'ResourceInUseException') throw _toLedgerError(error, tableName, 'createTable');
    created = false;
  }
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    let described: DescribeTableCommandOutput;
    try {
      described = (await send(new DescribeTableCommand({ TableName: tableName }))) as DescribeTableCommandOutput;
    } catch (error) {
      // Right after CreateTable, DynamoDB may briefly not know the table yet.
      if (_awsErrorName(error) !== 'ResourceNotFoundException' || Date.now() >= deadline) {
        throw _toLedgerError(error, tableName, 'createTable');
      }
      await _sleep(pollIntervalMs);
      continue;
    }
    const table = described.Table;
    if (!created) _checkKeySchema(tableName, table?.KeySchema);
    if (table?.TableStatus === 'ACTIVE') return { created };
    if (table?.TableStatus === 'DELETING' || Date.now() >= deadline) {
      throw new DynamoDBLedgerError(
        table?.TableStatus === 'DELETING'
          ? 'the table is being deleted'
          : `the table was not ACTIVE within ${maxWaitMs} ms (status ${table?.TableStatus ?? 'unknown'})`,
        { tableName, operation: 'createTable' },
      );
    }
    await _sleep(pollIntervalMs);
  }
}

function _checkKeySchema(tableName: string, keySchema: { AttributeName?: string; KeyType?: string }[] | undefined) {
  const describe = (schema: readonly { AttributeName?: string; KeyType?: string }[]) =>
    schema.map((k) => `${k.AttributeName}:${k.KeyType}`).join(', ');
  const expected = describe(ledgerTableDefinition.KeySchema);
  const actual = describe(keySchema ?? []);
  if (actual !== expected) {
    throw new DynamoDBLedgerError(`the table exists with key schema [${actual}], the ledger needs [${expected}]`, {
      tableName,
      operation: 'createTable',
    });
  }
}

/** Throws unless `tableName` is a valid DynamoDB table name (3–255 of `a-z A-Z 0-9 _ - .`). */
export function _checkTableName(tableName: unknown): asserts tableName is string {
  const name = typeof tableName === 'string' ? tableName : String(tableName);
  const valid =
    typeof tableName === 'string' &&
    tableName.length >= 3 &&
    tableName.length <= 255 &&
    [...tableName].every((c) => /[A-Za-z0-9_.-]/.test(c));
  if (!valid) {
    throw new DynamoDBLedgerError('a table name is 3 to 255 characters of a-z, A-Z, 0-9, "_", "-" and "."', {
      tableName: name.slice(0, 300),
      operation: 'configure',
    });
  }
}

function _sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
