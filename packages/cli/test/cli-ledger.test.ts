import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assumeRoleRecord,
  BIN,
  gzip,
  logFile,
  logName,
  put,
  requireBuiltCli,
  runCli,
  SAMPLE_TRAIL,
  tempDir,
} from './_cli.js';

const dirs: string[] = [];
const fresh = async () => {
  const dir = await tempDir('lastswitch-ledger-');
  dirs.push(dir);
  return dir;
};

beforeAll(() => requireBuiltCli());
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function exportLedger(cwd: string, store?: string): Promise<string> {
  const run = await runCli(['ledger', 'export', ...(store ? ['--store', store] : [])], { cwd });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

/** `files` trail files under `dir`, file k holding `perFile` switches by user u{k % users} into distinct roles. */
async function writeTrail(dir: string, files: number, perFile: number, users = files, seed = 0): Promise<void> {
  await Promise.all(
    Array.from({ length: files }, (_, k) => {
      const records = Array.from({ length: perFile }, (_, i) => {
        const minute = String((i * 7 + k + seed) % 60).padStart(2, '0');
        return assumeRoleRecord(
          `u${k % users}`,
          `Role${String(i).padStart(4, '0')}`,
          `2026-02-0${1 + ((k + seed) % 9)}T10:${minute}:00Z`,
          `e-${seed}-${k}-${i}`,
        );
      });
      const day = `202602${String(1 + (k % 28)).padStart(2, '0')}`;
      return put(join(dir, logName(day, `F${String(k).padStart(4, '0')}S${seed}`)), gzip(logFile(...records)));
    }),
  );
}

describe('lastswitch ledger export / import', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await fresh();
    const scan = await runCli(['scan', SAMPLE_TRAIL], { cwd });
    expect(scan.code).toBe(0);
  });

  it('exports the ledger as a versioned JSON ledger file, one entry per line, the same every time', async () => {
    const text = await exportLedger(cwd);
    const parsed = JSON.parse(text);
    expect(parsed).toMatchObject({ format: 'lastswitch-ledger', version: 1 });
    // 12 stored pairs (3 role-owner-side ones that aliases resolve: the report shows 9) and 10 aliases
    // (principal ids, owner-side links and console sessions).
    expect(parsed.entries).toHaveLength(12);
    expect(parsed.aliases).toHaveLength(10);
    expect(text.split('\n').length).toBe(12 + 10 + 6);
    const keys = parsed.entries.map((e: { principal: { key: string }; role: { key: string } }) =>
      [e.principal.key, e.role.key].join('\u0000'),
    );
    expect(keys).toEqual([...keys].sort());
    expect(await exportLedger(cwd)).toBe(text);
    const run = await runCli(['ledger', 'export', '--format', 'json', '--output', 'out/ledger.json'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('Exported 12 pairs and 10 aliases from sqlite:.lastswitch/ledger.db to out/ledger.json\n');
    expect(await readFile(join(cwd, 'out/ledger.json'), 'utf8')).toBe(text);
  });

  it('round-trips through import into a JSON file store and a new database, and a second import changes nothing', async () => {
    const text = await exportLedger(cwd);
    await put(join(cwd, 'exported.json'), text);
    for (const store of ['file:copy.json', 'sqlite:copy.db']) {
      const first = await runCli(['ledger', 'import', 'exported.json', '--store', store], { cwd });
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toBe(`Imported 12 pairs and 10 aliases from exported.json into ${store}.\n`);
      expect(await exportLedger(cwd, store)).toBe(text);
      const second = await runCli(['ledger', 'import', 'exported.json', '--store', store], { cwd });
      expect(second.code).toBe(0);
      expect(await exportLedger(cwd, store)).toBe(text);
    }
    const report = (store?: string) =>
      runCli(['report', '--format', 'json', '--now', '2026-02-16T00:00:00Z', ...(store ? ['--store', store] : [])], {
        cwd,
      });
    expect((await report('sqlite:copy.db')).stdout).toBe((await report()).stdout);
    expect((await report('file:copy.json')).stdout).toBe((await report()).stdout);
  });

  it('merges an older JSON ledger (.lastswitch/ledger.json) into the default database with max/min semantics', async () => {
    const here = await fresh();
    await writeTrail(join(here, 'early'), 3, 5, 3, 0);
    await writeTrail(join(here, 'late'), 3, 5, 3, 4);
    // The old default: a JSON ledger of the early files; the new database already has the late ones.
    expect((await runCli(['scan', 'early', '--store', 'file:.lastswitch/ledger.json'], { cwd: here })).code).toBe(0);
    expect((await runCli(['scan', 'late'], { cwd: here })).code).toBe(0);
    const run = await runCli(['ledger', 'import', '.lastswitch/ledger.json'], { cwd: here });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'Imported 15 pairs and 3 aliases from .lastswitch/ledger.json into sqlite:.lastswitch/ledger.db.\n',
    );
    // The same as one store that saw every file.
    expect((await runCli(['scan', 'early', 'late', '--store', 'sqlite:all.db'], { cwd: here })).code).toBe(0);
    expect(await exportLedger(here)).toBe(await exportLedger(here, 'sqlite:all.db'));
  });

  it('refuses what it cannot import, with one line each', async () => {
    await put(join(cwd, 'notes.json'), '{"hello":1}');
    await put(join(cwd, 'self.json'), await exportLedger(cwd));
    const cases: [string[], number, string][] = [
      [['ledger', 'import', 'missing.json'], 2, 'no such ledger file: missing.json'],
      [['ledger', 'import', 'notes.json'], 1, 'not a lastswitch ledger file'],
      [['ledger', 'import', 'self.json', '--store', 'file:self.json'], 2, 'self.json is the store itself'],
      [['ledger', 'export', '--format', 'yaml'], 2, "argument 'yaml' is invalid"],
    ];
    for (const [args, code, message] of cases) {
      const run = await runCli(args, { cwd });
      expect(run.code, args.join(' ')).toBe(code);
      expect(run.stderr).toContain(message);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('a store that is not a SQLite database is refused with one line naming it, and left as it was', async () => {
    const text = '{"format":"lastswitch-ledger","version":1,"entries":[],"aliases":[]}\n';
    await put(join(cwd, 'wrong.db'), text);
    for (const args of [['report'], ['scan', SAMPLE_TRAIL], ['ledger', 'export']]) {
      const run = await runCli([...args, '--store', 'sqlite:wrong.db'], { cwd });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `lastswitch: error: not a SQLite database: refusing to read or overwrite it (ledger database ${join(cwd, 'wrong.db')})\n`,
      );
    }
    expect(await readFile(join(cwd, 'wrong.db'), 'utf8')).toBe(text);
  });
});

describe('the SQLite store under concurrent and interrupted scans', () => {
  it('8 scan processes at once into one database lose no update', async () => {
    const cwd = await fresh();
    for (let p = 0; p < 8; p++) await writeTrail(join(cwd, `part${p}`), 4, 30, 3, p);
    const parts = Array.from({ length: 8 }, (_, p) => `part${p}`);
    const runs = await Promise.all(parts.map((part) => runCli(['scan', part, '--store', 'sqlite:shared.db'], { cwd })));
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
    expect((await runCli(['scan', ...parts, '--store', 'sqlite:single.db'], { cwd })).code).toBe(0);
    const single = await exportLedger(cwd, 'sqlite:single.db');
    expect(JSON.parse(single).entries.length).toBe(3 * 30);
    expect(await exportLedger(cwd, 'sqlite:shared.db')).toBe(single);
  }, 180_000);

  it('a scan killed with SIGKILL, then run again, gives the same ledger as an uninterrupted scan', async () => {
    const cwd = await fresh();
    // 24,000 distinct pairs: the scan commits every 10,000, so the database appears mid-scan.
    await writeTrail(join(cwd, 'trail'), 48, 500, 48);
    const child = spawn(process.execPath, [BIN, 'scan', 'trail', '--no-progress'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    let finished = false;
    void exited.then(() => {
      finished = true;
    });
    while (!finished && !existsSync(join(cwd, '.lastswitch/ledger.db'))) {
      await new Promise((done) => setTimeout(done, 5));
    }
    child.kill('SIGKILL');
    await exited;
    expect((await runCli(['scan', 'trail'], { cwd })).code).toBe(0);
    expect((await runCli(['scan', 'trail', '--store', 'sqlite:clean.db'], { cwd })).code).toBe(0);
    const clean = await exportLedger(cwd, 'sqlite:clean.db');
    expect(JSON.parse(clean).entries.length).toBe(24_000);
    expect(await exportLedger(cwd)).toBe(clean);
  }, 300_000);
});
