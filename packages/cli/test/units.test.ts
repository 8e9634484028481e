import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../src/createProgram.js';
import { UsageError } from '../src/errors.js';
import { namedCommand } from '../src/namedCommand.js';
import { parseIsoDate } from '../src/options.js';
import { COMMANDS, formatError, runCli } from '../src/program.js';
import { runCli as runReportCli } from '../src/reportProgram.js';
import { discoverLocalFiles, trailFileDay } from '../src/scan/discoverLocalFiles.js';
import { createBarProgress, createPlainProgress } from '../src/scan/progress.js';
import { autoWorkerCount } from '../src/scan/scanFiles.js';
import { runCli as runScanCli } from '../src/scanProgram.js';
import { parseStoreUrl } from '../src/store/openStore.js';
import { assumeRoleRecord, gzip, logFile, logName, put, SAMPLE_TRAIL, tempDir } from './_cli.js';

describe('parseStoreUrl', () => {
  it.each([
    ['file:.lastswitch/ledger.json', { kind: 'file', path: '.lastswitch/ledger.json' }],
    ['file:/var/lib/ledger.json', { kind: 'file', path: '/var/lib/ledger.json' }],
    ['file:///var/lib/ledger.json', { kind: 'file', path: '/var/lib/ledger.json' }],
    ['dynamodb:lastswitch-ledger', { kind: 'dynamodb', table: 'lastswitch-ledger' }],
    ['dynamodb:a.b_c-1', { kind: 'dynamodb', table: 'a.b_c-1' }],
  ])('%s', (url, expected) => {
    expect(parseStoreUrl(url)).toEqual(expected);
  });

  it.each([
    'file:',
    'dynamodb:',
    'dynamodb:ab',
    'dynamodb:has space',
    `dynamodb:${'x'.repeat(256)}`,
    'ledger.json',
    's3://b/k',
  ])('refuses %j as bad usage', (url) => {
    expect(() => parseStoreUrl(url)).toThrow(UsageError);
  });
});

describe('parseIsoDate', () => {
  it.each([
    ['2026-02-16', '2026-02-16T00:00:00.000Z'],
    ['2026-02-16T10:30:00Z', '2026-02-16T10:30:00.000Z'],
    ['2026-02-16T10:30:00.250Z', '2026-02-16T10:30:00.250Z'],
    ['2026-02-16T12:30:00+02:00', '2026-02-16T10:30:00.000Z'],
    ['2026-02-16T08:30:00-02:00', '2026-02-16T10:30:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseIsoDate(text).toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', '2026-2-16', '2026-02-16T10:30:00', '16/02/2026', '2026-13-01', '2026-02-16Z', '20260216'])(
    'refuses %j',
    (text) => {
      expect(() => parseIsoDate(text)).toThrow('expected an ISO 8601 date');
    },
  );
});

describe('trailFileDay', () => {
  it.each([
    ['111122223333_CloudTrail_eu-west-1_20260213T2355Z_AbCdEfGhIjKlMnOp.json.gz', Date.UTC(2026, 1, 13)],
    ['111122223333_CloudTrail_us-east-1_20251231T0000Z_x.json', Date.UTC(2025, 11, 31)],
    ['111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260213T235900Z.json.gz', undefined],
    ['export.json', undefined],
    ['1_CloudTrail_r_2026ab13T0000Z_x.json.gz', undefined],
  ])('%s', (name, day) => {
    expect(trailFileDay(name)).toBe(day);
  });
});

describe('discoverLocalFiles', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    const put = async (path: string) => {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), 'x');
    };
    await put('t/AWSLogs/1/CloudTrail/us-east-1/2026/02/01/1_CloudTrail_us-east-1_20260201T0005Z_a.json.gz');
    await put('t/AWSLogs/1/CloudTrail/us-east-1/2026/01/01/1_CloudTrail_us-east-1_20260101T0005Z_b.json.gz');
    await put(
      't/AWSLogs/1/CloudTrail-Digest/us-east-1/2026/02/01/1_CloudTrail-Digest_us-east-1_t_us-east-1_20260201T000000Z.json.gz',
    );
    await put(
      't/AWSLogs/1/CloudTrail-Insight/us-east-1/2026/02/01/1_CloudTrail-Insight_us-east-1_20260201T0005Z_c.json.gz',
    );
    await put('t/exports/events.ndjson');
    await put('t/exports/notes.txt');
    await put('t/.DS_Store');
    await put('t/.lastswitch/ledger.json');
    await put('t/ledger.json');
    await symlink(join(root, 't'), join(root, 't/exports/loop'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('walks folders in name order, counts what it leaves out, follows no loop, and skips the ledger', async () => {
    const found = await discoverLocalFiles(['t'], {
      cwd: root,
      since: new Date('2026-01-15T00:00:00Z'),
      exclude: new Set([join(root, 't/ledger.json')]),
    });
    expect(found.targets.map((t) => t.display)).toEqual([
      't/AWSLogs/1/CloudTrail/us-east-1/2026/02/01/1_CloudTrail_us-east-1_20260201T0005Z_a.json.gz',
      't/exports/events.ndjson',
    ]);
    expect(Object.fromEntries(found.skipped)).toEqual({
      'before --since': 1,
      digest: 1,
      insight: 1,
      hidden: 2,
      'not a trail file': 1,
    });
  });

  it('reads a file named explicitly whatever its name, once', async () => {
    const found = await discoverLocalFiles(['t/exports/notes.txt', join(root, 't/exports/notes.txt')], { cwd: root });
    expect(found.targets.map((t) => t.display)).toEqual(['t/exports/notes.txt']);
  });
});

describe('progress', () => {
  const sink = (tty: boolean) => {
    let text = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }) as Writable & { isTTY?: boolean; columns?: number };
    stream.isTTY = tty;
    stream.columns = 120;
    return { stream, text: () => text };
  };

  it('draws a bar with files, MB, switches and failures on a terminal, and names failed files', () => {
    const out = sink(true);
    const bar = createBarProgress(out.stream);
    bar.start(4, 3 * 1_048_576);
    bar.fileRead(1_048_576, 5);
    bar.fileFailed('trail/bad.json.gz', 'the file is truncated');
    bar.stop();
    expect(out.text()).toContain('failed: trail/bad.json.gz: the file is truncated');
    expect(out.text()).toMatch(/\d\/4 files \| 1\.0\/3\.0 MB \| 5 switches \| 1 failed/);
  });

  it.each([40, 60, 80, 100, 200])('fits a terminal %i columns wide: no drawn line is wider', (columns) => {
    const out = sink(true);
    out.stream.columns = columns;
    const bar = createBarProgress(out.stream);
    bar.start(12345, 9_999 * 1_048_576);
    for (let i = 0; i < 30; i++) bar.fileRead(1_048_576, 999);
    bar.stop();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what is stripped here
    const drawn = out.text().split(/\r|\n|\u001b\[[0-9;?]*[A-Za-z]/);
    const widest = Math.max(...drawn.map((line) => line.length));
    expect(widest).toBeGreaterThan(10);
    expect(widest).toBeLessThanOrEqual(columns);
  });

  it('writes one plain line when not on a terminal', () => {
    const out = sink(false);
    const plain = createPlainProgress(out.stream);
    plain.start(2, 2048);
    plain.fileRead(1024, 1);
    plain.fileFailed('x', 'y');
    plain.stop();
    expect(out.text()).toBe('Scanning 2 files (0.0 MB)\n');
  });
});

describe('formatError', () => {
  it('joins causes on one line without repeating them', () => {
    const inner = new Error('connect ECONNREFUSED\n127.0.0.1:1');
    const outer = new Error('scan failed', { cause: inner });
    expect(formatError(outer)).toBe('scan failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(formatError(new Error('a: b', { cause: new Error('b') }))).toBe('a: b');
    expect(formatError('plain')).toBe('plain');
  });
});

describe('commands', () => {
  it('runCli loads the same commands, in the same order, as createProgram registers', () => {
    const out = { write: () => true } as unknown as NodeJS.WritableStream;
    const program = createProgram({ stdout: out, stderr: out, env: {}, cwd: '/', exitCode: 0 });
    expect(COMMANDS.map((c) => c.name)).toEqual(program.commands.map((c) => c.name()));
  });

  it.each([
    [['node', 'lastswitch', 'scan', './trail'], 'scan'],
    [['node', 'lastswitch', '--debug', 'scan'], 'scan'],
    [['node', 'lastswitch', 'report', 'scan'], 'report'],
    [['node', 'lastswitch', 'help', 'scan'], 'help'],
    [['node', 'lastswitch', '--version'], undefined],
  ])('%j names the command %s', (argv, expected) => {
    expect(namedCommand(argv)).toBe(expected);
  });

  // bin.js loads scanProgram.js / reportProgram.js (that command alone) when the arguments name it.
  it.each([
    ['scanProgram', runScanCli, ['scan', '--help']],
    ['scanProgram', runScanCli, ['scan']],
    ['scanProgram', runScanCli, ['scan', '--bogus', '.']],
    ['scanProgram', runScanCli, ['scan', '--workers', 'many', '.']],
    ['scanProgram', runScanCli, ['--debug', 'scan', 'no-such-folder']],
    ['scanProgram', runScanCli, ['scan', SAMPLE_TRAIL, '--format', 'json']],
    ['scanProgram', runScanCli, ['scan', SAMPLE_TRAIL, '--store', 'file:ledger.json']],
    ['reportProgram', runReportCli, ['report', '--help']],
    ['reportProgram', runReportCli, ['report', '--format', 'yaml']],
    ['reportProgram', runReportCli, ['report']],
    ['reportProgram', runReportCli, ['report', '--allow-empty', '--format', 'json', '--now', '2026-02-16']],
    ['reportProgram', runReportCli, ['--debug', 'report', '--store', 'file:no-such-ledger.json']],
  ])('%s answers %j as the whole program does', async (_name, program, args) => {
    const answer = async (run: typeof runCli) => {
      const cwd = await tempDir();
      let stdout = '';
      let stderr = '';
      const ctx = {
        stdout: {
          write: (text: string) => {
            stdout += text;
            return true;
          },
        } as unknown as NodeJS.WritableStream,
        stderr: {
          write: (text: string) => {
            stderr += text;
            return true;
          },
        } as unknown as NodeJS.WritableStream,
        env: {},
        cwd,
        exitCode: 0,
      };
      const code = await run(['node', 'lastswitch', ...args], ctx);
      // What differs: the temporary folder, when a message names it, and the callers in a --debug stack.
      const same = (text: string) => text.replaceAll(cwd, 'CWD').replace(/^ +at .*\n/gm, '');
      return { code, stdout: same(stdout), stderr: same(stderr) };
    };
    const whole = await answer(runCli);
    expect(whole.stdout + whole.stderr).not.toBe('');
    expect(await answer(program)).toEqual(whole);
  });
});

describe('report output to a stream of the embedding program', () => {
  it('is text to a stdout that joins what it is given (the JSON report is written as bytes)', async () => {
    const cwd = await tempDir();
    let stdout = '';
    const sink = {
      write: (text: string) => {
        stdout += text;
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const ctx = { stdout: sink, stderr: sink, env: {}, cwd, exitCode: 0 };
    const scanned = await runCli(['node', 'lastswitch', 'scan', SAMPLE_TRAIL, '--no-progress'], ctx);
    expect(scanned).toBe(0);
    stdout = '';
    const code = await runCli(['node', 'lastswitch', 'report', '--format', 'json', '--now', '2026-02-16'], ctx);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.summary).toMatchObject({ principals: 6, pairs: 9 });
    expect(report.pairs).toHaveLength(9);
  });

  it('keeps every chunk intact for a stream that holds on to them (chunks are not written over)', async () => {
    // A report of several 64 KB chunks; a stream that queues what it is given (as a pipe does) must
    // get chunks that stay as they were, unlike `> file`, where each is written before the next.
    const cwd = await tempDir();
    const records = Array.from({ length: 400 }, (_, i) =>
      assumeRoleRecord(
        `user${i % 40}`,
        `Role${Math.floor(i / 40)}`,
        `2026-02-01T10:${String(i % 60).padStart(2, '0')}:00Z`,
        `e-${i}`,
      ),
    );
    await put(join(cwd, 'trail', logName('20260201')), gzip(logFile(...records)));
    const held: Buffer[] = [];
    const sink = {
      write: (chunk: string | Buffer) => {
        held.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const ctx = {
      stdout: sink,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
      env: {},
      cwd,
      exitCode: 0,
    };
    expect(await runCli(['node', 'lastswitch', 'scan', join(cwd, 'trail'), '--no-progress'], ctx)).toBe(0);
    held.length = 0;
    const args = ['node', 'lastswitch', 'report', '--format', 'json', '--now', '2026-02-16'];
    expect(await runCli([...args, '--output', join(cwd, 'report.json')], ctx)).toBe(0);
    held.length = 0;
    expect(await runCli(args, ctx)).toBe(0);
    expect(held.length).toBeGreaterThan(3);
    const text = Buffer.concat(held).toString('utf8');
    expect(text).toBe(await readFile(join(cwd, 'report.json'), 'utf8'));
    expect(JSON.parse(text).pairs).toHaveLength(400);
  });
});

describe('autoWorkerCount', () => {
  it.each([
    [10_000, 2, 2],
    [10_000, 8, 4],
    [10_000, 1, 0],
    [64, 2, 2],
    [63, 2, 0],
    [1, 16, 0],
  ])('%i local files on %i cores: %i workers', (files, cores, expected) => {
    expect(autoWorkerCount(files, cores)).toBe(expected);
  });
});
