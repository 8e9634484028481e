import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { runLedgerStoreContract } from '@lastswitch/core/testing';
import { createLedgerTable, DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshTableName, localClient } from './_helpers.js';

const client = localClient(inject('dynamodbEndpoint'));
afterAll(() => client.destroy());

for (const segments of [1, 3]) {
  runLedgerStoreContract(
    { describe, it, expect },
    {
      name: `DynamoDBLedgerStore on DynamoDB Local (${segments === 1 ? 'sequential Scan' : `${segments} Scan segments`})`,
      create: async () => {
        const tableName = freshTableName('contract');
        await createLedgerTable(client, tableName, { pollIntervalMs: 50 });
        return new DynamoDBLedgerStore({ client, tableName, segments, consistentRead: true });
      },
      destroy: async (store) => {
        await client.send(new DeleteTableCommand({ TableName: (store as DynamoDBLedgerStore).tableName }));
      },
      runs: segments === 1 ? 20 : 5,
    },
  );
}
