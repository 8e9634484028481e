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
  const client = new DynamoDBClient({ maxAttempts: 8 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  if (createTable) await adapter.createLedgerTable(client, table);
  const store = new adapter.DynamoDBLedgerStore({ client: doc, tableName: table });
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
