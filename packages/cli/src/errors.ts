import { LastswitchError } from '@lastswitch/core';

/** Exit codes of the `lastswitch` command: 0 ok, 1 some files or a delivery failed, 2 bad usage. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad command-line usage (unknown store URL, missing path, bad date): exit code 2. */
export class UsageError extends LastswitchError {
  override name = 'UsageError';
}

/** A ledger file that cannot be used: corrupt, foreign, newer format, or locked by another process. */
export class LedgerFileError extends LastswitchError {
  override name = 'LedgerFileError';

  /** The ledger file's path. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${message} (ledger file ${path})`, options);
    this.path = path;
  }
}

/** A ledger database that cannot be used: not SQLite, not a lastswitch ledger, a newer schema, corrupt, or locked too long. */
export class LedgerDatabaseError extends LastswitchError {
  override name = 'LedgerDatabaseError';

  /** The database file's path. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${message} (ledger database ${path})`, options);
    this.path = path;
  }
}
