import type { Worker } from 'node:worker_threads';
import type { LedgerStore, LedgerUpdate, PrincipalAlias, PrincipalRef, RoleRef } from '@lastswitch/core';
import {
  aliasKey,
  foldAliases,
  mergeLedgerEntry,
  mergePrincipalAlias,
  pairKey,
  readTrailBatches,
  type SkippedRecord,
  TrailFileError,
  type TrailSkipReason,
  type TrailSource,
} from '@lastswitch/core';
import type { ScanTarget } from './discoverLocalFiles.js';
import type { ScanProgress } from './progress.js';

/** A file that could not be read, and why (one line). */
export interface ScanFailure {
  file: string;
  reason: string;
}

/** A malformed or too-large record: the file, its index in the file, and why it was skipped. */
export interface SkippedRecordAt {
  file: string;
  index: number;
  reason: string;
  detail: string;
}

/** What a scan did. */
export interface ScanResult {
  /** Files read successfully. */
  filesRead: number;
  /** Bytes of the files read (as stored, e.g. compressed). */
  bytesRead: number;
  /** Records skipped inside the files read, per reason. */
  skippedRecords: Map<string, number>;
  /** Every malformed or too-large record (up to core's per-file limit), sorted by file and index. */
  skippedRecordList: SkippedRecordAt[];
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
  /** The most bytes one gzip file may inflate to (the reader's default, 2 GiB, when absent). */
  maxInflatedBytes?: number;
  /**
   * Worker threads that read local files (targets with a `path`) in parallel (default 0: all on
   * this thread). The result is the same either way.
   */
  workers?: number;
  /** The worker script (default: `scanWorker.js` next to this module, as built). */
  workerUrl?: URL;
}

/** What reading one file gave, folded: small, and the same whichever thread read it. */
export type FileOutcome =
  | {
      ok: true;
      switches: number;
      denied: number;
      skipped: Record<TrailSkipReason, number>;
      /** The malformed and too-large records, named (index and reason). */
      skippedRecords: SkippedRecord[];
      updates: LedgerUpdate[];
      aliases: PrincipalAlias[];
    }
  | { ok: false; reason: string };

/** A local file as a worker thread receives it. */
export interface WorkerFile {
  path: string;
  key: string;
  size: number;
}

/** What a scan worker starts with: every file of the pool, and the shared counters. */
export interface WorkerInput {
  files: WorkerFile[];
  maxInflatedBytes: number | undefined;
  /** Two int32: the index of the next file to take (shared by all workers), and 1 once no more may start. */
  shared: SharedArrayBuffer;
}

/** A scan worker's report: outcomes of files, by index into `files`. */
export type WorkerReport = { index: number; outcome: FileOutcome }[];

/** Outcomes a worker sends at once. */
export const WORKER_REPORT_SIZE = 16;

/** From this many local files on, `--workers auto` reads them in worker threads. */
export const AUTO_WORKERS_MIN_FILES = 64;

/**
 * The worker threads `--workers auto` uses: one per core (at most 4) for an archive of many local
 * files on a machine with 2 cores or more, else none. On 2 cores, 2 workers read 10,000 small files
 * in 0.8× the time one thread takes; a few big files are read as fast on the main thread.
 */
export function autoWorkerCount(localFiles: number, cores: number): number {
  return cores >= 2 && localFiles >= AUTO_WORKERS_MIN_FILES ? Math.min(cores, 4) : 0;
}

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
 * One object per distinct principal (or role), display fields and all: the refs a file's switches
 * share, so that what the fold keeps per pair is only the pair's own (a record's own copies die young).
 */
function _interner<T extends { key: string }>(same: (a: T, b: T) => boolean): (ref: T) => T {
  const known = new Map<string, T>();
  return (ref) => {
    const first = known.get(ref.key);
    if (first === undefined) {
      known.set(ref.key, ref);
      return ref;
    }
    return same(first, ref) ? first : ref;
  };
}

/** Reads one file and folds what it holds; a file that cannot be read is an outcome too, never a throw. */
export async function readOutcome(
  open: () => Promise<TrailSource>,
  key: string,
  maxInflatedBytes: number | undefined,
): Promise<FileOutcome> {
  try {
    const reader = readTrailBatches(await open(), { key, maxInflatedBytes });
    // Each switch is folded into its pair as it comes (while zlib inflates the next chunk), so it
    // dies young; pairs are found by principal key, then role key (no pair key string per switch).
    const byPrincipal = new Map<string, Map<string, LedgerUpdate>>();
    const principalOf = _interner<PrincipalRef>(
      (a, b) => a.kind === b.kind && a.account === b.account && a.name === b.name && a.arn === b.arn,
    );
    const roleOf = _interner<RoleRef>((a, b) => a.account === b.account && a.name === b.name && a.arn === b.arn);
    const aliases: PrincipalAlias[] = [];
    while (true) {
      const next = await reader.next();
      if (next.done) {
        const stats = next.value;
        const updates: LedgerUpdate[] = [];
        for (const roles of byPrincipal.values()) for (const update of roles.values()) updates.push(update);
        return {
          ok: true,
          switches: stats.switches,
          denied: stats.denied,
          skipped: stats.skipped,
          skippedRecords: stats.skippedRecords,
          updates,
          aliases: foldAliases(aliases),
        };
      }
      for (const item of next.value) {
        if (item.kind === 'switch') {
          const s = item.switch;
          const principal = principalOf(s.principal);
          const role = roleOf(s.role);
          let roles = byPrincipal.get(principal.key);
          if (roles === undefined) {
            roles = new Map();
            byPrincipal.set(principal.key, roles);
          }
          const update: LedgerUpdate = {
            principal,
            role,
            firstSeen: s.at,
            lastSeen: s.at,
            methods: [s.method],
            lastEventId: s.eventId,
          };
          roles.set(role.key, mergeLedgerEntry(roles.get(role.key), update));
        } else if (item.kind === 'alias') aliases.push(item.alias);
      }
    }
  } catch (error) {
    return { ok: false, reason: describeFailure(error) };
  }
}

/**
 * Reads every target (a few at a time, or in worker threads), folds the switches of all good files
 * into ledger updates and writes them to the store. A file that fails is recorded with its reason;
 * the others still land.
 */
export async function scanFiles(targets: readonly ScanTarget[], options: ScanFilesOptions): Promise<ScanResult> {
  const result: ScanResult = {
    filesRead: 0,
    bytesRead: 0,
    skippedRecords: new Map(),
    skippedRecordList: [],
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

  /** Counts one file's outcome, reports it, and writes when enough is pending. */
  const record = async (target: ScanTarget, outcome: FileOutcome) => {
    if (!outcome.ok) {
      const failure = { file: target.display, reason: outcome.reason };
      result.failures.push(failure);
      options.progress.fileFailed(failure.file, failure.reason);
      return;
    }
    const wholeFileSkipped = outcome.skipped['digest-file'] + outcome.skipped['insight-file'] > 0;
    if (!wholeFileSkipped) {
      result.filesRead += 1;
      result.bytesRead += target.size;
    }
    result.switches += outcome.switches;
    result.denied += outcome.denied;
    for (const [reason, count] of Object.entries(outcome.skipped) as [TrailSkipReason, number][]) {
      if (count <= 0) continue;
      const { label, wholeFile } = SKIP_LABELS[reason] ?? { label: reason, wholeFile: false };
      const counts = wholeFile ? result.skippedByContent : result.skippedRecords;
      counts.set(label, (counts.get(label) ?? 0) + count);
    }
    for (const r of outcome.skippedRecords) result.skippedRecordList.push({ file: target.display, ...r });
    // An outcome's updates are its own (folded fresh, or cloned from a worker) and merges never
    // mutate, so a pair not pending yet is taken as it is.
    for (const update of outcome.updates) {
      const key = pairKey(update.principal.key, update.role.key);
      const pending = pendingPairs.get(key);
      pendingPairs.set(key, pending === undefined ? update : mergeLedgerEntry(pending, update));
    }
    for (const alias of outcome.aliases) {
      const key = aliasKey(alias.account, alias.principalId);
      pendingAliases.set(key, mergePrincipalAlias(pendingAliases.get(key), alias));
    }
    options.progress.fileRead(target.size, outcome.switches);
    if (pendingPairs.size >= flushPairs || Date.now() - lastFlush >= flushEveryMs) await flush();
  };

  const readHere = async (target: ScanTarget) =>
    record(target, await readOutcome(target.open, target.key, options.maxInflatedBytes));

  const workers = Math.max(0, Math.floor(options.workers ?? 0));
  const local = workers > 0 ? targets.filter((t) => t.path !== undefined) : [];
  const here = local.length > 0 ? targets.filter((t) => t.path === undefined) : targets;

  let next = 0;
  const take = () => (options.signal?.aborted ? undefined : here[next++]);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, here.length));
  const readers = Array.from({ length: here.length === 0 ? 0 : concurrency }, async () => {
    for (let target = take(); target !== undefined; target = take()) await readHere(target);
  });
  const pooled =
    local.length > 0
      ? _readInWorkers(
          local,
          Math.min(workers, Math.ceil(local.length / WORKER_REPORT_SIZE)),
          options,
          record,
          readHere,
        )
      : Promise.resolve(0);
  await Promise.all(readers);
  const started = await pooled;
  await flush();
  result.notRead = Math.max(0, here.length - next) + (local.length - started);
  result.failures.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  result.skippedRecordList.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.index - b.index));
  return result;
}

/**
 * Reads local files in worker threads and records every outcome on this thread. The workers take
 * files from a shared counter, so they never wait for this thread; files a dead worker took but did
 * not report are read here. Resolves to the number of files started.
 */
async function _readInWorkers(
  files: readonly ScanTarget[],
  count: number,
  options: ScanFilesOptions,
  record: (target: ScanTarget, outcome: FileOutcome) => Promise<void>,
  readHere: (target: ScanTarget) => Promise<void>,
): Promise<number> {
  // Loaded here, not at start-up: a scan of a few files never starts a worker.
  const { Worker } = await import('node:worker_threads');
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const stop = () => Atomics.store(shared, 1, 1);
  options.signal?.addEventListener('abort', stop);
  if (options.signal?.aborted) stop();
  const input: WorkerInput = {
    files: files.map((t) => ({ path: t.path as string, key: t.key, size: t.size })),
    maxInflatedBytes: options.maxInflatedBytes,
    shared: shared.buffer as SharedArrayBuffer,
  };
  const reported = new Uint8Array(files.length);
  let recording: Promise<void> = Promise.resolve();
  let failure: unknown;
  const onReport = (report: WorkerReport) => {
    recording = recording.then(async () => {
      for (const { index, outcome } of report) {
        reported[index] = 1;
        await record(files[index] as ScanTarget, outcome);
      }
    });
    recording.catch((error: unknown) => {
      failure ??= error;
      stop();
    });
  };
  const runWorker = () =>
    new Promise<void>((resolve) => {
      let worker: Worker;
      try {
        worker = new Worker(options.workerUrl ?? new URL('./scanWorker.js', import.meta.url), { workerData: input });
      } catch {
        resolve(); // no worker here (e.g. the CommonJS build): the files are read on this thread below
        return;
      }
      worker.on('message', onReport);
      worker.on('error', () => {}); // its files are read here; 'exit' follows
      worker.on('exit', () => resolve());
    });
  try {
    await Promise.all(Array.from({ length: Math.max(1, count) }, runWorker));
    await recording;
    // Files a worker took but did not report (it died, or could not start), and, when no worker
    // ran at all, every file: read on this thread.
    const started = Math.min(Atomics.load(shared, 0), files.length);
    for (let index = 0; index < files.length; index++) {
      if (reported[index] === 1) continue;
      if (index >= started) {
        if (Atomics.load(shared, 1) === 1) break;
        Atomics.add(shared, 0, 1);
      }
      await readHere(files[index] as ScanTarget);
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  if (failure !== undefined) throw failure;
  return Math.min(Atomics.load(shared, 0), files.length);
}
