/**
 * @lastswitch/store-dynamodb — the lastswitch ledger on DynamoDB: conditional newest-wins writes,
 * at most one write per pair per file in the normal case, paginated reads.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { createLedgerTable, DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }));
 * await createLedgerTable(client, 'lastswitch-ledger');
 * const store = new DynamoDBLedgerStore({ client, tableName: 'lastswitch-ledger' });
 * const { writes, heldBack } = await store.apply(updates, aliases);
 * for await (const entry of store.entries()) console.log(entry.principal.key, entry.role.key);
 * ```
 */

export {
  DynamoDBLedgerError,
  type DynamoDBLedgerOperation,
  DynamoDBLedgerWriteError,
  type NotLandedItem,
} from './DynamoDBLedgerError.js';
export {
  DynamoDBLedgerStore,
  type DynamoDBLedgerStoreOptions,
  type LedgerRetryEvent,
  type LedgerScanOptions,
} from './DynamoDBLedgerStore.js';
export {
  type CreateLedgerTableOptions,
  type CreateLedgerTableResult,
  createLedgerTable,
  ledgerTableDefinition,
} from './ledgerTableDefinition.js';
