import type { TransformOptions } from 'node:stream';
import { createGunzip, gunzipSync, type ZlibOptions } from 'node:zlib';
import { LastswitchError } from '../errors.js';
import type { DeniedAttempt, PrincipalAlias, RoleSwitch } from '../model.js';
import { classifyTrailKey } from './classifyTrailKey.js';
import { _TrailScanner, emptyTrailStats, type TrailItem, type TrailStats } from './scanner.js';
import { TrailFileError } from './TrailFileError.js';

/** The bytes of one trail file: a Node Readable, any (async) iterable of chunks, or one buffer. */
export type TrailSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array;

/** Options for `readTrailFile`. */
export interface ReadTrailFileOptions {
  /** The bucket key or path: digest and Insights files are then skipped without reading them. */
  key?: string;
  /**
   * The most bytes a gzip file may decompress to (default {@link DEFAULT_MAX_INFLATED_BYTES}, 2 GiB):
   * past it the file fails with reason `too-large` at once, so a gzip bomb costs little.
   */
  maxInflatedBytes?: number;
}

/** The default cap on the decompressed size of one trail file: 2 GiB (a real log file is a few hundred MB at most). */
export const DEFAULT_MAX_INFLATED_BYTES = 2 * 1024 * 1024 * 1024;

/** Everything `collectTrailFile` found in one file. */
export interface TrailFileContents {
  switches: RoleSwitch[];
  denied: DeniedAttempt[];
  aliases: PrincipalAlias[];
  stats: TrailStats;
}

/** Decompressed chunk size: few records straddle two chunks, and zlib allocates and calls back less often. */
const CHUNK_SIZE = 1024 * 1024;

function _toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function _iteratorOf(source: TrailSource): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  if (source instanceof Uint8Array) return [source][Symbol.iterator]();
  if (source !== null && typeof source === 'object') {
    if (Symbol.asyncIterator in source) return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    if (Symbol.iterator in source) return (source as Iterable<Uint8Array>)[Symbol.iterator]();
  }
  throw new TrailFileError(
    'source-error',
    'the source must be a Uint8Array or an (async) iterable of Uint8Array chunks',
  );
}

/** The next chunk of the source as bytes (`undefined` at the end); any failure is a `source-error`. */
async function _nextChunk(
  iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  key: string | undefined,
): Promise<Uint8Array | undefined> {
  let next: IteratorResult<Uint8Array>;
  try {
    next = await iterator.next();
  } catch (error) {
    throw new TrailFileError(
      'source-error',
      `reading the source failed: ${(error as Error)?.message ?? String(error)}`,
      {
        key,
        cause: error,
      },
    );
  }
  if (next.done) return undefined;
  const chunk = next.value as unknown;
  if (!(chunk instanceof Uint8Array)) {
    throw new TrailFileError('source-error', `the source yielded a ${typeof chunk}, not bytes`, { key });
  }
  return chunk;
}

/** Pulls chunks from the source, counting bytes and checking each is bytes. */
async function* _counted(
  iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  stats: TrailStats,
  key: string | undefined,
  first: Buffer[],
) {
  for (const chunk of first) yield chunk;
  try {
    while (true) {
      const chunk = await _nextChunk(iterator, key);
      if (chunk === undefined) return;
      stats.bytesRead += chunk.byteLength;
      if (chunk.byteLength > 0) yield _toBuffer(chunk);
    }
  } finally {
    await iterator.return?.();
  }
}

function _zlibError(error: unknown, key: string | undefined): TrailFileError {
  if (error instanceof TrailFileError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  if (code === 'Z_BUF_ERROR')
    return new TrailFileError('truncated', `the gzip stream ends early (${message})`, { key, cause: error });
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new TrailFileError('bad-gzip', `the gzip stream is corrupt (${message})`, { key, cause: error });
  }
  return new TrailFileError('source-error', `reading the file failed: ${message}`, { key, cause: error });
}

/** `2 GiB`, `64 MiB`, `1000 bytes`: a size for a message. */
function _formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

function _tooLarge(maxInflated: number, key: string | undefined): TrailFileError {
  return new TrailFileError(
    'too-large',
    `decompresses to more than ${_formatBytes(maxInflated)} (the cap on one file's inflated size): a gzip bomb?`,
    { key },
  );
}

/** A whole gzip buffer up to this size is inflated in one call: no stream to set up per small file. */
const SMALL_GZIP = 256 * 1024;
/** ...into at most this much; a small file that inflates to more is streamed instead. */
const SMALL_INFLATED = 64 * 1024 * 1024;

/**
 * Inflates a small whole gzip file at once, or `undefined` when it inflates to more than
 * {@link SMALL_INFLATED} (and the cap allows more: it is then streamed).
 */
function _inflateSmall(bytes: Buffer, maxInflated: number, key: string | undefined): Buffer | undefined {
  const limit = Math.min(maxInflated, SMALL_INFLATED);
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_BUFFER_TOO_LARGE') throw _zlibError(error, key);
    if (limit === maxInflated) throw _tooLarge(maxInflated, key);
    return undefined;
  }
}

/** Decompressed bytes queued ahead of the scan before zlib is paused: bounds memory. Internal: exported for tests. */
export const _MAX_QUEUED = 4 * CHUNK_SIZE;
/** Compressed bytes written to zlib at once. */
const INPUT_BATCH = 1024 * 1024;
/** Stands in for a dequeued chunk, so the queue does not keep it alive. */
const EMPTY = Buffer.alloc(0);

/** What the inflate queue holds after each decompressed chunk arrives (for tests). */
export interface _InflateQueueState {
  /** Decompressed bytes waiting for the scan. */
  queuedBytes: number;
  /** Decompressed chunks waiting for the scan. */
  queuedChunks: number;
  /** Whether zlib is paused because the queue is full. */
  paused: boolean;
  /** Decompressed bytes so far. */
  inflatedBytes: number;
}

/**
 * Decompresses with zlib on the libuv thread pool. Chunks are queued from 'data' events, so zlib
 * submits the next inflate before this chunk is scanned and the two overlap; the queue is bounded
 * (zlib pauses past {@link _MAX_QUEUED} bytes, and then stops taking input), so a scan that falls
 * behind, or a starved main thread, holds a few MiB at most. Internal: exported for tests.
 */
export async function* _gunzip(
  input: AsyncIterable<Buffer>,
  key: string | undefined,
  maxInflated: number = DEFAULT_MAX_INFLATED_BYTES,
  observe?: (state: _InflateQueueState) => void,
): AsyncGenerator<Buffer> {
  // zlib streams take Transform options; @types/node's ZlibOptions does not list them.
  const options: ZlibOptions & TransformOptions = {
    chunkSize: CHUNK_SIZE,
    readableHighWaterMark: CHUNK_SIZE,
    writableHighWaterMark: 2 * INPUT_BATCH,
  };
  const gunzip = createGunzip(options);
  const queue: Buffer[] = [];
  let head = 0;
  let queued = 0;
  let inflated = 0;
  let ended = false;
  let stopped = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const unblock = () => {
    const resolve = drained;
    drained = undefined;
    resolve?.();
  };
  gunzip.on('data', (chunk: Buffer) => {
    inflated += chunk.length;
    if (inflated > maxInflated) {
      failure ??= _tooLarge(maxInflated, key);
      gunzip.destroy();
      notify();
      unblock();
      return;
    }
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= _MAX_QUEUED) gunzip.pause();
    observe?.({
      queuedBytes: queued,
      queuedChunks: queue.length - head,
      paused: gunzip.isPaused(),
      inflatedBytes: inflated,
    });
    notify();
  });
  gunzip.on('end', () => {
    ended = true;
    notify();
  });
  gunzip.on('error', (error) => {
    failure ??= error;
    notify();
    unblock();
  });
  gunzip.on('close', unblock);
  // Input is written in batches of about INPUT_BATCH (a file stream yields 64 KiB chunks): each
  // write ends in a partial output chunk, so fewer writes mean fewer, fuller chunks. At most two
  // batches are in zlib at once, so it never waits for the next one.
  let inFlight = 0;
  const written = () => {
    inFlight--;
    unblock();
  };
  const pump = async () => {
    let batch: Buffer[] = [];
    let size = 0;
    const send = async () => {
      const bytes = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, size);
      batch = [];
      size = 0;
      inFlight++;
      gunzip.write(bytes, written);
      while (inFlight > 1 && !stopped && !gunzip.destroyed) await new Promise<void>((resolve) => (drained = resolve));
    };
    for await (const chunk of input) {
      if (stopped || gunzip.destroyed) return;
      batch.push(chunk);
      size += chunk.length;
      // An idle zlib gets what there is; a busy one gets a full batch.
      if (size >= INPUT_BATCH || inFlight === 0) await send();
      if (stopped || gunzip.destroyed) return;
    }
    if (size > 0) await send();
    if (!stopped && !gunzip.destroyed) gunzip.end();
  };
  pump().catch((error: unknown) => {
    failure ??= error;
    notify();
  });
  try {
    while (true) {
      if (head < queue.length) {
        const chunk = queue[head] as Buffer;
        queue[head] = EMPTY;
        head++;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        queued -= chunk.length;
        if (gunzip.isPaused() && queued < _MAX_QUEUED) gunzip.resume();
        yield chunk;
        continue;
      }
      if (failure !== undefined) throw _zlibError(failure, key);
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopped = true;
    gunzip.destroy();
  }
}

/**
 * `readTrailFile`, handing over what it finds in batches (each a non-empty array, in file order:
 * what one decompressed chunk held) instead of one item at a time: one `await` per chunk, for a
 * caller that handles many items. Returns the stats; throws as `readTrailFile` does.
 */
export async function* readTrailBatches(
  source: TrailSource,
  options: ReadTrailFileOptions = {},
): AsyncGenerator<TrailItem[], TrailStats, undefined> {
  const key = options.key;
  const maxInflated = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  if (!(maxInflated > 0)) throw new LastswitchError(`maxInflatedBytes must be above 0, not ${maxInflated}`);
  const stats = emptyTrailStats();
  const iterator = _iteratorOf(source);
  const kind = key === undefined ? 'other' : classifyTrailKey(key);
  if (kind === 'digest' || kind === 'insight') {
    await iterator.return?.();
    stats.format = kind;
    stats.skipped[kind === 'digest' ? 'digest-file' : 'insight-file'] = 1;
    return stats;
  }
  // Peek at the first two bytes for the gzip magic number.
  const first: Buffer[] = [];
  let peeked = 0;
  let ended = false;
  while (peeked < 2) {
    let chunk: Uint8Array | undefined;
    try {
      chunk = await _nextChunk(iterator, key);
    } catch (error) {
      await iterator.return?.();
      throw error;
    }
    if (chunk === undefined) {
      ended = true;
      break;
    }
    stats.bytesRead += chunk.byteLength;
    if (chunk.byteLength > 0) first.push(_toBuffer(chunk));
    peeked += chunk.byteLength;
  }
  const head = first.length === 1 ? (first[0] as Buffer) : Buffer.concat(first);
  stats.gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const chunks: AsyncIterable<Buffer> = ended
    ? (async function* () {
        for (const chunk of first) yield chunk;
      })()
    : _counted(iterator, stats, key, first);
  const scanner = new _TrailScanner(stats, key);
  const whole =
    stats.gzip && source instanceof Uint8Array && head.length <= SMALL_GZIP
      ? _inflateSmall(head, maxInflated, key)
      : undefined;
  const decoded = whole !== undefined ? [whole] : stats.gzip ? _gunzip(chunks, key, maxInflated) : chunks;
  for await (const chunk of decoded) {
    scanner.push(chunk);
    if (scanner.out.length > 0) {
      const items = scanner.out;
      scanner.out = [];
      yield items;
    }
    if (scanner.done) break;
  }
  if (!scanner.done) scanner.finish();
  if (scanner.out.length > 0) yield scanner.out;
  scanner.out = [];
  return stats;
}

/**
 * Reads one CloudTrail file as a stream (gzip or plain, detected from the bytes; Records object,
 * array, NDJSON or `lookup-events` output) and yields its switches, denied attempts and principal
 * aliases; returns the stats. Throws `TrailFileError` for a file that cannot be read.
 *
 * @example
 * ```ts
 * const reader = readTrailFile(createReadStream('trail.json.gz'));
 * for (let next = await reader.next(); ; next = await reader.next()) {
 *   if (next.done) { console.log(next.value.records); break; }
 *   if (next.value.kind === 'switch') console.log(next.value.switch.principal.key);
 * }
 * ```
 */
export async function* readTrailFile(
  source: TrailSource,
  options: ReadTrailFileOptions = {},
): AsyncGenerator<TrailItem, TrailStats, undefined> {
  const batches = readTrailBatches(source, options);
  try {
    while (true) {
      const next = await batches.next();
      if (next.done) return next.value;
      yield* next.value;
    }
  } finally {
    // Stopped early by the caller: the file is closed and zlib stopped.
    await batches.return(undefined as never);
  }
}

/** Reads a whole trail file (see `readTrailFile`) into arrays: what the CLI and the Lambda use. */
export async function collectTrailFile(
  source: TrailSource,
  options: ReadTrailFileOptions = {},
): Promise<TrailFileContents> {
  const switches: RoleSwitch[] = [];
  const denied: DeniedAttempt[] = [];
  const aliases: PrincipalAlias[] = [];
  const reader = readTrailBatches(source, options);
  while (true) {
    const next = await reader.next();
    if (next.done) return { switches, denied, aliases, stats: next.value };
    for (const item of next.value) {
      if (item.kind === 'switch') switches.push(item.switch);
      else if (item.kind === 'denied') denied.push(item.denied);
      else aliases.push(item.alias);
    }
  }
}
