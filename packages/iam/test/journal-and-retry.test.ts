import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, JournalError, withRetry } from '../src/index.js';

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
