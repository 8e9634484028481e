import type { LedgerStore, LedgerUpdate, PrincipalAlias } from '@lastswitch/core';
import {
  collectTrailFile,
  foldAliases,
  foldSwitches,
  mergeLedgerEntry,
  mergePrincipalAlias,
  TrailFileError,
  type TrailSkipReason,
} from '@lastswitch/core';
import type { ScanTarget } from './discoverLocalFiles.js';
import type { ScanProgress } from './progress.js';

/** A file that could not be read, and why (one line). */
export interface ScanFailure {
  file: string;
  reason: string;
}

/** What a scan did. */
export interface ScanResult {
  /** Files read successfully. */
  filesRead: number;
  /** Bytes of the files read (as stored, e.g. compressed). */
  bytesRead: number;
  /** Records skipped inside the files read, per reason. */
  skippedRecords: Map<string, number>;
  /** Whole files skipped by content (e.g. a digest file named explicitly), per reason. */
  skippedByContent: Map<string, number>;
  switches: number;
  denied: number;
  /** Pairs and aliases written to the store (after folding across files). */
  pairsWritten: number;
  aliasesWritten: number;
  failures: ScanFailure[];
  /** Files never started because the scan was interrupted (`signal`). */
  notRead: number;
}

/** Options of {@link scanFiles}. */
export interface ScanFilesOptions {
  store: LedgerStore;
  /** Files read at the same time (default 4). */
  concurrency?: number;
  progress: ScanProgress;
  /** Write to the store once this many pairs are pending (default 10,000), and at the end. */
  flushPairs?: number;
  /** Also write what is pending once this long has passed since the last write (default 60 s). */
  flushEveryMs?: number;
  /** When aborted, no new file is started; the files being read finish and everything read is written. */
  signal?: AbortSignal;
}

const pairKey = (u: LedgerUpdate) => `${u.principal.key}\u0000${u.role.key}`;
const aliasKey = (a: PrincipalAlias) => `${a.account}\u0000${a.principalId}`;

/** How the summary names each skip reason; whole-file reasons are counted as skipped files. */
const SKIP_LABELS: Record<TrailSkipReason, { label: string; wholeFile: boolean }> = {
  'service-caller': { label: 'service caller', wholeFile: false },
  'not-a-switch': { label: 'not a switch', wholeFile: false },
  malformed: { label: 'malformed', wholeFile: false },
  'too-large': { label: 'too large', wholeFile: false },
  'too-deep': { label: 'nested too deep', wholeFile: false },
  'digest-file': { label: 'digest', wholeFile: true },
  'insight-file': { label: 'insight', wholeFile: true },
};

/** One line, without the stack (nor the file name a `TrailFileError` repeats), for a failure message. */
export function describeFailure(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof TrailFileError && error.key !== undefined && message.startsWith(`${error.key}: `)) {
    message = message.slice(error.key.length + 2);
  }
  return message.split('\n').join(' ');
}

/**
 * Reads every target (a few at a time), folds the switches of all good files into ledger updates
 * and writes them to the store. A file that fails is recorded with its reason; the others still land.
 */
export async function scanFiles(targets: readonly ScanTarget[], options: ScanFilesOptions): Promise<ScanResult> {
  const result: ScanResult = {
    filesRead: 0,
    bytesRead: 0,
    skippedRecords: new Map(),
    skippedByContent: new Map(),
    switches: 0,
    denied: 0,
    pairsWritten: 0,
    aliasesWritten: 0,
    failures: [],
    notRead: 0,
  };
  const pendingPairs = new Map<string, LedgerUpdate>();
  const pendingAliases = new Map<string, PrincipalAlias>();
  const flushPairs = options.flushPairs ?? 10_000;
  const flushEveryMs = options.flushEveryMs ?? 60_000;
  let lastFlush = Date.now();
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    lastFlush = Date.now();
    const updates = [...pendingPairs.values()];
    const aliases = [...pendingAliases.values()];
    pendingPairs.clear();
    pendingAliases.clear();
    if (updates.length === 0 && aliases.length === 0) return writing;
    writing = writing.then(async () => {
      await options.store.apply(updates, aliases);
      result.pairsWritten += updates.length;
      result.aliasesWritten += aliases.length;
    });
    return writing;
  };

  const readOne = async (target: ScanTarget) => {
    try {
      const file = await collectTrailFile(await target.open(), { key: target.key });
      const wholeFileSkipped = file.stats.skipped['digest-file'] + file.stats.skipped['insight-file'] > 0;
      if (!wholeFileSkipped) {
        result.filesRead += 1;
        result.bytesRead += target.size;
      }
      result.switches += file.switches.length;
      result.denied += file.denied.length;
      for (const [reason, count] of Object.entries(file.stats.skipped) as [TrailSkipReason, number][]) {
        if (count <= 0) continue;
        const { label, wholeFile } = SKIP_LABELS[reason] ?? { label: reason, wholeFile: false };
        const counts = wholeFile ? result.skippedByContent : result.skippedRecords;
        counts.set(label, (counts.get(label) ?? 0) + count);
      }
      for (const update of foldSwitches(file.switches)) {
        const key = pairKey(update);
        pendingPairs.set(key, mergeLedgerEntry(pendingPairs.get(key), update));
      }
      for (const alias of foldAliases(file.aliases)) {
        const key = aliasKey(alias);
        pendingAliases.set(key, mergePrincipalAlias(pendingAliases.get(key), alias));
      }
      options.progress.fileRead(target.size, file.switches.length);
    } catch (error) {
      const failure = { file: target.display, reason: describeFailure(error) };
      result.failures.push(failure);
      options.progress.fileFailed(failure.file, failure.reason);
      return;
    }
    if (pendingPairs.size >= flushPairs || Date.now() - lastFlush >= flushEveryMs) await flush();
  };

  let next = 0;
  const take = () => (options.signal?.aborted ? undefined : targets[next++]);
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, targets.length)) }, async () => {
    for (let target = take(); target !== undefined; target = take()) await readOne(target);
  });
  await Promise.all(workers);
  await flush();
  result.notRead = Math.max(0, targets.length - next);
  result.failures.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return result;
}
