import type { Stats } from 'node:fs';
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { classifyTrailKey, type TrailSource } from '@lastswitch/core';
import { UsageError } from '../errors.js';

/** One file a scan will read. */
export interface ScanTarget {
  /** How messages name it: a path relative to the working directory, or `s3://bucket/key`. */
  display: string;
  /** The key given to the trail reader (forward slashes), used to recognise digest and insight files. */
  key: string;
  /** Size in bytes as stored (0 when unknown). */
  size: number;
  /** The absolute path of a local file: a worker thread can then read it. */
  path?: string;
  open(): Promise<TrailSource>;
}

/** A local file up to this size is read whole (one call, then inflated at once); a bigger one is streamed. */
const WHOLE_FILE_BYTES = 256 * 1024;

/**
 * Opens a local trail file for the reader: a small regular file whole (one blocking read costs less
 * than the four round trips of an asynchronous one), a big one as a stream in 1 MiB chunks.
 */
export async function openLocalFile(path: string, size: number): Promise<TrailSource> {
  if (size > 0 && size <= WHOLE_FILE_BYTES) return readFileSync(path);
  return createReadStream(path, { highWaterMark: 1024 * 1024 });
}

/** Why a file found while walking a folder is not read. */
export type LocalSkipReason = 'digest' | 'insight' | 'not a trail file' | 'before --since' | 'hidden' | SpecialFileKind;

/** Things in a folder that are not regular files nor folders: never opened (a FIFO would block). */
export type SpecialFileKind = 'named pipe' | 'socket' | 'device' | 'symlink loop' | 'dangling symlink';

/** What a walk found. */
export interface LocalDiscovery {
  targets: ScanTarget[];
  skipped: Map<LocalSkipReason, number>;
  /** Folders inside the walk that could not be read (e.g. permission denied); the rest is still read. */
  failures: { file: string; reason: string }[];
  /** Special files found in the walk, each named (they are also counted in `skipped`). */
  specials: { file: string; reason: SpecialFileKind }[];
}

/** What kind of special file `info` describes, or undefined for a regular file or folder. */
export function specialFileKind(info: Stats): SpecialFileKind | undefined {
  if (info.isFIFO()) return 'named pipe';
  if (info.isSocket()) return 'socket';
  if (info.isBlockDevice() || info.isCharacterDevice()) return 'device';
  return undefined;
}

/** Why `stat` failed on a path in a folder, when it is a broken symlink. */
async function _brokenLink(path: string, error: unknown): Promise<SpecialFileKind | undefined> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'symlink loop';
  if (code !== 'ENOENT') return undefined;
  const link = await lstat(path).catch(() => undefined);
  return link?.isSymbolicLink() ? 'dangling symlink' : undefined;
}

/** Options of {@link discoverLocalFiles}. */
export interface DiscoverOptions {
  cwd: string;
  /** Leave out CloudTrail files delivered before this UTC day (by the time in their name). */
  since?: Date;
  /** Absolute paths never read (the ledger file itself). */
  exclude?: ReadonlySet<string>;
}

const TRAIL_EXTENSIONS = ['.json.gz', '.json', '.jsonl', '.ndjson', '.jsonl.gz', '.ndjson.gz'];

const toKey = (path: string) => path.split(sep).join('/');

/** The UTC day (epoch ms) in a CloudTrail file name `ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE...`. */
export function trailFileDay(name: string): number | undefined {
  const parts = name.split('_');
  const stamp = parts[1] === 'CloudTrail' ? parts[3] : undefined;
  if (stamp === undefined || stamp.length !== 14 || stamp[8] !== 'T') return undefined;
  const digits = stamp.slice(0, 8);
  for (const ch of digits) if (ch < '0' || ch > '9') return undefined;
  const day = Date.UTC(Number(digits.slice(0, 4)), Number(digits.slice(4, 6)) - 1, Number(digits.slice(6, 8)));
  return Number.isFinite(day) ? day : undefined;
}

function startOfUtcDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

function displayPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === '' || shown.startsWith('..') || isAbsolute(shown) ? toKey(path) : toKey(shown);
}

function localTarget(cwd: string, path: string, size: number): ScanTarget {
  const display = displayPath(cwd, path);
  return { display, key: display, size, path, open: () => openLocalFile(path, size) };
}

/**
 * Turns local paths into the files to read. A file named explicitly is always read (its format is
 * sniffed from its bytes); folders are walked recursively in name order, keeping CloudTrail log
 * files, NDJSON and `lookup-events` output and counting what is left out, per reason.
 */
export async function discoverLocalFiles(paths: readonly string[], options: DiscoverOptions): Promise<LocalDiscovery> {
  const targets: ScanTarget[] = [];
  const skipped = new Map<LocalSkipReason, number>();
  const skip = (reason: LocalSkipReason) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  const seen = new Set<string>();
  const visitedDirs = new Set<string>();
  const sinceDay = options.since ? startOfUtcDay(options.since) : undefined;

  const consider = (path: string, name: string, size: number) => {
    if (seen.has(path) || options.exclude?.has(path)) return;
    seen.add(path);
    if (name.startsWith('.')) return skip('hidden');
    const kind = classifyTrailKey(toKey(path));
    if (kind === 'digest' || kind === 'insight') return skip(kind);
    const lower = name.toLowerCase();
    if (kind !== 'log' && !TRAIL_EXTENSIONS.some((ext) => lower.endsWith(ext))) return skip('not a trail file');
    const day = trailFileDay(name);
    if (sinceDay !== undefined && day !== undefined && day < sinceDay) return skip('before --since');
    targets.push(localTarget(options.cwd, path, size));
  };

  const failures: LocalDiscovery['failures'] = [];
  const specials: LocalDiscovery['specials'] = [];
  const special = (path: string, reason: SpecialFileKind) => {
    skip(reason);
    specials.push({ file: displayPath(options.cwd, path), reason });
  };
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      const real = await realpath(dir);
      if (visitedDirs.has(real)) return;
      visitedDirs.add(real);
      names = (await readdir(dir)).sort();
    } catch (error) {
      // Like a file that cannot be read: named with the reason, and everything else is still read.
      const code = (error as NodeJS.ErrnoException).code;
      failures.push({
        file: `${displayPath(options.cwd, dir)}/`,
        reason: `cannot read the folder (${code ?? (error as Error).message})`,
      });
      return;
    }
    // All of a folder's entries are looked at together: one round trip each would add up over thousands of files.
    const infos = await Promise.all(
      names.map((name) => stat(join(dir, name)).catch((error: NodeJS.ErrnoException) => error)),
    );
    for (const [i, name] of names.entries()) {
      const path = join(dir, name);
      const info = infos[i];
      if (info === undefined) continue;
      if (info instanceof Error) {
        const broken = await _brokenLink(path, info);
        if (broken) special(path, broken);
        continue;
      }
      const kind = specialFileKind(info);
      if (kind) special(path, kind);
      else if (info.isDirectory()) {
        if (name.startsWith('.')) skip('hidden');
        else await walk(path);
      } else if (info.isFile()) {
        consider(path, name, info.size);
      }
    }
  };

  for (const given of paths) {
    const path = isAbsolute(given) ? given : join(options.cwd, given);
    const info = await stat(path);
    const kind = specialFileKind(info);
    if (kind) {
      // Opening a named pipe blocks until someone writes to it: refused before anything is read.
      throw new UsageError(`"${given}" is a ${kind}, not a file or folder: give trail files or folders`);
    }
    if (info.isDirectory()) {
      await walk(path);
    } else if (!seen.has(path)) {
      seen.add(path);
      targets.push(localTarget(options.cwd, path, info.size));
    }
  }
  return { targets, skipped, failures, specials };
}
