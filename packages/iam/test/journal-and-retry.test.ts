import { spawn, spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, JournalError, withRetry } from '../src/index.js';
import { _takeOverStale } from '../src/journal.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lastswitch-journal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const start = {
  type: 'start',
  journal: 'lastswitch.apply-journal',
  version: 1,
  at: 'x',
  plan: { sha256: 'a' },
} as const;

describe('Journal', () => {
  it('reads back every line it wrote, one JSON object per line', async () => {
    const path = join(dir, 'ok.jsonl');
    const journal = await Journal.open(path);
    await journal.append(start);
    await journal.append({ type: 'after', step: 1, at: 'y', outcome: 'refused', reason: 'drift' });
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect((await Journal.open(path)).records).toEqual(journal.records);
  });

  it('ignores a torn last line left by a crash, and cuts it off before the next record', async () => {
    const path = join(dir, 'torn.jsonl');
    const journal = await Journal.open(path);
    await journal.append(start);
    await appendFile(path, '{"type":"before","step":1,"ki');
    const reopened = await Journal.open(path);
    expect(reopened.records).toEqual([start]);
    await reopened.append({ type: 'after', step: 1, at: 'z', outcome: 'failed', reason: 'x' });
    expect((await Journal.open(path)).records.map((r) => r.type)).toEqual(['start', 'after']);
  });

  it('refuses a file that is not a journal', async () => {
    const path = join(dir, 'other.jsonl');
    await writeFile(path, '{"hello":1}\n');
    await expect(Journal.open(path)).rejects.toThrow(JournalError);
    await writeFile(path, 'not json\n{"type":"start"}\n');
    await expect(Journal.open(path)).rejects.toThrow('line 1 is not JSON');
  });
});

describe('withRetry', () => {
  const error = (name: string) => Object.assign(new Error(name), { name });

  it('retries throttling with growing delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw error(calls === 1 ? 'Throttling' : 'TooManyRequestsException');
        return 'done';
      },
      { sleep: async (ms) => void delays.push(ms), random: () => 0.999, baseDelayMs: 100 },
    );
    expect(value).toBe('done');
    expect(calls).toBe(3);
    expect(delays).toEqual([100, 200]);
  });

  it('throws any other error at once, and throttling after the last attempt', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw error('NoSuchEntity');
        },
        { sleep: async () => {} },
      ),
    ).rejects.toThrow('NoSuchEntity');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw error('ThrottlingException');
        },
        { sleep: async () => {}, attempts: 3 },
      ),
    ).rejects.toThrow('ThrottlingException');
    expect(calls).toBe(3);
  });
});

describe('Journal.lock', () => {
  /** A process that has ended: its pid names no running process (pids are not reused this quickly). */
  const endedPid = (): number => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    return child.pid as number;
  };

  it('is held by one process at a time, and released for the next', async () => {
    const path = join(dir, 'locked.jsonl');
    const lock = await Journal.lock(path);
    const held = JSON.parse(await readFile(`${path}.lock`, 'utf8'));
    expect(held).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(Journal.lock(path)).rejects.toThrow(
      new RegExp(`in use by another lastswitch apply or undo \\(pid ${process.pid} on `),
    );
    await lock.release();
    await expect(readFile(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await Journal.lock(path);
    await again.release();
  });

  it('refuses a lock of a live process, and says which file to delete if it is gone', async () => {
    const path = join(dir, 'live.jsonl');
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const text = `${JSON.stringify({ pid: sleeper.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' })}\n`;
      await writeFile(`${path}.lock`, text);
      const error = await Journal.lock(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JournalError);
      expect((error as Error).message).toContain(`pid ${sleeper.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z`);
      expect((error as Error).message).toContain(`delete ${path}.lock`);
      expect(await readFile(`${path}.lock`, 'utf8')).toBe(text);
    } finally {
      sleeper.kill();
    }
  });

  it('refuses a lock from another host or an unreadable one (it cannot tell whether the holder runs)', async () => {
    const path = join(dir, 'elsewhere.jsonl');
    const other = `${JSON.stringify({ pid: endedPid(), host: `not-${hostname()}`, since: 'x' })}\n`;
    for (const text of [other, '{"pid":']) {
      await writeFile(`${path}.lock`, text);
      await expect(Journal.lock(path)).rejects.toThrow(JournalError);
      expect(await readFile(`${path}.lock`, 'utf8')).toBe(text);
    }
  });

  it('takes over the lock of a process that no longer runs on this host (a crashed apply)', async () => {
    const path = join(dir, 'stale.jsonl');
    await writeFile(`${path}.lock`, `${JSON.stringify({ pid: endedPid(), host: hostname(), since: 'x' })}\n`);
    const lock = await Journal.lock(path);
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('never deletes a fresh lock that replaced the stale one it read (another contender won first)', async () => {
    const path = join(dir, 'race.jsonl');
    const stale = `${JSON.stringify({ pid: endedPid(), host: hostname(), since: 'x' })}\n`;
    const fresh = `${JSON.stringify({ pid: process.pid, host: hostname(), since: 'y' })}\n`;
    // What a contender finds when it acts on the stale text it read: another took over and locked.
    await writeFile(`${path}.lock`, fresh);
    await _takeOverStale(`${path}.lock`, stale);
    expect(await readFile(`${path}.lock`, 'utf8')).toBe(fresh);
    // And when the stale lock is still there, it goes.
    await writeFile(`${path}.lock`, stale);
    await _takeOverStale(`${path}.lock`, stale);
    await expect(readFile(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(dir)).filter((name) => name.startsWith('race.jsonl.lock'))).toEqual([]);
  });
});
