import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type {
  ApplyResult,
  LedgerEntry,
  LedgerStore,
  LedgerUpdate,
  PrincipalAlias,
  PrincipalRef,
} from '@lastswitch/core';
import { aliasKey, mergeLedgerEntry, mergePrincipalAlias, pairKey } from '@lastswitch/core';
import { LedgerFileError } from '../errors.js';
import { makeDirectory } from '../makeDirectory.js';

/** The `format` marker every ledger file written by lastswitch carries. */
export const LEDGER_FILE_FORMAT = 'lastswitch-ledger';

/** The ledger file format version this release reads and writes. */
export const LEDGER_FILE_VERSION = 1;

/** Options of {@link FileLedgerStore}. */
export interface FileLedgerStoreOptions {
  /** How long `apply` waits for another process's lock before giving up, in ms (default: {@link lockWaitMs} of the ledger's size). */
  lockTimeoutMs?: number;
  /**
   * @internal For tests: called at each step of taking the lock; the writer stays at that step until
   * the returned promise settles, so a test can order concurrent writers exactly.
   */
  _onLockStep?: (step: LockStep) => void | Promise<void>;
}

/** @internal The steps of taking the lock that `_onLockStep` sees. */
export type LockStep = 'stale' | 'takenOver' | 'waiting' | 'locked';

interface LedgerFileContent {
  entries: Map<string, LedgerEntry>;
  aliases: Map<string, PrincipalAlias>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function isRef(value: unknown): boolean {
  return isRecord(value) && isString(value.key) && value.key !== '' && isString(value.account) && isString(value.name);
}

function isEntry(value: unknown): value is LedgerEntry {
  return (
    isRecord(value) &&
    isRef(value.principal) &&
    isRef(value.role) &&
    isTime(value.firstSeen) &&
    isTime(value.lastSeen) &&
    Array.isArray(value.methods) &&
    value.methods.every(isString) &&
    isString(value.lastEventId)
  );
}

function isAlias(value: unknown): value is PrincipalAlias {
  return (
    isRecord(value) &&
    isString(value.account) &&
    isString(value.principalId) &&
    isRef(value.principal) &&
    isTime(value.seenAt)
  );
}

function _byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function _principalJson(p: PrincipalRef): PrincipalRef {
  const out: PrincipalRef = { key: p.key, kind: p.kind, account: p.account, name: p.name };
  if (p.arn !== undefined) out.arn = p.arn;
  return out;
}

/** An entry with its fields in one order, whatever object it came as. */
function _entryJson(e: LedgerEntry): string {
  return JSON.stringify({
    principal: _principalJson(e.principal),
    role: { key: e.role.key, account: e.role.account, name: e.role.name, arn: e.role.arn },
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    methods: e.methods,
    lastEventId: e.lastEventId,
  });
}

function _aliasJson(a: PrincipalAlias): string {
  return JSON.stringify({
    account: a.account,
    principalId: a.principalId,
    principal: _principalJson(a.principal),
    seenAt: a.seenAt,
  });
}

/**
 * A ledger as the JSON ledger file (format marker, version, one entry per line sorted by principal
 * then role key, then the aliases sorted by account and principal id), in chunks: the portable,
 * diffable form that `FileLedgerStore` reads and `lastswitch ledger export` writes.
 */
export function* ledgerFileChunks(
  entries: Iterable<LedgerEntry>,
  aliases: Iterable<PrincipalAlias>,
): Generator<string> {
  const sortedEntries = [...entries].map((e): [string, LedgerEntry] => [pairKey(e.principal.key, e.role.key), e]);
  sortedEntries.sort(_byKey);
  const sortedAliases = [...aliases].map((a): [string, PrincipalAlias] => [aliasKey(a.account, a.principalId), a]);
  sortedAliases.sort(_byKey);
  yield `{"format":${JSON.stringify(LEDGER_FILE_FORMAT)},"version":${LEDGER_FILE_VERSION},\n"entries":`;
  yield* _lines(sortedEntries, _entryJson);
  yield ',\n"aliases":';
  yield* _lines(sortedAliases, _aliasJson);
  yield '}\n';
}

function* _lines<T>(items: [string, T][], toJson: (item: T) => string): Generator<string> {
  if (items.length === 0) {
    yield '[]';
    return;
  }
  let chunk = '[\n';
  for (let i = 0; i < items.length; i++) {
    chunk += `${toJson((items[i] as [string, T])[1])}${i === items.length - 1 ? '\n]' : ',\n'}`;
    if (chunk.length > 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * A `LedgerStore` in one JSON file: the embedded default of the CLI. Every `apply` re-reads the
 * file under a lock file, merges, and replaces it atomically (temporary file + rename), so a crash
 * never leaves half a ledger. A file that is not a lastswitch ledger is refused, never overwritten.
 */
export class FileLedgerStore implements LedgerStore {
  /** The absolute path of the ledger file. */
  readonly path: string;
  readonly #lockTimeoutMs: number | undefined;
  readonly #onLockStep: (step: LockStep) => void | Promise<void>;
  #cache: { version: string; content: LedgerFileContent } | undefined;

  constructor(path: string, options: FileLedgerStoreOptions = {}) {
    this.path = resolve(path);
    this.#lockTimeoutMs = options.lockTimeoutMs;
    this.#onLockStep = options._onLockStep ?? (() => {});
  }

  /** The files the ledger lives in: the one JSON file. */
  ledgerFiles(): string[] {
    return [this.path];
  }

  /** Whether the ledger file exists yet (a missing file is an empty ledger); throws if it is not a usable ledger. */
  async exists(): Promise<boolean> {
    return (await this.#snapshot()) !== undefined;
  }

  async apply(updates: readonly LedgerUpdate[], aliases: readonly PrincipalAlias[] = []): Promise<ApplyResult> {
    const result: ApplyResult = { pairs: updates.length, aliases: aliases.length, writes: 0, heldBack: 0 };
    if (updates.length === 0 && aliases.length === 0) return result;
    const release = await this.#lock();
    try {
      const content = await this.#load();
      for (const update of updates) {
        const key = pairKey(update.principal.key, update.role.key);
        const before = content.entries.get(key);
        const after = mergeLedgerEntry(before, update);
        if (before && JSON.stringify(before) === JSON.stringify(after)) result.heldBack += 1;
        content.entries.set(key, after);
      }
      for (const alias of aliases) {
        const key = aliasKey(alias.account, alias.principalId);
        const before = content.aliases.get(key);
        const after = mergePrincipalAlias(before, alias);
        if (before && JSON.stringify(before) === JSON.stringify(after)) result.heldBack += 1;
        content.aliases.set(key, after);
      }
      await this.#write(content);
      result.writes = 1;
      return result;
    } finally {
      await release();
    }
  }

  async *entries(): AsyncIterable<LedgerEntry> {
    const content = await this.#snapshot();
    if (content !== undefined) yield* content.entries.values();
  }

  async *aliases(): AsyncIterable<PrincipalAlias> {
    const content = await this.#snapshot();
    if (content !== undefined) yield* content.aliases.values();
  }

  /**
   * The file's content, read and validated once per version of the file (a report asks for it three
   * times: exists, aliases, entries); undefined when there is no file. Entries come frozen, so the
   * shared copy cannot be changed through what `entries()` hands out.
   */
  async #snapshot(): Promise<LedgerFileContent | undefined> {
    const info = await stat(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new LedgerFileError(this.path, `cannot read the ledger: ${error.message}`, { cause: error });
    });
    if (info === undefined) {
      this.#cache = undefined;
      return undefined;
    }
    const version = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    if (this.#cache?.version === version) return this.#cache.content;
    const raw = await this.#readRaw();
    if (raw === undefined) return undefined;
    const content = this.#parse(raw);
    for (const entry of content.entries.values()) {
      Object.freeze(entry.principal);
      Object.freeze(entry.role);
      Object.freeze(entry.methods);
      Object.freeze(entry);
    }
    for (const alias of content.aliases.values()) {
      Object.freeze(alias.principal);
      Object.freeze(alias);
    }
    this.#cache = { version, content };
    return content;
  }

  async #readRaw(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new LedgerFileError(this.path, 'the ledger path is a directory, not a file', { cause: error });
      }
      throw new LedgerFileError(this.path, `cannot read the ledger: ${(error as Error).message}`, { cause: error });
    }
  }

  async #load(): Promise<LedgerFileContent> {
    const raw = await this.#readRaw();
    if (raw === undefined) return { entries: new Map(), aliases: new Map() };
    return this.#parse(raw);
  }

  #parse(raw: string): LedgerFileContent {
    const content: LedgerFileContent = { entries: new Map(), aliases: new Map() };
    if (raw.trim() === '') throw new LedgerFileError(this.path, 'the ledger file is empty: refusing to use it');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new LedgerFileError(this.path, `the ledger file is corrupt (not JSON: ${(error as Error).message})`, {
        cause: error,
      });
    }
    if (!isRecord(parsed) || parsed.format !== LEDGER_FILE_FORMAT) {
      throw new LedgerFileError(this.path, 'not a lastswitch ledger file: refusing to read or overwrite it');
    }
    if (typeof parsed.version !== 'number' || !Number.isInteger(parsed.version) || parsed.version < 1) {
      throw new LedgerFileError(this.path, 'the ledger file has no valid format version');
    }
    if (parsed.version > LEDGER_FILE_VERSION) {
      throw new LedgerFileError(
        this.path,
        `the ledger file is format version ${parsed.version}, written by a newer lastswitch (this one reads version ${LEDGER_FILE_VERSION}): upgrade lastswitch`,
      );
    }
    if (!Array.isArray(parsed.entries) || !Array.isArray(parsed.aliases)) {
      throw new LedgerFileError(this.path, 'the ledger file is corrupt (entries or aliases missing)');
    }
    parsed.entries.forEach((entry, index) => {
      if (!isEntry(entry))
        throw new LedgerFileError(this.path, `the ledger file is corrupt (entry ${index} is malformed)`);
      content.entries.set(pairKey(entry.principal.key, entry.role.key), entry);
    });
    parsed.aliases.forEach((alias, index) => {
      if (!isAlias(alias))
        throw new LedgerFileError(this.path, `the ledger file is corrupt (alias ${index} is malformed)`);
      content.aliases.set(aliasKey(alias.account, alias.principalId), alias);
    });
    return content;
  }

  /** One entry per line, sorted, so the file diffs well and reads back the same. */
  async #write(content: LedgerFileContent): Promise<void> {
    const text = [...ledgerFileChunks(content.entries.values(), content.aliases.values())].join('');
    const directory = dirname(this.path);
    await makeDirectory(directory);
    const temporary = join(directory, `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new LedgerFileError(this.path, `cannot write the ledger: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Takes `PATH.lock` (exclusive create); a lock left by a dead process is taken over. */
  async #lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    await makeDirectory(dirname(this.path)).catch((error: unknown) => {
      throw new LedgerFileError(this.path, `cannot create the ledger directory: ${(error as Error).message}`, {
        cause: error,
      });
    });
    // The holder reads, merges and rewrites the whole file: the bigger the ledger, the longer that takes.
    const size = (await stat(this.path).catch(() => undefined))?.size ?? 0;
    const deadline = Date.now() + (this.#lockTimeoutMs ?? lockWaitMs(size));
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx');
        // pid, host and the process's start time: a live pid that is not the writer (reused) is not a lock.
        await handle.writeFile(`${process.pid} ${hostname()} ${processStartTime(process.pid) ?? ''}`);
        await handle.close();
        await removeOrphanTemporaries(this.path);
        await this.#onLockStep('locked');
        return async () => {
          await rm(lockPath, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new LedgerFileError(this.path, `cannot lock the ledger: ${(error as Error).message}`, { cause: error });
        }
      }
      const { holder, known, stale, gone, host } = await judgeLock(lockPath);
      if (gone) continue;
      if (stale) {
        await this.#onLockStep('stale');
        await takeOverStaleLock(lockPath);
        await this.#onLockStep('takenOver');
        continue;
      }
      if (Date.now() > deadline) {
        throw new LedgerFileError(
          this.path,
          known
            ? `the ledger is locked by another lastswitch process (pid ${holder}${host ? ` on ${host}` : ''}) that is still writing it: try again when it has finished`
            : `the ledger is locked by another lastswitch process; if none is running, delete ${lockPath}`,
        );
      }
      await this.#onLockStep('waiting');
      await new Promise((done) => setTimeout(done, 50));
    }
  }
}

/**
 * How long a writer waits for another's lock on a JSON ledger of `ledgerBytes`: 10 s, plus 2 s per
 * 10 MiB (the holder reads, merges and rewrites the whole file; ~100 MB/s on a slow disk, with room).
 */
export function lockWaitMs(ledgerBytes: number): number {
  return 10_000 + Math.ceil(Math.max(0, ledgerBytes) / (10 * 1_048_576)) * 2_000;
}

/** Who holds `PATH.lock`, and whether it was left behind: by a dead process, or pid-less for over a minute. */
async function judgeLock(
  lockPath: string,
): Promise<{ holder: number; known: boolean; stale: boolean; gone?: boolean; host?: string }> {
  const text = await readFile(lockPath, 'utf8').catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? undefined : '',
  );
  if (text === undefined) return { holder: 0, known: false, stale: false, gone: true }; // released meanwhile
  const [pidText = '', host, started] = text.trim().split(' ');
  const holder = Number.parseInt(pidText, 10);
  const known = Number.isInteger(holder) && holder > 0;
  if (known && host !== undefined && host !== hostname()) return { holder, known, stale: false, host }; // cannot tell
  if (known) {
    // Alive, or alive but another user's (EPERM): the holder, unless its start time shows the pid was reused.
    const reused = started !== undefined && started !== '' && isAlive(holder) && processStartTime(holder) !== started;
    return { holder, known, stale: !isAlive(holder) || reused };
  }
  // A lock without a pid was left by a process that died while taking it, once it is a minute old.
  const modified = (await stat(lockPath).catch(() => undefined))?.mtimeMs ?? Date.now();
  return { holder, known, stale: Date.now() - modified > 60_000 };
}

/**
 * Removes a stale `PATH.lock`, judging it again under `PATH.lock.takeover`: two writers that both
 * saw the same dead lock would otherwise both remove "it", the second removing the fresh lock the
 * first had just taken, and both would write. A takeover is held for milliseconds, so one older than
 * 10 s was left by a crash and is removed.
 */
async function takeOverStaleLock(lockPath: string): Promise<void> {
  const takeover = `${lockPath}.takeover`;
  try {
    await (await open(takeover, 'wx')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const modified = (await stat(takeover).catch(() => undefined))?.mtimeMs ?? Date.now();
    if (Date.now() - modified > 10_000) await rm(takeover, { force: true });
    else await new Promise((done) => setTimeout(done, 5));
    return;
  }
  try {
    if ((await judgeLock(lockPath)).stale) await rm(lockPath, { force: true });
  } finally {
    await rm(takeover, { force: true });
  }
}

/** When a process started (clock ticks since boot, from `/proc/PID/stat`), where the system tells; else undefined. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Removes `.NAME.PID.HEX.tmp` files beside the ledger left by writers that died (under the lock). */
async function removeOrphanTemporaries(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number.parseInt(name.slice(prefix.length).split('.')[0] ?? '', 10);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) await rm(join(dirname(path), name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
