import { LastswitchError } from '@lastswitch/core';
import type { OpenedStore } from './openStore.js';

/** A `dynamodb:` store that cannot be used (the table is missing). */
export class DynamoDBStoreError extends LastswitchError {
  override name = 'DynamoDBStoreError';
}

/** Opens `dynamodb:TABLE`; the SDK and the adapter are imported here, only when used. */
export async function openDynamoDBStore(table: string, createTable: boolean): Promise<OpenedStore> {
  const [{ DescribeTableCommand, DynamoDBClient }, { DynamoDBDocumentClient }, adapter] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
    import('@lastswitch/store-dynamodb'),
  ]);
  // Every attempt is bounded (a frozen endpoint fails instead of hanging), and the store bounds each
  // request, retries included, at its default 60 s.
  const client = new DynamoDBClient({
    maxAttempts: 8,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000, throwOnRequestTimeout: true },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  if (createTable) await adapter.createLedgerTable(client, table);
  const store = new adapter.DynamoDBLedgerStore({
    client: doc,
    tableName: table,
    onRetry: (e) =>
      process.stderr.write(
        `lastswitch: DynamoDB: ${e.failed} of ${e.of} item writes failed (${e.reason}); retrying them (round ${e.round})\n`,
      ),
  });
  return {
    store,
    label: `dynamodb:${table}`,
    // Fails fast on a missing table, before a scan reads any file. Without dynamodb:DescribeTable
    // permission the check is skipped: reads and writes will tell.
    exists: async () => {
      try {
        await client.send(new DescribeTableCommand({ TableName: table }));
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'ResourceNotFoundException') {
          throw new DynamoDBStoreError(`the DynamoDB table "${table}" does not exist`, { cause: error });
        }
        if (name !== 'AccessDeniedException') throw error;
      }
      return true;
    },
    close: () => client.destroy(),
  };
}
