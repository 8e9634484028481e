import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Assessment, LedgerStore, RosterEntry } from '@lastswitch/core';
import { assessLedger, parseRoster } from '@lastswitch/core';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseIsoDate, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { FileLedgerStore } from '../store/FileLedgerStore.js';
import { DEFAULT_STORE_URL } from '../store/openStore.js';
import { grantsOption, rosterFromGrantFiles } from './plan.js';

/** `--store <url>`, defaulting to `$LASTSWITCH_STORE`, then `file:.lastswitch/ledger.json`. */
export function storeOption(): Option {
  return new Option('--store <url>', 'ledger store: file:PATH or dynamodb:TABLE')
    .env('LASTSWITCH_STORE')
    .default(DEFAULT_STORE_URL);
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
  const { summary } = await assessLedger(store.entries(), { now: 0, staleAfterDays: 1, aliases: store.aliases() });
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
    );
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'a file is in the way',
};

/** `ENOENT (no such file or folder)`: the code to search for and what it means, one line. */
function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return (error as Error).message.split('\n').join(' ');
  return FILE_ERRORS[code] ? `${code} (${FILE_ERRORS[code]})` : code;
}

/** Reads a text file the user named (relative to the working directory); failure is a usage error naming `what`. */
export async function readUserFile(path: string, ctx: CliContext, what: string): Promise<string> {
  const full = isAbsolute(path) ? path : join(ctx.cwd, path);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    // No `cause`: its message would repeat the code after this one, with the absolute path.
    throw new UsageError(`cannot read ${what}${path}: ${describeFileError(error)}`);
  }
}

/**
 * Writes an `--output` file (relative to the working directory): missing folders are created, and
 * the text goes to a temporary file that is renamed into place, so a failed write never leaves half
 * a report or snapshot where a whole one was. A path that cannot be written is a usage error.
 */
export async function writeOutputFile(
  path: string,
  text: string,
  ctx: CliContext,
  what: string,
  store?: LedgerStore,
): Promise<void> {
  const full = resolve(ctx.cwd, path);
  if (store instanceof FileLedgerStore && store.path === full) {
    throw new UsageError(`--output ${path} is the ledger file itself: refusing to overwrite it with ${what}`);
  }
  const temporary = join(dirname(full), `.${basename(full)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(full), { recursive: true });
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, full);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new UsageError(`cannot write ${what} to ${path}: ${describeFileError(error)}`);
  }
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

/** Assesses a store's ledger; `empty` is true when the ledger holds no switches. */
export async function assessFromStore(
  store: LedgerStore,
  options: AssessOptions,
  ctx: CliContext,
): Promise<{ assessment: Assessment; empty: boolean }> {
  const fromFile = options.roster ? await readRoster(options.roster, ctx) : [];
  const fromGrants = options.grants ? await rosterFromGrantFiles(options.grants, ctx, store) : [];
  const roster = options.roster || options.grants ? [...fromFile, ...fromGrants] : undefined;
  let count = 0;
  const entries = (async function* () {
    for await (const entry of store.entries()) {
      count += 1;
      yield entry;
    }
  })();
  const assessment = await assessLedger(entries, {
    now: (options.now ?? new Date()).getTime(),
    staleAfterDays: options.staleAfter,
    aliases: store.aliases(),
    roster,
    graceDays: options.graceDays,
  });
  return { assessment, empty: count === 0 };
}
