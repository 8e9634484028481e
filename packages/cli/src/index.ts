/**
 * lastswitch — the command line: scan CloudTrail into a ledger, report who stopped switching role,
 * notify Slack. The library entry exposes the embedded file store and the program for embedding.
 *
 * @example
 * ```ts
 * import { FileLedgerStore } from 'lastswitch';
 *
 * const store = new FileLedgerStore('.lastswitch/ledger.json');
 * for await (const entry of store.entries()) console.log(entry.principal.key, entry.role.key, entry.lastSeen);
 * ```
 */

export { type CliContext, processContext } from './context.js';
export { ExitCode, LedgerFileError, UsageError } from './errors.js';
export { createProgram, formatError, runCli } from './program.js';
export {
  FileLedgerStore,
  type FileLedgerStoreOptions,
  LEDGER_FILE_FORMAT,
  LEDGER_FILE_VERSION,
} from './store/FileLedgerStore.js';
export {
  DEFAULT_STORE_URL,
  type OpenedStore,
  type OpenStoreOptions,
  openStore,
  parseStoreUrl,
  type StoreUrl,
} from './store/openStore.js';
