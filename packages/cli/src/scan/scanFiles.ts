import type { LedgerStore, LedgerUpdate, PrincipalAlias } from '@lastswitch/core';
import { collectTrailFile, foldAliases, foldSwitches, mergeLedgerEntry, mergePrincipalAlias } from '@lastswitch/core';
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
}

/** Options of {@link scanFiles}. */
export interface ScanFilesOptions {
  store: LedgerStore;
  /** Files read at the same time (default 4). */
  concurrency?: number;
  progress: ScanProgress;
  /** Write to the store once this many pairs are pending (default 10,000), and at the end. */
  flushPairs?: number;
}

const pairKey = (u: LedgerUpdate) => `${u.principal.key}\u0000${u.role.key}`;
const aliasKey = (a: PrincipalAlias) => `${a.account}\u0000${a.principalId}`;

/** One line, without the stack, for a failure message. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
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
  };
  const pendingPairs = new Map<string, LedgerUpdate>();
  const pendingAliases = new Map<string, PrincipalAlias>();
  const flushPairs = options.flushPairs ?? 10_000;
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
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
      result.filesRead += 1;
      result.bytesRead += target.size;
      result.switches += file.switches.length;
      result.denied += file.denied.length;
      for (const [reason, count] of Object.entries(file.stats.skipped)) {
        if (count > 0) result.skippedRecords.set(reason, (result.skippedRecords.get(reason) ?? 0) + count);
      }
      if (file.stats.fileSkipped) {
        const reason = file.stats.fileSkipped;
        result.skippedByContent.set(reason, (result.skippedByContent.get(reason) ?? 0) + 1);
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
    if (pendingPairs.size >= flushPairs) await flush();
  };

  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, targets.length)) }, async () => {
    for (let target = targets[next++]; target !== undefined; target = targets[next++]) await readOne(target);
  });
  await Promise.all(workers);
  await flush();
  result.failures.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return result;
}
