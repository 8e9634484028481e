import { setImmediate as nextTurn } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LastswitchError } from '../src/errors.js';
import { collectTrailFile, TrailFileError } from '../src/trail/index.js';
import { _gunzip, type _InflateQueueState, _MAX_QUEUED } from '../src/trail/readTrailFile.js';

const MiB = 1024 * 1024;

/** Yields `bytes` in 64 KiB pieces, counting what was pulled. */
async function* pieces(bytes: Buffer, pulled: { bytes: number }): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    const piece = bytes.subarray(at, at + 64 * 1024);
    pulled.bytes += piece.length;
    yield piece;
  }
}

/** `size` bytes of hex digits from a fixed-seed generator: compresses about 2:1, like nothing special. */
function noise(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 0x30 + ((x >>> 0) % 16);
  }
  return out;
}

/** A gzip file whose records array is `spaceMiB` MiB of whitespace: tiny on disk, huge inflated. */
function whitespaceBomb(spaceMiB: number): Buffer {
  return gzipSync(Buffer.concat([Buffer.from('{"Records":['), Buffer.alloc(spaceMiB * MiB, 0x20), Buffer.from(']}')]), {
    level: 9,
  });
}

describe('the inflate queue is bounded', () => {
  it('a consumer slower than zlib never has more than a few chunks queued, and zlib waits for it', async () => {
    const raw = noise(16 * MiB);
    const gz = gzipSync(raw, { level: 1 });
    const pulled = { bytes: 0 };
    const states: _InflateQueueState[] = [];
    let pausedEvents = 0;
    const reader = _gunzip(pieces(gz, pulled), 'slow.json.gz', undefined, (state) => {
      states.push(state);
      if (state.paused) pausedEvents++;
    });
    let consumed = 0;
    for await (const chunk of reader) {
      consumed += chunk.length;
      // Slow consumer: before taking the next chunk, wait until zlib has filled the queue (or has
      // decompressed everything). An unbounded queue would keep growing meanwhile.
      const inflated = () => states.at(-1)?.inflatedBytes ?? 0;
      while (inflated() - consumed < _MAX_QUEUED && inflated() < raw.length) await nextTurn();
      for (let i = 0; i < 20; i++) await nextTurn();
    }
    expect(consumed).toBe(raw.length);
    expect(pausedEvents).toBeGreaterThan(3); // the queue did fill up: the consumer was the slow side
    const most = Math.max(...states.map((s) => s.queuedBytes));
    expect(most).toBeGreaterThanOrEqual(_MAX_QUEUED);
    expect(most).toBeLessThanOrEqual(_MAX_QUEUED + 2 * MiB);
    expect(Math.max(...states.map((s) => s.queuedChunks))).toBeLessThanOrEqual(8);
  });

  it('a stalled consumer stops the reading of the source', async () => {
    const raw = noise(16 * MiB);
    const gz = gzipSync(raw, { level: 1 });
    const pulled = { bytes: 0 };
    let last: _InflateQueueState | undefined;
    let pausedEvents = 0;
    const reader = _gunzip(pieces(gz, pulled), 'stalled.json.gz', undefined, (state) => {
      last = state;
      if (state.paused) pausedEvents++;
    });
    const first = await reader.next();
    expect(first.done).toBe(false);
    while (pausedEvents === 0 && (last?.inflatedBytes ?? 0) < raw.length) await nextTurn();
    const pulledWhenPaused = pulled.bytes;
    // Let every pending callback run: nothing more is pulled while the consumer holds back.
    for (let i = 0; i < 200; i++) await nextTurn();
    expect(pausedEvents).toBeGreaterThan(0);
    expect(pulled.bytes).toBeLessThan(gz.length);
    expect(pulled.bytes - pulledWhenPaused).toBeLessThanOrEqual(2 * MiB);
    await reader.return(undefined);
  });
});

describe('the cap on inflated size', () => {
  it('a gzip bomb fails with reason too-large, named, once the cap is passed', async () => {
    const bomb = whitespaceBomb(64);
    expect(bomb.length).toBeLessThan(128 * 1024); // small on disk
    const pulled = { bytes: 0 };
    const promise = collectTrailFile(pieces(bomb, pulled), { key: 'bomb.json.gz', maxInflatedBytes: 4 * MiB });
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrailFileError);
    expect((error as TrailFileError).reason).toBe('too-large');
    expect((error as TrailFileError).message).toMatch(/^bomb\.json\.gz: decompresses to more than 4 MiB/);
  });

  it('a file under the cap is read as usual', async () => {
    const file = await collectTrailFile(whitespaceBomb(2), { maxInflatedBytes: 4 * MiB });
    expect(file.stats.gzip).toBe(true);
    expect(file.switches).toEqual([]);
  });

  it('the cap applies to inflated bytes only: plain JSON is not capped', async () => {
    const plain = Buffer.concat([Buffer.from('{"Records":['), Buffer.alloc(2 * MiB, 0x20), Buffer.from(']}')]);
    const file = await collectTrailFile(plain, { maxInflatedBytes: 1024 });
    expect(file.stats.gzip).toBe(false);
  });

  it.each([0, -1, Number.NaN])('maxInflatedBytes %s is refused', async (cap) => {
    await expect(collectTrailFile(whitespaceBomb(1), { maxInflatedBytes: cap })).rejects.toBeInstanceOf(
      LastswitchError,
    );
  });
});
