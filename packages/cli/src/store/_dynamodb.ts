import type { OpenedStore } from './openStore.js';

/** Opens `dynamodb:TABLE`; the SDK and the adapter are imported here, only when used. */
export async function openDynamoDBStore(table: string, createTable: boolean): Promise<OpenedStore> {
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }, adapter] = await Promise.all([
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
    exists: async () => true,
    close: () => client.destroy(),
  };
}
