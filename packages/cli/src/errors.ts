import { LastswitchError } from '@lastswitch/core';

/**
 * Exit codes of the `lastswitch` command: 0 ok, 1 some files or a delivery failed (or no ledger),
 * 2 bad usage, 3 `report --fail-on` found rows of the statuses it names.
 */
export const ExitCode = { ok: 0, failed: 1, usage: 2, findings: 3 } as const;

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

/** `report`, `plan` or `notify` on a store that does not exist (a mistyped path, no scan yet): exit code 1. */
export class MissingLedgerError extends LastswitchError {
  override name = 'MissingLedgerError';

  /** The store as the user wrote it (`file:…`, `dynamodb:…`). */
  readonly label: string;

  constructor(label: string) {
    super(
      `there is no ledger at ${label}: check --store (or $LASTSWITCH_STORE), run \`lastswitch scan\` first, or pass --allow-empty`,
    );
    this.label = label;
  }
}
