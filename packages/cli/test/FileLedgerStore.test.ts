import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LedgerUpdate, PrincipalAlias } from '@lastswitch/core';
import { runLedgerStoreContract } from '@lastswitch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore, LedgerFileError } from '../src/index.js';
import { type LockStep, lockWaitMs } from '../src/store/FileLedgerStore.js';
import { requireBuiltCli } from './_cli.js';

/** The built CLI's library entry, for a contender that runs as another process. */
const CLI_INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** The real uid of a process, from `/proc/PID/status`. */
function processUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'latin1')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number.parseInt(line?.slice(4).trim() ?? '', 10);
}

/** A process's start time as a lock names it (clock ticks since boot, `/proc/PID/stat` field 22). */
function processStartTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lastswitch-file-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
const freshPath = () => join(root, `case-${++counter}`, 'ledger.json');

runLedgerStoreContract(
  { describe, it, expect },
  { name: 'FileLedgerStore', create: () => new FileLedgerStore(freshPath()), runs: 10 },
);

const update = (lastSeen: number, firstSeen = lastSeen): LedgerUpdate => ({
  principal: { key: 'arn:aws:iam::111111111111:user/alice', kind: 'iam-user', account: '111111111111', name: 'alice' },
  role: {
    key: 'arn:aws:iam::222222222222:role/OpsAdmin',
    account: '222222222222',
    name: 'OpsAdmin',
    arn: 'arn:aws:iam::222222222222:role/platform/OpsAdmin',
  },
  firstSeen,
  lastSeen,
  methods: ['SwitchRole'],
  lastEventId: `event-${lastSeen}`,
});

const alias: PrincipalAlias = {
  account: '111111111111',
  principalId: 'AIDAEXAMPLEALICE0001',
  principal: update(1).principal,
  seenAt: 5,
};

/** A promise with its resolve function, to hold writers at a lock step until the test lets them go. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe('FileLedgerStore file handling', () => {
  it('a missing file is an empty ledger and is not created by reading', async () => {
    const path = freshPath();
    const store = new FileLedgerStore(path);
    expect(await store.exists()).toBe(false);
    expect(await collect(store.entries())).toEqual([]);
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes a versioned file, creating its folder, and reads it back in a new instance', async () => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(2_000, 1_000)], [alias]);
    const parsed = JSON.parse(await readFile(path, 'utf8'));
    expect(parsed).toMatchObject({ format: 'lastswitch-ledger', version: 1 });
    expect(parsed.entries).toHaveLength(1);
    const again = new FileLedgerStore(path);
    expect(await again.exists()).toBe(true);
    expect(await collect(again.entries())).toEqual([update(2_000, 1_000)]);
    expect(await collect(again.aliases())).toEqual([alias]);
  });

  it('leaves no temporary or lock file behind', async () => {
    const path = freshPath();
    const store = new FileLedgerStore(path);
    await store.apply([update(1)]);
    await store.apply([update(3)]);
    expect(await readdir(join(path, '..'))).toEqual(['ledger.json']);
  });

  it('serialises concurrent applies from several instances (no update lost)', async () => {
    const path = freshPath();
    const stores = [0, 1, 2, 3].map(() => new FileLedgerStore(path));
    await Promise.all(
      stores.map((store, i) =>
        store.apply([{ ...update(10 + i), role: { ...update(1).role, key: `arn:aws:iam::222222222222:role/R${i}` } }]),
      ),
    );
    expect(await collect(new FileLedgerStore(path).entries())).toHaveLength(4);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]);
    await writeFile(`${path}.lock`, '2147483646');
    await new FileLedgerStore(path).apply([update(7)]);
    const [entry] = await collect(new FileLedgerStore(path).entries());
    expect(entry?.lastSeen).toBe(7);
  });

  it('forty writers that all saw the same dead lock: once one has taken it over, no other removes its fresh lock', async () => {
    // Without the re-check under PATH.lock.takeover, a writer that judged the dead lock stale removes
    // the fresh lock another writer has just taken, and both write. The writers are ordered through
    // the lock steps, so this fails every time on that bug, not by chance.
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]);
    await writeFile(`${path}.lock`, '2147483646');
    const writers = 40;
    const allSawStale = deferred();
    const firstHolds = deferred();
    const othersGo = deferred();
    const holderGoes = deferred();
    const othersWaiting = deferred();
    const intruder = deferred<number>();
    const sawStale = new Set<number>();
    const waiting = new Set<number>();
    let holding = true;
    const onStep = (writer: number) => async (step: LockStep) => {
      if (step === 'stale' && !sawStale.has(writer)) {
        // Every writer reads the dead lock before any of them takes it over.
        sawStale.add(writer);
        if (sawStale.size === writers) allSawStale.resolve();
        await (writer === 0 ? allSawStale.promise : othersGo.promise);
      } else if (step === 'locked' && writer === 0 && holding) {
        firstHolds.resolve();
        await holderGoes.promise;
      } else if (step === 'locked' && holding) {
        intruder.resolve(writer);
        await holderGoes.promise;
      } else if (step === 'waiting' && holding) {
        // Parked, so only a writer that got past the lock can still move.
        waiting.add(writer);
        if (waiting.size === writers - 1) othersWaiting.resolve();
        await holderGoes.promise;
      }
    };
    const applies = Array.from({ length: writers }, (_, i) =>
      new FileLedgerStore(path, { lockTimeoutMs: 600_000, _onLockStep: onStep(i) }).apply([
        { ...update(10 + i), role: { ...update(1).role, key: `arn:aws:iam::222222222222:role/R${i}` } },
      ]),
    );
    try {
      await firstHolds.promise;
      othersGo.resolve(); // the other 39 now take over the lock they judged stale
      const outcome = await Promise.race([
        othersWaiting.promise.then(() => 'the other writers wait for the holder'),
        intruder.promise.then((writer) => `writer ${writer} took the lock while writer 0 held it`),
      ]);
      expect(outcome).toBe('the other writers wait for the holder');
    } finally {
      holding = false;
      holderGoes.resolve();
      othersGo.resolve();
      await Promise.allSettled(applies);
    }
    await Promise.all(applies);
    expect(await collect(new FileLedgerStore(path).entries())).toHaveLength(writers + 1);
    expect((await readdir(join(path, '..'))).sort()).toEqual(['ledger.json']);
  });

  it('takes over a lock without a pid once it is a minute old, and waits for a fresh one', async () => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]);
    await writeFile(`${path}.lock`, '');
    const fresh = await new FileLedgerStore(path, { lockTimeoutMs: 100 }).apply([update(8)]).catch((e: unknown) => e);
    expect(fresh).toBeInstanceOf(LedgerFileError);
    const old = new Date(Date.now() - 120_000);
    await utimes(`${path}.lock`, old, old);
    await new FileLedgerStore(path, { lockTimeoutMs: 100 }).apply([update(8)]);
    const [entry] = await collect(new FileLedgerStore(path).entries());
    expect(entry?.lastSeen).toBe(8);
  });

  it('takes over a lock whose pid is alive but is another process (start time differs: pid reused)', async () => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]);
    await writeFile(`${path}.lock`, `${process.pid} ${hostname()} 1`);
    await new FileLedgerStore(path, { lockTimeoutMs: 100 }).apply([update(4)]);
    const [entry] = await collect(new FileLedgerStore(path).entries());
    expect(entry?.lastSeen).toBe(4);
  });

  it('waits for a live holder (same pid and start time, or another host) and never advises deleting its lock', async () => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]);
    const started = (await readFile(`/proc/${process.pid}/stat`, 'latin1').catch(() => ''))
      .split(') ')[1]
      ?.split(' ')[19];
    for (const [lock, shown] of [
      [`${process.pid} ${hostname()} ${started ?? ''}`, `(pid ${process.pid})`],
      [`4242 another-host.example 99`, '(pid 4242 on another-host.example)'],
    ]) {
      await writeFile(`${path}.lock`, lock as string);
      const error = await new FileLedgerStore(path, { lockTimeoutMs: 100 }).apply([update(9)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerFileError);
      expect((error as Error).message).toContain(
        `locked by another lastswitch process ${shown} that is still writing it`,
      );
      expect((error as Error).message).not.toContain('delete');
      expect(await readFile(`${path}.lock`, 'utf8')).toBe(lock);
    }
    await rm(`${path}.lock`);
  });

  // A live lock of another user's process: kill(pid, 0) answers EPERM, which means alive. Root may
  // signal anyone, so as root the holder is a shell running as nobody and the contender runs as uid 0
  // without CAP_KILL (setpriv). The contender stays uid 0 so it can load the built CLI from a checkout
  // in a private folder, which nobody could not; the holder needs nothing of the checkout.
  const asRoot = process.getuid?.() === 0;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
  const foreignPid1 = !asRoot && existsSync('/proc/1/status') && processUid(1) !== process.getuid?.();
  it.skipIf(process.platform !== 'linux' || (asRoot ? !setpriv : !foreignPid1))(
    "never takes over a live lock held by another user's process (kill says EPERM)",
    async () => {
      requireBuiltCli();
      const path = freshPath();
      await new FileLedgerStore(path).apply([update(1)]);
      let holder: ChildProcess | undefined;
      try {
        let holderPid = 1;
        if (asRoot) {
          holder = spawn(
            setpriv as string,
            [
              '--reuid=65534',
              '--regid=65534',
              '--clear-groups',
              '--inh-caps=-all',
              '--',
              '/bin/sh',
              '-c',
              'echo ready; exec sleep 600',
            ],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          // Ready once it runs as nobody (setpriv has switched uid before the shell speaks).
          const exited = once(holder, 'exit').then(([code]) => {
            throw new Error(`the lock holder (setpriv as nobody) exited with ${code} before it was ready`);
          });
          await Promise.race([once(holder.stdout as NodeJS.ReadableStream, 'data'), exited]);
          exited.catch(() => {}); // it exits when the test kills it
          holderPid = holder.pid as number;
          expect(processUid(holderPid)).toBe(65534);
        }
        const lock = `${holderPid} ${hostname()} ${processStartTime(holderPid)}`;
        await writeFile(`${path}.lock`, lock);
        const contender = [
          'const { FileLedgerStore } = await import(process.env.CLI_INDEX);',
          "let probe = 'alive';",
          'try { process.kill(Number(process.env.HOLDER), 0); } catch (error) { probe = error.code; }',
          'const store = new FileLedgerStore(process.env.LEDGER, { lockTimeoutMs: 300 });',
          'const outcome = await store.apply([JSON.parse(process.env.UPDATE)]).then(() => ({ written: true }), (error) => ({ error: error.message }));',
          'console.log(JSON.stringify({ probe, ...outcome }));',
        ].join('\n');
        const node = [process.execPath, '--input-type=module', '-e', contender];
        const [command, ...args] = asRoot ? [setpriv as string, '--bounding-set=-kill', '--', ...node] : node;
        const run = spawnSync(command as string, args, {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            CLI_INDEX: pathToFileURL(CLI_INDEX).href,
            HOLDER: String(holderPid),
            LEDGER: path,
            UPDATE: JSON.stringify(update(9)),
          },
        });
        expect(run.stderr).toBe('');
        const outcome = JSON.parse(run.stdout);
        expect(outcome.probe).toBe('EPERM'); // the contender really could not signal the holder
        expect(outcome.written).toBeUndefined();
        expect(outcome.error).toContain(
          `locked by another lastswitch process (pid ${holderPid}) that is still writing it`,
        );
        expect(await readFile(`${path}.lock`, 'utf8')).toBe(lock);
        const [entry] = await collect(new FileLedgerStore(path).entries());
        expect(entry?.lastSeen).toBe(1);
      } finally {
        holder?.kill('SIGKILL');
        await rm(`${path}.lock`, { force: true });
      }
    },
  );

  it('removes temporary files that a killed writer left beside the ledger', async () => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]);
    await writeFile(join(path, '..', '.ledger.json.2147483646.a1b2c3d4e5f6.tmp'), '{"format":"lastswi');
    await new FileLedgerStore(path).apply([update(2)]);
    expect(await readdir(join(path, '..'))).toEqual(['ledger.json']);
  });

  it('gives up with a clear error when a live process holds the lock', async () => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]);
    await writeFile(`${path}.lock`, String(process.pid));
    const error = await new FileLedgerStore(path, { lockTimeoutMs: 100 }).apply([update(9)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerFileError);
    expect((error as Error).message).toContain(`locked by another lastswitch process (pid ${process.pid})`);
    await rm(`${path}.lock`);
  });

  const refused: [string, string, string][] = [
    ['an empty file', '', 'the ledger file is empty'],
    ['truncated JSON', '{"format":"lastswitch-ledger","version":1,"entries":[{"princ', 'not JSON'],
    ['a foreign JSON file', '{"Records":[]}', 'not a lastswitch ledger file'],
    ['a JSON array', '[]', 'not a lastswitch ledger file'],
    [
      'a newer format version',
      '{"format":"lastswitch-ledger","version":2,"entries":[],"aliases":[]}',
      'format version 2',
    ],
    ['a missing version', '{"format":"lastswitch-ledger","entries":[],"aliases":[]}', 'no valid format version'],
    [
      'a malformed entry',
      '{"format":"lastswitch-ledger","version":1,"entries":[{"principal":1}],"aliases":[]}',
      'entry 0 is malformed',
    ],
    [
      'a malformed alias',
      '{"format":"lastswitch-ledger","version":1,"entries":[],"aliases":[{}]}',
      'alias 0 is malformed',
    ],
  ];
  it.each(refused)('refuses %s, for reading and for writing, and leaves it untouched', async (_what, text, message) => {
    const path = freshPath();
    await new FileLedgerStore(path).apply([update(1)]); // creates the folder
    await writeFile(path, text);
    const store = new FileLedgerStore(path);
    await expect(collect(store.entries())).rejects.toThrow(message);
    const error = await store.apply([update(2)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerFileError);
    expect((error as LedgerFileError).path).toBe(path);
    expect((error as Error).message).toContain(path);
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(await readdir(join(path, '..'))).toEqual(['ledger.json']);
  });

  it('refuses a folder where the file should be', async () => {
    const path = freshPath();
    await new FileLedgerStore(join(path, 'inner.json')).apply([update(1)]);
    await expect(collect(new FileLedgerStore(path).entries())).rejects.toThrow('is a directory');
  });
});

describe('how long a writer waits for the lock', () => {
  it.each([
    [0, 10_000],
    [1, 12_000],
    [10 * 1_048_576, 12_000],
    [10 * 1_048_576 + 1, 14_000],
    [560 * 1_048_576, 122_000],
  ])('a %d-byte ledger: %d ms', (bytes, ms) => {
    expect(lockWaitMs(bytes)).toBe(ms);
  });

  it('grows with the ledger, so a big ledger being rewritten is waited for, not reported as locked', () => {
    expect(lockWaitMs(100 * 1_048_576)).toBeGreaterThan(lockWaitMs(1_048_576));
  });
});
