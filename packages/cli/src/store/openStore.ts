import { isAbsolute, relative, resolve } from 'node:path';
import type { LedgerStore } from '@lastswitch/core';
import { UsageError } from '../errors.js';
import { FileLedgerStore } from './FileLedgerStore.js';

/** The default store: an embedded SQLite database under the working directory. */
export const DEFAULT_STORE_URL = 'sqlite:.lastswitch/ledger.db';

/** Where a JSON ledger lived before SQLite became the default (relative to the working directory). */
export const LEGACY_LEDGER_PATH = '.lastswitch/ledger.json';

/** A parsed `--store` URL. */
export type StoreUrl =
  | { kind: 'sqlite'; path: string }
  | { kind: 'file'; path: string }
  | { kind: 'dynamodb'; table: string };

/** True for a valid DynamoDB table name: 3–255 of `a-z A-Z 0-9 _ - .`. */
function isTableName(name: string): boolean {
  if (name.length < 3 || name.length > 255) return false;
  for (const ch of name) {
    const ok =
      (ch >= 'a' && ch <= 'z') ||
      (ch >= 'A' && ch <= 'Z') ||
      (ch >= '0' && ch <= '9') ||
      ch === '_' ||
      ch === '-' ||
      ch === '.';
    if (!ok) return false;
  }
  return true;
}

/** Parses `sqlite:PATH`, `file:PATH` or `dynamodb:TABLE`; anything else is a usage error. */
export function parseStoreUrl(url: string): StoreUrl {
  for (const kind of ['sqlite', 'file'] as const) {
    if (!url.startsWith(`${kind}:`)) continue;
    const path = url.slice(kind.length + 1).replace(/^\/\/(?=\/)/, '');
    if (path === '') {
      const example = kind === 'sqlite' ? DEFAULT_STORE_URL : `file:${LEGACY_LEDGER_PATH}`;
      throw new UsageError(`store URL "${url}" has no path: use ${kind}:PATH, e.g. ${example}`);
    }
    return { kind, path };
  }
  if (url.startsWith('dynamodb:')) {
    const table = url.slice('dynamodb:'.length);
    if (!isTableName(table)) {
      throw new UsageError(
        `store URL "${url}" does not name a valid DynamoDB table (3–255 characters of a-z, A-Z, 0-9, _ - .)`,
      );
    }
    return { kind: 'dynamodb', table };
  }
  throw new UsageError(`unknown store URL "${url}": use sqlite:PATH, file:PATH or dynamodb:TABLE`);
}

/** An open ledger store and how to talk about it. */
export interface OpenedStore {
  store: LedgerStore;
  /** The store as the user would write it, for messages (`sqlite:...` relative to the working directory). */
  label: string;
  /** False when the store has never been written (missing file or database); true for DynamoDB. */
  exists(): Promise<boolean>;
  /** Releases clients and closes the database. */
  close(): void;
}

/** The files a local store keeps its ledger in (the database with its WAL and shared-memory files), else none. */
export function localStoreFiles(store: LedgerStore): string[] {
  const local = store as Partial<{ ledgerFiles(): string[] }>;
  return typeof local.ledgerFiles === 'function' ? local.ledgerFiles() : [];
}

/** `sqlite:PATH` / `file:PATH` as the user would write it: relative to the working directory when inside it. */
function _label(kind: string, cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return `${kind}:${shown === '' || shown.startsWith('..') || isAbsolute(shown) ? path : shown}`;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  cwd: string;
  /** Create a missing DynamoDB table (on-demand). */
  createTable?: boolean;
}

/**
 * Opens a store URL. The DynamoDB SDK is loaded only for `dynamodb:` (region, credentials and
 * endpoint come from the usual AWS environment variables, e.g. `AWS_ENDPOINT_URL_DYNAMODB`).
 */
export async function openStore(url: string, options: OpenStoreOptions): Promise<OpenedStore> {
  const parsed = parseStoreUrl(url);
  if (parsed.kind === 'sqlite') {
    const path = resolve(options.cwd, parsed.path);
    const { SqliteLedgerStore } = await import('./SqliteLedgerStore.js');
    const store = new SqliteLedgerStore(path);
    return {
      store,
      label: _label('sqlite', options.cwd, path),
      exists: () => store.exists(),
      close: () => store.close(),
    };
  }
  if (parsed.kind === 'file') {
    const path = resolve(options.cwd, parsed.path);
    const store = new FileLedgerStore(path);
    return { store, label: _label('file', options.cwd, path), exists: () => store.exists(), close() {} };
  }
  const { openDynamoDBStore } = await import('./_dynamodb.js');
  return await openDynamoDBStore(parsed.table, options.createTable ?? false);
}
