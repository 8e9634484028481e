import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Assessment, LedgerStore, RosterEntry } from '@lastswitch/core';
import { assessStore, parseRoster } from '@lastswitch/core';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { MissingLedgerError, UsageError } from '../errors.js';
import { makeDirectory } from '../makeDirectory.js';
import { parseIsoDate, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { DEFAULT_STORE_URL, localStoreFiles, type OpenedStore } from '../store/openStore.js';
import { grantsOption } from './_grantsOption.js';
import { describeFileError, readUserFile } from './_userFiles.js';

/** `--store <url>`, defaulting to `$LASTSWITCH_STORE`, then `sqlite:.lastswitch/ledger.db`. */
export function storeOption(): Option {
  return new Option('--store <url>', 'ledger store: sqlite:PATH, file:PATH (JSON) or dynamodb:TABLE')
    .env('LASTSWITCH_STORE')
    .default(DEFAULT_STORE_URL);
}

/** `--allow-empty`: a store that does not exist reads as an empty ledger instead of an error. */
export const ALLOW_EMPTY_HELP = 'treat a ledger that does not exist (yet) as empty instead of failing';

/**
 * Refuses a store that does not exist (exit 1, one line naming it) unless `allowEmpty`; returns
 * whether it exists. A corrupt ledger or a missing table fails here with its own clear message.
 */
export async function requireLedger(opened: OpenedStore, allowEmpty: boolean | undefined): Promise<boolean> {
  const exists = await opened.exists();
  if (!exists && !allowEmpty) throw new MissingLedgerError(opened.label);
  return exists;
}

/** `1 file`, `2 files`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Pairs and distinct principals in a store, after role-owner-side principals are resolved through
 * aliases (so the counts match what `report` shows).
 */
export async function countLedger(store: LedgerStore): Promise<{ pairs: number; principals: number }> {
  const counting = store as Partial<{ countLedger(): Promise<{ pairs: number; principals: number }> }>;
  if (typeof counting.countLedger === 'function') return await counting.countLedger();
  const { summary } = await assessStore(store, { now: 0, staleAfterDays: 1 });
  return { pairs: summary.pairs, principals: summary.principals };
}

/** The options shared by `report` and `notify`. */
export interface AssessOptions {
  store: string;
  staleAfter: number;
  now?: Date;
  roster?: string;
  grants?: string[];
  graceDays?: number;
  allowEmpty?: boolean;
}

/** Adds the options that choose what to assess: store, window, clock, roster. */
export function addAssessOptions(command: Command): Command {
  return command
    .addOption(storeOption())
    .option('--stale-after <days>', 'a switch older than this many days is stale', parsePositiveInt, 90)
    .option('--now <iso>', 'assess as of this time (ISO 8601), for reproducible output; default: now', parseIsoDate)
    .option('--roster <file>', 'who is allowed to switch into what (JSON or CSV): adds "never" entries')
    .addOption(grantsOption(false))
    .option(
      '--grace-days <days>',
      'with --roster or --grants: grants (or users) younger than this are not "never" yet (default: --stale-after)',
      parseNonNegativeInt,
    )
    .option('--allow-empty', ALLOW_EMPTY_HELP);
}

/**
 * Writes an `--output` file (relative to the working directory): missing folders are created, and
 * the text goes to a temporary file that is renamed into place, so a failed write never leaves half
 * a report or snapshot where a whole one was. A path that cannot be written is a usage error.
 */
/**
 * What `writeChunks` and `writeOutputFile` write: text, chunks, or a function making the chunks —
 * called with `true` when each chunk is written out before the next is made, so the chunks may
 * share memory (`renderReportBytes`' `reuseBuffer`).
 */
export type ChunkSource =
  | string
  | Iterable<string | Uint8Array>
  | ((writtenAtOnce: boolean) => Iterable<string | Uint8Array>);

function _chunks(source: ChunkSource, writtenAtOnce: boolean): Iterable<string | Uint8Array> {
  if (typeof source === 'string') return [source];
  return typeof source === 'function' ? source(writtenAtOnce) : source;
}

export async function writeOutputFile(
  path: string,
  text: ChunkSource,
  ctx: CliContext,
  what: string,
  store?: LedgerStore,
): Promise<void> {
  const full = resolve(ctx.cwd, path);
  if (store !== undefined && localStoreFiles(store).includes(full)) {
    throw new UsageError(`--output ${path} is the ledger file itself: refusing to overwrite it with ${what}`);
  }
  const temporary = join(dirname(full), `.${basename(full)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await makeDirectory(dirname(full));
    const fd = openSync(temporary, 'w');
    try {
      for (const chunk of _chunks(text, true)) writeAllSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    await rename(temporary, full);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new UsageError(`cannot write ${what} to ${path}: ${describeFileError(error)}`);
  }
}

/**
 * Writes chunks of text to a stream, waiting whenever it asks the writer to (a report can be larger
 * than memory likes). When the stream is this process's stdout and that is a regular file or a
 * character device other than a terminal (`> report.json`, `/dev/null`), the chunks go straight to
 * the descriptor: Node's stream path copies every chunk into a new Buffer first, which costs 5–6×
 * the write itself for a report of tens of MB.
 */
export async function writeChunks(stream: NodeJS.WritableStream, source: ChunkSource): Promise<void> {
  if (stream === process.stdout && _isPlainOutput(1)) {
    for (const chunk of _chunks(source, true)) writeAllSync(1, chunk);
    return;
  }
  // A stream may hold on to a chunk after `write` returns: every chunk must stay as it is.
  for (const chunk of _chunks(source, false)) {
    // Bytes go as a Buffer (a view, no copy): a stream that joins what it is given as text gets text.
    const data = typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!stream.write(data)) await new Promise<void>((done) => stream.once('drain', () => done()));
  }
}

/** Whether `fd` is a regular file or a non-terminal character device: writes to it never block half-way or fail with EAGAIN. */
function _isPlainOutput(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFile() || (stat.isCharacterDevice() && !process.stdout.isTTY);
  } catch {
    return false;
  }
}

/** Writes all of `data` (text as UTF-8) to `fd`, continuing after a short write. */
export function writeAllSync(fd: number, data: string | Uint8Array): void {
  if (typeof data !== 'string') {
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    return;
  }
  const written = writeSync(fd, data, null, 'utf8');
  const size = Buffer.byteLength(data, 'utf8');
  if (written === size) return;
  const bytes = Buffer.from(data, 'utf8');
  for (let at = written; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Reads a roster file: CSV or JSON by its extension, else sniffed from its first character; bad rosters are usage errors. */
export async function readRoster(path: string, ctx: CliContext): Promise<RosterEntry[]> {
  const text = await readUserFile(path, ctx, 'the roster ');
  const lower = path.toLowerCase();
  try {
    return parseRoster(text, lower.endsWith('.csv') ? 'csv' : lower.endsWith('.json') ? 'json' : undefined);
  } catch (error) {
    throw new UsageError(`the roster ${path} cannot be used: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Assesses a store's ledger, after reading the roster and grant files (bad ones are usage errors)
 * and refusing a store that does not exist unless `--allow-empty`. `empty` is true when the ledger
 * holds no switches; `exists` whether the store exists.
 */
export async function assessFromStore(
  opened: OpenedStore,
  options: AssessOptions,
  ctx: CliContext,
): Promise<{ assessment: Assessment; empty: boolean; exists: boolean }> {
  const store = opened.store;
  const fromFile = options.roster ? await readRoster(options.roster, ctx) : [];
  const fromGrants = options.grants
    ? await (await import('./_grantFiles.js')).rosterFromGrantFiles(options.grants, ctx, store)
    : [];
  const roster = options.roster || options.grants ? [...fromFile, ...fromGrants] : undefined;
  const exists = await requireLedger(opened, options.allowEmpty);
  const assessment = await assessStore(store, {
    now: (options.now ?? new Date()).getTime(),
    staleAfterDays: options.staleAfter,
    roster,
    graceDays: options.graceDays,
  });
  // Every ledger entry is an active or stale pair (only the roster adds `never` ones).
  const empty = assessment.summary.active + assessment.summary.stale === 0;
  return { assessment, empty, exists };
}
