/**
 * lastswitch — the command line: scan CloudTrail into a ledger, report who stopped switching role,
 * notify Slack. The library entry exposes the embedded stores (SQLite, JSON file) and the program for embedding.
 *
 * @example
 * ```ts
 * import { SqliteLedgerStore } from 'lastswitch';
 *
 * const store = new SqliteLedgerStore('.lastswitch/ledger.db');
 * for await (const entry of store.entries()) console.log(entry.principal.key, entry.role.key, entry.lastSeen);
 * ```
 */

export { type CliContext, processContext } from './context.js';
export { createProgram } from './createProgram.js';
export { ExitCode, LedgerDatabaseError, LedgerFileError, UsageError } from './errors.js';
export { formatError, runCli } from './program.js';
export {
  FileLedgerStore,
  type FileLedgerStoreOptions,
  LEDGER_FILE_FORMAT,
  LEDGER_FILE_VERSION,
  ledgerFileChunks,
} from './store/FileLedgerStore.js';
export {
  DEFAULT_STORE_URL,
  type OpenedStore,
  type OpenStoreOptions,
  openStore,
  parseStoreUrl,
  type StoreUrl,
} from './store/openStore.js';
export {
  LEDGER_DB_APPLICATION_ID,
  LEDGER_DB_VERSION,
  SqliteLedgerStore,
  type SqliteLedgerStoreOptions,
} from './store/SqliteLedgerStore.js';
