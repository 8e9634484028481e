import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { MemoryLedgerStore } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverLocalFiles } from '../src/scan/discoverLocalFiles.js';
import type { ScanProgress } from '../src/scan/progress.js';
import { type ScanResult, scanFiles } from '../src/scan/scanFiles.js';
import { assumeRoleRecord, BIN, gzip, logFile, logName, put, requireBuiltCli, runCli, tempDir } from './_cli.js';

const NOW = '2026-02-16T00:00:00Z';
const MiB = 1024 * 1024;
const dirs: string[] = [];
let trail = '';

/** A gzip file whose records array is `mib` MiB of whitespace: a few KB on disk. */
const bomb = (mib: number) =>
  gzipSync(Buffer.concat([Buffer.from('{"Records":['), Buffer.alloc(mib * MiB, 0x20), Buffer.from(']}')]), {
    level: 9,
  });

beforeAll(async () => {
  requireBuiltCli();
  const cwd = await tempDir();
  dirs.push(cwd);
  trail = join(cwd, 'trail');
  // 90 small log files over 3 days, the same pairs seen in several files, and bad files among them.
  for (let i = 0; i < 90; i++) {
    const day = `202602${String(1 + (i % 3)).padStart(2, '0')}`;
    const user = `user${i % 7}`;
    const role = `Role${i % 5}`;
    const at = `2026-02-0${1 + (i % 3)}T${String(10 + (i % 10)).padStart(2, '0')}:00:00Z`;
    const dir = join(trail, 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '02', day.slice(6));
    await put(
      join(dir, logName(day, `F${String(i).padStart(15, '0')}`)),
      gzip(logFile(assumeRoleRecord(user, role, at, `e${i}`))),
    );
  }
  const dir = join(trail, 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '02', '02');
  await put(
    join(dir, logName('20260202', 'TRUNCATEDxxxxxxx')),
    gzip(logFile(assumeRoleRecord('x', 'R', NOW, 'ex'))).subarray(0, 40),
  );
  await put(join(dir, logName('20260202', 'NOTJSONxxxxxxxxx')), gzip('this is not json'));
  await put(join(dir, logName('20260202', 'BOMBxxxxxxxxxxxx')), bomb(4));
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('scan in worker threads', () => {
  it('gives the same ledger, counts and failures as a scan on one thread; a gzip bomb is named', async () => {
    const serial = await runCli(
      ['scan', trail, '--store', 'file:serial.json', '--workers', '0', '--max-inflated-mib', '1'],
      {
        cwd: dirs[0] as string,
      },
    );
    const pooled = await runCli(
      ['scan', trail, '--store', 'file:pooled.json', '--workers', '2', '--max-inflated-mib', '1'],
      {
        cwd: dirs[0] as string,
      },
    );
    const auto = await runCli(
      ['scan', trail, '--store', 'file:auto.json', '--workers', '1', '--max-inflated-mib', '1'],
      {
        cwd: dirs[0] as string,
      },
    );
    expect(serial.code).toBe(1);
    expect(serial.stdout).toContain('Read 90 files');
    expect(serial.stderr).toContain('Failed: 3 files; the other files were recorded.');
    expect(serial.stderr).toMatch(
      /BOMBx+\.json\.gz: decompresses to more than 1 MiB \(the cap on one file's inflated size\)/,
    );
    for (const run of [pooled, auto]) {
      expect(run.code).toBe(serial.code);
      expect(run.stderr).toBe(serial.stderr);
      expect(run.stdout.replace(/(pooled|auto)\.json/, 'serial.json')).toBe(serial.stdout);
    }
    const report = (store: string) =>
      runCli(['report', '--format', 'json', '--now', NOW, '--store', store], { cwd: dirs[0] as string });
    const expected = await report('file:serial.json');
    expect(expected.code).toBe(0);
    expect(JSON.parse(expected.stdout).pairs).toHaveLength(35);
    for (const store of ['file:pooled.json', 'file:auto.json']) {
      const got = await report(store);
      expect(JSON.parse(got.stdout)).toEqual(JSON.parse(expected.stdout));
    }
  });

  it('scanFiles with workers reports every file once, like without', async () => {
    const local = await discoverLocalFiles([trail], { cwd: dirs[0] as string });
    const run = async (workers: number) => {
      const store = new MemoryLedgerStore();
      const seen = { read: 0, failed: 0, bytes: 0 };
      const progress: ScanProgress = {
        start() {},
        fileRead(bytes) {
          seen.read++;
          seen.bytes += bytes;
        },
        fileFailed() {
          seen.failed++;
        },
        stop() {},
      };
      const result = await scanFiles(local.targets, {
        store,
        progress,
        workers,
        maxInflatedBytes: MiB,
        workerUrl: new URL('scanWorker.js', pathToFileURL(BIN)),
      });
      const pairs: string[] = [];
      for await (const e of store.entries())
        pairs.push(`${e.principal.key} ${e.role.key} ${e.firstSeen} ${e.lastSeen}`);
      return { result, seen, pairs: pairs.sort() };
    };
    const serial = await run(0);
    const pooled = await run(3);
    const comparable = (r: ScanResult) => ({
      ...r,
      skippedRecords: [...r.skippedRecords],
      skippedByContent: [...r.skippedByContent],
    });
    expect(comparable(pooled.result)).toEqual(comparable(serial.result));
    expect(pooled.seen).toEqual(serial.seen);
    expect(pooled.seen).toMatchObject({ read: 90, failed: 3 });
    expect(pooled.pairs).toEqual(serial.pairs);
  });
});
