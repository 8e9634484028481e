import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type {
  ApplyResult,
  LedgerEntry,
  LedgerStore,
  LedgerUpdate,
  PrincipalAlias,
  PrincipalKind,
  PrincipalRef,
  RoleRef,
  SwitchMethod,
} from '@lastswitch/core';
import Database from 'better-sqlite3';
import { LedgerDatabaseError } from '../errors.js';
import { makeDirectorySync } from '../makeDirectory.js';

/** The schema version (`PRAGMA user_version`) this release reads and writes. */
export const LEDGER_DB_VERSION = 1;

/** `PRAGMA application_id` of a lastswitch ledger database ("LSWL"). */
export const LEDGER_DB_APPLICATION_ID = 0x4c53574c;

/** Options of {@link SqliteLedgerStore}. */
export interface SqliteLedgerStoreOptions {
  /** How long a write waits for another process's transaction before failing, in ms (default 60 s). */
  busyTimeoutMs?: number;
}

/** The methods a ledger stores, as bits in the order they sort in (so decoding gives a sorted list). */
const METHODS: readonly SwitchMethod[] = [
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'SwitchRole',
];
const METHOD_BITS = new Map<string, number>(METHODS.map((m, i) => [m, 1 << i]));
/** Every method list a bit set decodes to, frozen and shared by the entries that have it. */
const METHOD_LISTS: readonly SwitchMethod[][] = Array.from(
  { length: 1 << METHODS.length },
  (_, bits) => Object.freeze(METHODS.filter((_m, i) => (bits & (1 << i)) !== 0)) as SwitchMethod[],
);

const SQLITE_HEADER = 'SQLite format 3\u0000';
/** Rows read per page when listing: pages are read whole, so no cursor stays open across awaits. */
const PAGE = 4096;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  principal_key TEXT NOT NULL,
  role_key TEXT NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_account TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  principal_arn TEXT,
  role_account TEXT NOT NULL,
  role_name TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  methods INTEGER NOT NULL,
  last_event_id TEXT NOT NULL,
  PRIMARY KEY (principal_key, role_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (
  account TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  principal_key TEXT NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_account TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  principal_arn TEXT,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (account, principal_id)
) WITHOUT ROWID;
`;

// The newer side of a merge, as `mergeLedgerEntry` decides it: later last_seen, then greater
// last_event_id, then greater display fields (compared field by field, as core compares them joined by NUL).
const EXCLUDED_IS_NEWER = `(excluded.last_seen > last_seen OR (excluded.last_seen = last_seen AND (
  excluded.last_event_id > last_event_id OR (excluded.last_event_id = last_event_id AND
    (coalesce(excluded.principal_arn, ''), excluded.principal_name, excluded.principal_kind, excluded.role_arn, excluded.role_name) >
    (coalesce(principal_arn, ''), principal_name, principal_kind, role_arn, role_name)))))`;

const newer = (column: string) => `${column} = iif(${EXCLUDED_IS_NEWER}, excluded.${column}, ${column})`;

const UPSERT_ENTRY = `
INSERT INTO entries (principal_key, role_key, principal_kind, principal_account, principal_name, principal_arn,
  role_account, role_name, role_arn, first_seen, last_seen, methods, last_event_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (principal_key, role_key) DO UPDATE SET
  ${['principal_kind', 'principal_account', 'principal_name', 'principal_arn', 'role_account', 'role_name', 'role_arn', 'last_seen', 'last_event_id'].map(newer).join(',\n  ')},
  first_seen = min(first_seen, excluded.first_seen),
  methods = methods | excluded.methods
WHERE ${EXCLUDED_IS_NEWER} OR excluded.first_seen < first_seen OR (methods | excluded.methods) <> methods`;

// `mergePrincipalAlias`: the later seen_at wins, ties going to the greater principal key.
const UPSERT_ALIAS = `
INSERT INTO aliases (account, principal_id, principal_key, principal_kind, principal_account, principal_name,
  principal_arn, seen_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account, principal_id) DO UPDATE SET
  principal_key = excluded.principal_key, principal_kind = excluded.principal_kind,
  principal_account = excluded.principal_account, principal_name = excluded.principal_name,
  principal_arn = excluded.principal_arn, seen_at = excluded.seen_at
WHERE excluded.seen_at > seen_at OR (excluded.seen_at = seen_at AND excluded.principal_key > principal_key)`;

const ENTRY_COLUMNS = `principal_key, role_key, principal_kind, principal_account, principal_name, principal_arn,
  role_account, role_name, role_arn, first_seen, last_seen, methods, last_event_id`;
const ALIAS_COLUMNS = `account, principal_id, principal_key, principal_kind, principal_account, principal_name,
  principal_arn, seen_at`;

// Role-owner-side entries that an alias resolves, as `assessLedger` resolves them: the principal id
// is the part of `unresolved:ACCOUNT:ID` after the prefix, else the principal's name.
const RESOLVED = `entries e JOIN aliases a ON e.principal_kind = 'unresolved' AND a.account = e.principal_account
  AND a.principal_id = iif(substr(e.principal_key, 1, length(e.principal_account) + 12) = 'unresolved:' || e.principal_account || ':',
    substr(e.principal_key, length(e.principal_account) + 13), e.principal_name)`;

const COUNT_RESOLVED = `WITH r AS (
  SELECT coalesce(a.principal_key, e.principal_key) AS pk, e.role_key AS rk
  FROM ${RESOLVED.replace('entries e JOIN', 'entries e LEFT JOIN')}
)
SELECT (SELECT count(*) FROM (SELECT DISTINCT pk, rk FROM r)) AS pairs, (SELECT count(DISTINCT pk) FROM r) AS principals`;

type Row = unknown[];

function _methodBits(methods: readonly string[], path: string): number {
  let bits = 0;
  for (const method of methods) {
    const bit = METHOD_BITS.get(method);
    if (bit === undefined) throw new LedgerDatabaseError(path, `unknown switch method ${JSON.stringify(method)}`);
    bits |= bit;
  }
  return bits;
}

function _principal(key: string, kind: string, account: string, name: string, arn: unknown): PrincipalRef {
  const principal: PrincipalRef = { key, kind: kind as PrincipalKind, account, name };
  if (typeof arn === 'string') principal.arn = arn;
  return principal;
}

/** An async iterable over pages that `next(after)` reads, one settled promise per item. */
function _paged<T>(read: (after: Row | undefined) => Row[], toItem: (row: Row) => T): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let rows: Row[] = [];
      let i = 0;
      let done = false;
      let last: Row | undefined;
      const next = (): Promise<IteratorResult<T>> => {
        try {
          if (i >= rows.length && !done) {
            rows = read(last);
            i = 0;
            if (rows.length < PAGE) done = true;
            if (rows.length > 0) last = rows[rows.length - 1];
          }
          if (i >= rows.length) return Promise.resolve({ done: true, value: undefined });
          return Promise.resolve({ done: false, value: toItem(rows[i++] as Row) });
        } catch (error) {
          return Promise.reject(error);
        }
      };
      return {
        next,
        return: () => {
          done = true;
          rows = [];
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

/**
 * A `LedgerStore` in an embedded SQLite database (the CLI's default, `.lastswitch/ledger.db`): one
 * row per (principal, role) merged in SQL with max(lastSeen) / min(firstSeen), one transaction per
 * `apply`, WAL so reports read while a scan writes, and SQLite's own locking between processes.
 * A missing database is an empty ledger and is created by the first `apply`, not by reading.
 */
export class SqliteLedgerStore implements LedgerStore {
  /** The absolute path of the database file. */
  readonly path: string;
  readonly #busyTimeoutMs: number;
  #db: Database.Database | undefined;
  #ready = false;
  #upsertEntry: Database.Statement | undefined;
  #upsertAlias: Database.Statement | undefined;

  constructor(path: string, options: SqliteLedgerStoreOptions = {}) {
    this.path = resolve(path);
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 60_000;
  }

  /** Whether the database exists yet; throws if the file is not a lastswitch ledger database. */
  async exists(): Promise<boolean> {
    return this.#open(false) !== undefined;
  }

  async apply(updates: readonly LedgerUpdate[], aliases: readonly PrincipalAlias[] = []): Promise<ApplyResult> {
    const result: ApplyResult = { pairs: updates.length, aliases: aliases.length, writes: 0, heldBack: 0 };
    if (updates.length === 0 && aliases.length === 0) return result;
    const db = this.#open(true) as Database.Database;
    const rows = updates.map((u) => [
      u.principal.key,
      u.role.key,
      u.principal.kind,
      u.principal.account,
      u.principal.name,
      u.principal.arn ?? null,
      u.role.account,
      u.role.name,
      u.role.arn,
      u.firstSeen,
      u.lastSeen,
      _methodBits(u.methods, this.path),
      u.lastEventId,
    ]);
    const aliasRows = aliases.map((a) => [
      a.account,
      a.principalId,
      a.principal.key,
      a.principal.kind,
      a.principal.account,
      a.principal.name,
      a.principal.arn ?? null,
      a.seenAt,
    ]);
    this.#guard(() => {
      if (this.#upsertEntry === undefined) this.#upsertEntry = db.prepare(UPSERT_ENTRY);
      if (this.#upsertAlias === undefined) this.#upsertAlias = db.prepare(UPSERT_ALIAS);
      const entry = this.#upsertEntry;
      const alias = this.#upsertAlias;
      db.transaction(() => {
        for (const row of rows) result.writes += entry.run(row).changes;
        for (const row of aliasRows) result.writes += alias.run(row).changes;
      }).immediate();
    });
    result.heldBack = result.pairs + result.aliases - result.writes;
    return result;
  }

  entries(): AsyncIterable<LedgerEntry> {
    // Equal principals and roles become one frozen object (like the memory store), keeping a large
    // ledger small. Rows come in principal order, so a principal is usually the previous row's.
    let principal: PrincipalRef | undefined;
    const roles = new Map<string, RoleRef>();
    return _paged(
      (after) => this.#page('entries', ENTRY_COLUMNS, 'principal_key, role_key', after),
      (r) => {
        const pArn = r[5] as string | null;
        if (
          principal === undefined ||
          principal.key !== r[0] ||
          principal.kind !== r[2] ||
          principal.account !== r[3] ||
          principal.name !== r[4] ||
          (principal.arn ?? null) !== pArn
        ) {
          principal = Object.freeze(_principal(r[0] as string, r[2] as string, r[3] as string, r[4] as string, pArn));
        }
        const rk = r[1] as string;
        let role = roles.get(rk);
        if (role === undefined || role.account !== r[6] || role.name !== r[7] || role.arn !== r[8]) {
          role = Object.freeze({ key: rk, account: r[6] as string, name: r[7] as string, arn: r[8] as string });
          roles.set(rk, role);
        }
        return Object.freeze({
          principal,
          role,
          firstSeen: r[9] as number,
          lastSeen: r[10] as number,
          methods: METHOD_LISTS[(r[11] as number) & 15] as SwitchMethod[],
          lastEventId: r[12] as string,
        });
      },
    );
  }

  aliases(): AsyncIterable<PrincipalAlias> {
    return _paged(
      (after) => this.#page('aliases', ALIAS_COLUMNS, 'account, principal_id', after),
      (r) => ({
        account: r[0] as string,
        principalId: r[1] as string,
        principal: _principal(r[2] as string, r[3] as string, r[4] as string, r[5] as string, r[6]),
        seenAt: r[7] as number,
      }),
    );
  }

  /**
   * Pairs and distinct principals after aliases resolve role-owner-side principals: what
   * `assessLedger` counts, computed in SQL without reading the entries out.
   */
  async countLedger(): Promise<{ pairs: number; principals: number }> {
    const db = this.#open(false);
    if (db === undefined) return { pairs: 0, principals: 0 };
    return this.#guard(() => {
      if (!this.#ready) this.#ready = this.#checkSchema(db);
      if (!this.#ready) return { pairs: 0, principals: 0 };
      const resolved = db.prepare(`SELECT EXISTS (SELECT 1 FROM ${RESOLVED})`).pluck().get() as number;
      if (resolved === 0) {
        return db
          .prepare('SELECT count(*) AS pairs, count(DISTINCT principal_key) AS principals FROM entries')
          .get() as { pairs: number; principals: number };
      }
      return db.prepare(COUNT_RESOLVED).get() as { pairs: number; principals: number };
    });
  }

  /** The files the ledger lives in: the database, its write-ahead log and its shared-memory index. */
  ledgerFiles(): string[] {
    return [this.path, `${this.path}-wal`, `${this.path}-shm`, `${this.path}-journal`];
  }

  /** Closes the database (a later call opens it again). */
  close(): void {
    this.#db?.close();
    this.#db = undefined;
    this.#ready = false;
    this.#upsertEntry = undefined;
    this.#upsertAlias = undefined;
  }

  /** One page of a table in key order, after the key of `after` (its first two columns). */
  #page(table: string, columns: string, key: string, after: Row | undefined): Row[] {
    const db = this.#open(false);
    if (db === undefined) return [];
    return this.#guard(() => {
      // A database created empty (or by another process since it was opened) gets its schema checked now.
      if (!this.#ready) this.#ready = this.#checkSchema(db);
      if (!this.#ready) return [];
      const where = after === undefined ? '' : `WHERE (${key}) > (?, ?)`;
      const statement = db.prepare(`SELECT ${columns} FROM ${table} ${where} ORDER BY ${key} LIMIT ${PAGE}`).raw(true);
      return (after === undefined ? statement.all() : statement.all(after[0], after[1])) as Row[];
    });
  }

  /**
   * The open database, opening it on first use. Reading never creates it (undefined when missing);
   * writing creates the file, its folder and the schema.
   */
  #open(create: boolean): Database.Database | undefined {
    if (this.#db !== undefined && (this.#ready || !create)) return this.#db;
    if (this.#db === undefined) {
      if (!this.#checkFile(create)) return undefined;
      if (create) {
        try {
          makeDirectorySync(dirname(this.path));
        } catch (error) {
          throw new LedgerDatabaseError(this.path, `cannot create its folder: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      this.#db = this.#guard(() => {
        const db = new Database(this.path, { timeout: this.#busyTimeoutMs });
        try {
          this.#ready = this.#checkSchema(db);
        } catch (error) {
          db.close();
          throw error;
        }
        return db;
      });
    }
    const db = this.#db;
    if (create && !this.#ready) {
      this.#guard(() => {
        db.pragma('journal_mode = WAL');
        db.transaction(() => {
          if (this.#checkSchema(db)) return;
          db.exec(SCHEMA);
          db.pragma(`application_id = ${LEDGER_DB_APPLICATION_ID}`);
          db.pragma(`user_version = ${LEDGER_DB_VERSION}`);
        }).immediate();
      });
      this.#ready = true;
    }
    return db;
  }

  /** False for a missing file; throws for a folder or a file that is not a SQLite database (an empty file is one). */
  #checkFile(create: boolean): boolean {
    let size: number;
    try {
      const info = statSync(this.path);
      if (info.isDirectory()) throw new LedgerDatabaseError(this.path, 'the ledger path is a directory, not a file');
      size = info.size;
    } catch (error) {
      if (error instanceof LedgerDatabaseError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return create;
      throw new LedgerDatabaseError(this.path, `cannot read the ledger: ${(error as Error).message}`, { cause: error });
    }
    if (size === 0) return true;
    const header = Buffer.alloc(16);
    let read = 0;
    try {
      const fd = openSync(this.path, 'r');
      try {
        read = readSync(fd, header, 0, 16, 0);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new LedgerDatabaseError(this.path, `cannot read the ledger: ${(error as Error).message}`, { cause: error });
    }
    if (read < 16 || header.toString('latin1') !== SQLITE_HEADER) {
      throw new LedgerDatabaseError(this.path, 'not a SQLite database: refusing to read or overwrite it');
    }
    return true;
  }

  /** True when the schema is there; false for a new, empty database; throws for a foreign or newer one. */
  #checkSchema(db: Database.Database): boolean {
    const version = db.pragma('user_version', { simple: true }) as number;
    const application = db.pragma('application_id', { simple: true }) as number;
    if (application === 0 && version === 0) {
      const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
      if (tables === 0) return false;
    }
    if (application !== LEDGER_DB_APPLICATION_ID) {
      throw new LedgerDatabaseError(this.path, 'not a lastswitch ledger database: refusing to read or overwrite it');
    }
    if (version > LEDGER_DB_VERSION) {
      throw new LedgerDatabaseError(
        this.path,
        `the ledger database is schema version ${version}, written by a newer lastswitch (this one reads version ${LEDGER_DB_VERSION}): upgrade lastswitch`,
      );
    }
    if (version < 1) throw new LedgerDatabaseError(this.path, 'the ledger database has no valid schema version');
    return true;
  }

  /** Runs `body`, turning SQLite's errors into one clear `LedgerDatabaseError` naming the file. */
  #guard<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      if (error instanceof LedgerDatabaseError || !(error instanceof Database.SqliteError)) throw error;
      const code = error.code;
      const what =
        code === 'SQLITE_NOTADB'
          ? 'not a SQLite database: refusing to read or overwrite it'
          : code === 'SQLITE_CORRUPT'
            ? 'the ledger database is corrupt'
            : code === 'SQLITE_BUSY'
              ? `the ledger database stayed locked by another process for ${Math.round(this.#busyTimeoutMs / 1000)} s`
              : code === 'SQLITE_READONLY'
                ? 'the ledger database is read-only'
                : `SQLite failed (${code}): ${error.message}`;
      throw new LedgerDatabaseError(this.path, what, { cause: error });
    }
  }
}
