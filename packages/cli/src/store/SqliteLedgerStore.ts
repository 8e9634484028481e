import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import type {
  ApplyResult,
  LedgerColumns,
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

let nativeBinding: string | null | undefined;

/**
 * better-sqlite3's compiled addon, where its build puts it (prebuilt or compiled here): handed to
 * `Database` so it does not load the `bindings` package and search a dozen places at start-up
 * (≈ 4 ms). Undefined when it is elsewhere: better-sqlite3 then finds it itself.
 */
function _nativeBinding(): string | undefined {
  if (nativeBinding === undefined) {
    try {
      nativeBinding = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    } catch {
      nativeBinding = null;
    }
  }
  return nativeBinding ?? undefined;
}

/** The schema version (`PRAGMA user_version`) this release reads and writes (version 1 is upgraded in place). */
export const LEDGER_DB_VERSION = 2;

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

// Version 2: each distinct principal and role (key and display fields) is one row, and an entry
// carries integers: the pair (key ids: the id of the first row with that key) and the display rows
// of its newer side. A report reads numbers and builds each principal and role once.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS principals (
  id INTEGER PRIMARY KEY,
  key_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  arn TEXT
);
CREATE INDEX IF NOT EXISTS principals_by_key ON principals (key);
CREATE TABLE IF NOT EXISTS roles (
  id INTEGER PRIMARY KEY,
  key_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  arn TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS roles_by_key ON roles (key);
CREATE TABLE IF NOT EXISTS entries (
  principal_key_id INTEGER NOT NULL,
  role_key_id INTEGER NOT NULL,
  principal_id INTEGER NOT NULL,
  role_id INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  methods INTEGER NOT NULL,
  last_event_id TEXT NOT NULL,
  PRIMARY KEY (principal_key_id, role_key_id)
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

// Version 1 → 2, inside the transaction that checked the version: the old entries table is
// renamed, its distinct principals and roles become rows, its entries point at them.
const UPGRADE_FROM_1 = `
ALTER TABLE entries RENAME TO entries_v1;
${SCHEMA}
INSERT INTO principals (key_id, key, kind, account, name, arn)
  SELECT DISTINCT 0, principal_key, principal_kind, principal_account, principal_name, principal_arn FROM entries_v1;
UPDATE principals SET key_id = (SELECT min(q.id) FROM principals q WHERE q.key = principals.key);
INSERT INTO roles (key_id, key, account, name, arn)
  SELECT DISTINCT 0, role_key, role_account, role_name, role_arn FROM entries_v1;
UPDATE roles SET key_id = (SELECT min(q.id) FROM roles q WHERE q.key = roles.key);
INSERT INTO entries (principal_key_id, role_key_id, principal_id, role_id, first_seen, last_seen, methods, last_event_id)
  SELECT p.key_id, r.key_id, p.id, r.id, e.first_seen, e.last_seen, e.methods, e.last_event_id
  FROM entries_v1 e
  JOIN principals p ON p.key = e.principal_key AND p.kind = e.principal_kind AND p.account = e.principal_account
    AND p.name = e.principal_name AND p.arn IS e.principal_arn
  JOIN roles r ON r.key = e.role_key AND r.account = e.role_account AND r.name = e.role_name AND r.arn = e.role_arn;
DROP TABLE entries_v1;
`;

/** The display fields a full tie is broken by (as `mergeLedgerEntry` compares them), of an entry's principal and role rows. */
const display = (principalId: string, roleId: string) =>
  `(SELECT coalesce(p.arn, ''), p.name, p.kind, r.arn, r.name FROM principals p, roles r WHERE p.id = ${principalId} AND r.id = ${roleId})`;

// The newer side of a merge, as `mergeLedgerEntry` decides it: later last_seen, then greater
// last_event_id, then greater display fields (compared field by field, as core compares them joined by NUL).
const EXCLUDED_IS_NEWER = `(excluded.last_seen > last_seen OR (excluded.last_seen = last_seen AND (
  excluded.last_event_id > last_event_id OR (excluded.last_event_id = last_event_id AND
    (excluded.principal_id <> principal_id OR excluded.role_id <> role_id) AND
    ${display('excluded.principal_id', 'excluded.role_id')} > ${display('principal_id', 'role_id')}))))`;

const newer = (column: string) => `${column} = iif(${EXCLUDED_IS_NEWER}, excluded.${column}, ${column})`;

const UPSERT_ENTRY = `
INSERT INTO entries (principal_key_id, role_key_id, principal_id, role_id, first_seen, last_seen, methods, last_event_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (principal_key_id, role_key_id) DO UPDATE SET
  ${['principal_id', 'role_id', 'last_seen', 'last_event_id'].map(newer).join(',\n  ')},
  first_seen = min(first_seen, excluded.first_seen),
  methods = methods | excluded.methods
WHERE ${EXCLUDED_IS_NEWER} OR excluded.first_seen < first_seen OR (methods | excluded.methods) <> methods`;

// A new principal or role row gets the next id (the table's greatest, read once per apply's
// transaction, plus one per row added) and the key id of its key's first row (else its own id),
// as values. Neither `INSERT … SELECT` from the same table nor `RETURNING`: SQLite runs both
// through a temporary table, which on a database file costs 40–80 µs a row, 20 times a plain insert.
const LAST_PRINCIPAL_ID = 'SELECT coalesce(max(id), 0) FROM principals';
const INSERT_PRINCIPAL =
  'INSERT INTO principals (id, key_id, key, kind, account, name, arn) VALUES (?, ?, ?, ?, ?, ?, ?)';
const LAST_ROLE_ID = 'SELECT coalesce(max(id), 0) FROM roles';
const INSERT_ROLE = 'INSERT INTO roles (id, key_id, key, account, name, arn) VALUES (?, ?, ?, ?, ?, ?)';

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

// `columns()` reads entries as one text of numbers per page, parsed into typed arrays: SQLite
// writes numbers as text far faster than better-sqlite3 makes a JS array and values per row.
const COLUMNS_PAGE = 65_536;
// The entries of a page come in any order inside the text (asking for key order costs a sort);
// the page's last key is the greatest it holds.
const COLUMNS_TEXT = `count(*), group_concat(principal_id || ',' || role_id || ',' || first_seen || ',' || last_seen || ',' ||
  methods, ',')`;
const COLUMNS_PAGE_OF = `SELECT principal_id, role_id, first_seen, last_seen, methods FROM entries`;
/** How much of the database `columns()` reads through a memory map (the rest, if any, as usual). */
const COLUMNS_MMAP_BYTES = 1 << 30;
/** Numbers per entry in that text. */
const COLUMNS_PER_ENTRY = 5;

const ENTRY_COLUMNS =
  'principal_key_id, role_key_id, principal_id, role_id, first_seen, last_seen, methods, last_event_id';
const ALIAS_COLUMNS = `account, principal_id, principal_key, principal_kind, principal_account, principal_name,
  principal_arn, seen_at`;

// Role-owner-side principals that an alias resolves, as `assessLedger` resolves them: the principal id
// is the part of `unresolved:ACCOUNT:ID` after the prefix, else the principal's name.
const ALIAS_OF = (p: string) => `a.account = ${p}.account
  AND a.principal_id = iif(substr(${p}.key, 1, length(${p}.account) + 12) = 'unresolved:' || ${p}.account || ':',
    substr(${p}.key, length(${p}.account) + 13), ${p}.name)`;

/** Whether any principal row is an unresolved one that an alias resolves (the principals table is small). */
const ANY_RESOLVED = `SELECT EXISTS (SELECT 1 FROM principals p JOIN aliases a ON p.kind = 'unresolved' AND ${ALIAS_OF('p')})`;

const COUNT_RESOLVED = `WITH r AS (
  SELECT coalesce(a.principal_key, p.key) AS pk, e.role_key_id AS rk
  FROM entries e JOIN principals p ON p.id = e.principal_id
  LEFT JOIN aliases a ON p.kind = 'unresolved' AND ${ALIAS_OF('p')}
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

/**
 * The position of a row by its id (the first column), -1 for none: a table when the ids are dense
 * (they are: SQLite numbers rows 1, 2, …), else a map.
 */
function _rowIndex(rows: readonly Row[]): (id: number) => number {
  const ids = rows.map((r) => r[0] as number);
  const max = Math.max(0, ...ids.slice(-1));
  if (ids.every((id) => Number.isSafeInteger(id) && id >= 0) && max <= 4 * rows.length + 1024) {
    const table = new Int32Array(max + 1).fill(-1);
    ids.forEach((id, i) => {
      table[id] = i;
    });
    return (id) => (id >= 0 && id <= max ? (table[id] ?? -1) : -1);
  }
  const map = new Map(ids.map((id, i) => [id, i]));
  return (id) => map.get(id) ?? -1;
}

/**
 * Exactly `count` comma-separated numbers, as SQLite writes integers (`-`, digits); anything else
 * (a number stored as REAL, one past 2^53) goes through `Number`. Undefined when the text does not
 * hold `count` numbers: a NULL field leaves its entry out of SQLite's `group_concat`.
 */
export function _parseNumbers(text: string, count: number): Float64Array | undefined {
  const out = new Float64Array(count);
  let k = 0;
  let start = 0;
  let value = 0;
  let sign = 1;
  let plain = true;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 44;
    if (code === 44) {
      if (k === count) return undefined;
      const digits = i - start - (sign < 0 ? 1 : 0);
      const number = plain && digits > 0 && digits <= 15 ? sign * value : Number(text.slice(start, i));
      if (i === start || Number.isNaN(number)) return undefined;
      out[k++] = number;
      start = i + 1;
      value = 0;
      sign = 1;
      plain = true;
    } else if (code >= 48 && code <= 57) value = value * 10 + (code - 48);
    else if (code === 45 && i === start) sign = -1;
    else plain = false;
  }
  return k === count ? out : undefined;
}

/** The frozen ref of a principals row read as `id, key, kind, account, name, arn, …`. */
function _principalOfRow(r: Row): PrincipalRef {
  return Object.freeze(_principal(r[1] as string, r[2] as string, r[3] as string, r[4] as string, r[5]));
}

/** The frozen ref of a roles row read as `id, key, account, name, arn, …`. */
function _roleOfRow(r: Row): RoleRef {
  return Object.freeze({ key: r[1] as string, account: r[2] as string, name: r[3] as string, arn: r[4] as string });
}

/**
 * An iterable over pages that `read(after)` reads, both sync (what `assessLedger` prefers: no
 * promise per item) and async (what the `LedgerStore` contract promises).
 */
function _paged<T>(read: (after: Row | undefined) => Row[], toItem: (row: Row) => T): AsyncIterable<T> & Iterable<T> {
  function* items(): Generator<T> {
    let last: Row | undefined;
    for (;;) {
      const rows = read(last);
      for (const row of rows) yield toItem(row);
      if (rows.length < PAGE) return;
      last = rows[rows.length - 1];
    }
  }
  return {
    [Symbol.iterator]: items,
    [Symbol.asyncIterator]() {
      const it = items();
      return {
        next: () => {
          try {
            return Promise.resolve(it.next());
          } catch (error) {
            return Promise.reject(error);
          }
        },
        return: () => Promise.resolve(it.return(undefined)),
      };
    },
  };
}

/** The statements a store runs, prepared once per connection. */
function _prepare(db: Database.Database) {
  const raw = (sql: string) => db.prepare(sql).raw(true);
  return {
    upsertEntry: db.prepare(UPSERT_ENTRY),
    upsertAlias: db.prepare(UPSERT_ALIAS),
    lastPrincipalId: db.prepare(LAST_PRINCIPAL_ID).pluck(),
    insertPrincipal: db.prepare(INSERT_PRINCIPAL),
    lastRoleId: db.prepare(LAST_ROLE_ID).pluck(),
    insertRole: db.prepare(INSERT_ROLE),
    principalsByKey: raw('SELECT id, key_id, kind, account, name, arn FROM principals WHERE key = ? ORDER BY id'),
    rolesByKey: raw('SELECT id, key_id, account, name, arn FROM roles WHERE key = ? ORDER BY id'),
    allPrincipals: raw('SELECT id, key, kind, account, name, arn, key_id FROM principals ORDER BY id'),
    allRoles: raw('SELECT id, key, account, name, arn, key_id FROM roles ORDER BY id'),
    countEntries: db.prepare('SELECT count(*) FROM entries').pluck(),
    columnsFirst: raw(
      `SELECT ${COLUMNS_TEXT} FROM (${COLUMNS_PAGE_OF} ORDER BY principal_key_id, role_key_id LIMIT ${COLUMNS_PAGE})`,
    ),
    columnsAfter: raw(
      `SELECT ${COLUMNS_TEXT} FROM (${COLUMNS_PAGE_OF} WHERE (principal_key_id, role_key_id) > (?, ?) ORDER BY principal_key_id, role_key_id LIMIT ${COLUMNS_PAGE})`,
    ),
    lastEventId: db.prepare('SELECT last_event_id FROM entries WHERE principal_key_id = ? AND role_key_id = ?').pluck(),
    principalsAfter: raw('SELECT id, key, kind, account, name, arn FROM principals WHERE id > ? ORDER BY id'),
    rolesAfter: raw('SELECT id, key, account, name, arn FROM roles WHERE id > ? ORDER BY id'),
    entriesFirst: raw(`SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY principal_key_id, role_key_id LIMIT ${PAGE}`),
    entriesAfter: raw(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE (principal_key_id, role_key_id) > (?, ?) ORDER BY principal_key_id, role_key_id LIMIT ${PAGE}`,
    ),
    aliasesFirst: raw(`SELECT ${ALIAS_COLUMNS} FROM aliases ORDER BY account, principal_id LIMIT ${PAGE}`),
    aliasesAfter: raw(
      `SELECT ${ALIAS_COLUMNS} FROM aliases WHERE (account, principal_id) > (?, ?) ORDER BY account, principal_id LIMIT ${PAGE}`,
    ),
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
  #prepared: ReturnType<typeof _prepare> | undefined;

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
    const methods = updates.map((u) => _methodBits(u.methods, this.path));
    const db = this.#open(true) as Database.Database;
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
      const s = this.#statements(db);
      // Row ids found or added in this transaction (a rolled-back one must not leave ids behind).
      const principals = new Map<string, { ref: PrincipalRef; id: number; keyId: number }[]>();
      const roles = new Map<string, { ref: RoleRef; id: number; keyId: number }[]>();
      // The greatest ids when the transaction began (0: the table was empty, so no key is there), then the last added.
      let lastPrincipal = 0;
      let lastRole = 0;
      let hadPrincipals = false;
      let hadRoles = false;
      const principalRow = (p: PrincipalRef) => {
        let versions = principals.get(p.key);
        if (versions === undefined) {
          versions = (hadPrincipals ? (s.principalsByKey.all(p.key) as Row[]) : []).map((r) => ({
            ref: _principal(p.key, r[2] as string, r[3] as string, r[4] as string, r[5]),
            id: r[0] as number,
            keyId: r[1] as number,
          }));
          principals.set(p.key, versions);
        }
        const arn = p.arn ?? null;
        for (const v of versions) {
          if (
            v.ref.kind === p.kind &&
            v.ref.account === p.account &&
            v.ref.name === p.name &&
            (v.ref.arn ?? null) === arn
          ) {
            return v;
          }
        }
        const id = ++lastPrincipal;
        const keyId = versions[0]?.keyId ?? id;
        s.insertPrincipal.run(id, keyId, p.key, p.kind, p.account, p.name, arn);
        const v = { ref: p, id, keyId };
        versions.push(v);
        return v;
      };
      const roleRow = (r: RoleRef) => {
        let versions = roles.get(r.key);
        if (versions === undefined) {
          versions = (hadRoles ? (s.rolesByKey.all(r.key) as Row[]) : []).map((row) => ({
            ref: { key: r.key, account: row[2] as string, name: row[3] as string, arn: row[4] as string },
            id: row[0] as number,
            keyId: row[1] as number,
          }));
          roles.set(r.key, versions);
        }
        for (const v of versions) {
          if (v.ref.account === r.account && v.ref.name === r.name && v.ref.arn === r.arn) return v;
        }
        const id = ++lastRole;
        const keyId = versions[0]?.keyId ?? id;
        s.insertRole.run(id, keyId, r.key, r.account, r.name, r.arn);
        const v = { ref: r, id, keyId };
        versions.push(v);
        return v;
      };
      db.transaction(() => {
        lastPrincipal = s.lastPrincipalId.get() as number;
        lastRole = s.lastRoleId.get() as number;
        hadPrincipals = lastPrincipal > 0;
        hadRoles = lastRole > 0;
        updates.forEach((u, i) => {
          const p = principalRow(u.principal);
          const r = roleRow(u.role);
          const row = [p.keyId, r.keyId, p.id, r.id, u.firstSeen, u.lastSeen, methods[i], u.lastEventId];
          result.writes += s.upsertEntry.run(row).changes;
        });
        for (const row of aliasRows) result.writes += s.upsertAlias.run(row).changes;
      }).immediate();
    });
    result.heldBack = result.pairs + result.aliases - result.writes;
    return result;
  }

  entries(): AsyncIterable<LedgerEntry> {
    // Each principal and role row becomes one frozen object (like the memory store), shared by its
    // entries: a page of entries is numbers and an event id.
    const principals = new Map<number, PrincipalRef>();
    const roles = new Map<number, RoleRef>();
    let principalsRead = 0;
    let rolesRead = 0;
    const readRefs = (db: Database.Database) => {
      const s = this.#statements(db);
      for (const r of s.principalsAfter.all(principalsRead) as Row[]) {
        principals.set(r[0] as number, _principalOfRow(r));
        principalsRead = r[0] as number;
      }
      for (const r of s.rolesAfter.all(rolesRead) as Row[]) {
        roles.set(r[0] as number, _roleOfRow(r));
        rolesRead = r[0] as number;
      }
    };
    return _paged(
      (after) => {
        return this.#read([] as Row[], (db, s) => {
          const rows = (after === undefined ? s.entriesFirst.all() : s.entriesAfter.all(after[0], after[1])) as Row[];
          // Rows and refs are read in one implicit transaction each: a ref added since is read now.
          for (const r of rows) {
            if (!principals.has(r[2] as number) || !roles.has(r[3] as number)) {
              readRefs(db);
              break;
            }
          }
          return rows;
        });
      },
      (r) =>
        Object.freeze({
          principal: principals.get(r[2] as number) as PrincipalRef,
          role: roles.get(r[3] as number) as RoleRef,
          firstSeen: r[4] as number,
          lastSeen: r[5] as number,
          methods: METHOD_LISTS[(r[6] as number) & 15] as SwitchMethod[],
          lastEventId: r[7] as string,
        }),
    );
  }

  /**
   * The entries as columns, in one read transaction: what `assessStore` and the CLI's reports read
   * (a 100,000-entry ledger in a fifth of the time `entries()` takes, with no object per entry).
   */
  async columns(): Promise<LedgerColumns> {
    const none: LedgerColumns = {
      length: 0,
      principals: [],
      roles: [],
      methodLists: METHOD_LISTS,
      principal: new Uint32Array(0),
      role: new Uint32Array(0),
      firstSeen: new Float64Array(0),
      lastSeen: new Float64Array(0),
      methods: new Uint8Array(0),
      lastEventId: () => '',
    };
    return this.#read(none, (db, s) => {
      // Read through a memory map: the whole table is read once, and SQLite's page cache (2 MB)
      // holds little of it, so copying every page into it is the larger part of the read. Only
      // for this read: writers never shrink the file (no VACUUM), which a mapping must not see.
      db.pragma(`mmap_size = ${COLUMNS_MMAP_BYTES}`);
      try {
        return db.transaction(() => this.#columns(s))();
      } finally {
        db.pragma('mmap_size = 0');
      }
    });
  }

  #columns(s: ReturnType<typeof _prepare>): LedgerColumns {
    const principalRows = s.allPrincipals.all() as Row[];
    const principals = principalRows.map(_principalOfRow);
    const principalIndex = _rowIndex(principalRows);
    const roleRows = s.allRoles.all() as Row[];
    const roles = roleRows.map(_roleOfRow);
    const roleIndex = _rowIndex(roleRows);
    // An entry's key ids are those of its display rows (the first row with that key): what pages
    // and `lastEventId` look entries up by, with no column of their own.
    const principalKeyIds = Float64Array.from(principalRows, (r) => r[6] as number);
    const roleKeyIds = Float64Array.from(roleRows, (r) => r[5] as number);
    // Counted in the same read transaction: the columns are made once, at their size.
    const total = s.countEntries.get() as number;
    const c = {
      principal: new Uint32Array(total),
      role: new Uint32Array(total),
      firstSeen: new Float64Array(total),
      lastSeen: new Float64Array(total),
      methods: new Uint8Array(total),
    };
    let length = 0;
    let after: [number, number] | undefined;
    for (;;) {
      const [count, text] = (after === undefined ? s.columnsFirst.get() : s.columnsAfter.get(after[0], after[1])) as [
        number,
        string | null,
      ];
      if (count === 0) break;
      if (length + count > total) throw this.#damaged('more entries than it counts');
      const numbers = _parseNumbers(text ?? '', count * COLUMNS_PER_ENTRY);
      if (numbers === undefined) throw this.#damaged('an entry has a missing or non-numeric field');
      let last: [number, number] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
      for (let k = 0; k < count; k++) {
        const at = k * COLUMNS_PER_ENTRY;
        const principal = principalIndex(numbers[at] as number);
        const role = roleIndex(numbers[at + 1] as number);
        if (principal < 0 || role < 0) {
          throw this.#damaged(`an entry names a ${principal < 0 ? 'principal' : 'role'} row that does not exist`);
        }
        const i = length + k;
        c.principal[i] = principal;
        c.role[i] = role;
        c.firstSeen[i] = numbers[at + 2] as number;
        c.lastSeen[i] = numbers[at + 3] as number;
        c.methods[i] = (numbers[at + 4] as number) & 15;
        const principalKey = principalKeyIds[principal] as number;
        const roleKey = roleKeyIds[role] as number;
        if (principalKey > last[0] || (principalKey === last[0] && roleKey > last[1])) last = [principalKey, roleKey];
      }
      length += count;
      if (count < COLUMNS_PAGE) break;
      // Key ids that disagree with the display rows would read a page again, never ending.
      if (after !== undefined && !(last[0] > after[0] || (last[0] === after[0] && last[1] > after[1]))) {
        throw this.#damaged("an entry's key ids are not those of its principal and role rows");
      }
      after = last;
    }
    return {
      length,
      principals,
      roles,
      methodLists: METHOD_LISTS,
      ...c,
      // Only asked for entries an alias merges, after the read: the entry as it is then.
      lastEventId: (i: number) =>
        this.#read(
          '',
          (_db, st) =>
            (st.lastEventId.get(principalKeyIds[c.principal[i] as number], roleKeyIds[c.role[i] as number]) as
              | string
              | undefined) ?? '',
        ),
    };
  }

  #damaged(what: string): LedgerDatabaseError {
    return new LedgerDatabaseError(this.path, `the database is damaged: ${what}`);
  }

  aliases(): AsyncIterable<PrincipalAlias> {
    return _paged(
      (after) => this.#aliasPage(after),
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
    return this.#read({ pairs: 0, principals: 0 }, (db) => {
      const resolved = db.prepare(ANY_RESOLVED).pluck().get() as number;
      if (resolved === 0) {
        return db
          .prepare('SELECT count(*) AS pairs, count(DISTINCT principal_key_id) AS principals FROM entries')
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
    this.#prepared = undefined;
  }

  /** The statements of this connection, prepared once (the schema must be there). */
  #statements(db: Database.Database): ReturnType<typeof _prepare> {
    this.#prepared ??= _prepare(db);
    return this.#prepared;
  }

  /**
   * Runs a read against the database, or answers `none` when there is no database or it is still
   * empty. A database created empty (or by another process since it was opened) gets its schema
   * checked here; SQLite's errors become one clear error naming the file.
   */
  #read<T>(none: T, body: (db: Database.Database, s: ReturnType<typeof _prepare>) => T): T {
    const db = this.#open(false);
    if (db === undefined) return none;
    return this.#guard(() => {
      if (!this.#ready) this.#ready = this.#checkSchema(db);
      if (!this.#ready) return none;
      return body(db, this.#statements(db));
    });
  }

  /** One page of aliases in key order, after the key of `after` (its first two columns). */
  #aliasPage(after: Row | undefined): Row[] {
    return this.#read([] as Row[], (_db, s) => {
      return (after === undefined ? s.aliasesFirst.all() : s.aliasesAfter.all(after[0], after[1])) as Row[];
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
        const db = new Database(this.path, { timeout: this.#busyTimeoutMs, nativeBinding: _nativeBinding() });
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

  /**
   * True when the schema is there (upgrading an older one in place); false for a new, empty
   * database; throws for a foreign or newer one.
   */
  #checkSchema(db: Database.Database): boolean {
    // Read in one transaction, so all three come from one snapshot: read one by one, they could
    // straddle another process's commit of a new schema (version 0 with our application id, say).
    const { version, application, tables } = db.transaction(() => ({
      version: db.pragma('user_version', { simple: true }) as number,
      application: db.pragma('application_id', { simple: true }) as number,
      tables: db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number,
    }))();
    if (application === 0 && version === 0 && tables === 0) return false;
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
    if (version < LEDGER_DB_VERSION) this.#upgrade(db);
    return true;
  }

  /** Upgrades a version 1 database in place, in one transaction (another process may have done it first). */
  #upgrade(db: Database.Database): void {
    try {
      db.transaction(() => {
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version !== 1) return;
        db.exec(UPGRADE_FROM_1);
        db.pragma(`user_version = ${LEDGER_DB_VERSION}`);
      }).immediate();
    } catch (error) {
      // Even a report must upgrade first: say so, not only that the database is read-only.
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_READONLY')) {
        throw new LedgerDatabaseError(
          this.path,
          `the ledger database is schema version 1 (an older lastswitch) and must be upgraded once to version ${LEDGER_DB_VERSION}, which needs write access to the file and its folder: run any lastswitch command on it once as a user who may write them (the upgrade keeps every entry)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Runs `body`, turning SQLite's errors into one clear `LedgerDatabaseError` naming the file. */
  #guard<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      if (error instanceof LedgerDatabaseError || !(error instanceof Database.SqliteError)) throw error;
      const code = error.code;
      // Extended codes (SQLITE_READONLY_DIRECTORY, SQLITE_BUSY_SNAPSHOT…) mean what their primary code means.
      const primary = code.split('_', 2).join('_');
      const what =
        primary === 'SQLITE_NOTADB'
          ? 'not a SQLite database: refusing to read or overwrite it'
          : primary === 'SQLITE_CORRUPT'
            ? 'the ledger database is corrupt'
            : primary === 'SQLITE_BUSY'
              ? `the ledger database stayed locked by another process for ${Math.round(this.#busyTimeoutMs / 1000)} s`
              : code === 'SQLITE_READONLY_DIRECTORY'
                ? `the ledger's folder is read-only: SQLite must create ${basename(this.path)}-shm beside the database even to read it (write-ahead log): give this user write access to the folder`
                : primary === 'SQLITE_READONLY'
                  ? `the ledger database is read-only (${error.message})`
                  : `SQLite failed (${code}): ${error.message}`;
      throw new LedgerDatabaseError(this.path, what, { cause: error });
    }
  }
}
