/** Bad command lines and special files: each is one line and the right exit code, never a hang. */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeRoleRecord, requireBuiltCli, runCli, tempDir } from './_cli.js';

const dirs: string[] = [];
const servers: Server[] = [];
const fresh = async () => {
  const dir = await tempDir();
  dirs.push(dir);
  return dir;
};
const oneSwitch = JSON.stringify({
  Records: [assumeRoleRecord('erin', 'Admin', '2026-02-01T10:00:00Z', 'ev-1')],
});

beforeAll(() => requireBuiltCli());
afterAll(async () => {
  for (const server of servers) server.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** One line on stderr, naming `expected`. */
function expectOneLine(stderr: string, expected: string | RegExp): void {
  const lines = stderr.split('\n').filter((line) => line.startsWith('lastswitch:'));
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(expected);
}

describe('numbers are plain digits within their limits', () => {
  it.each([
    [['scan', '--concurrency', '0x10', '.'], /--concurrency.*'0x10' is invalid/],
    [['scan', '--concurrency', ' 3 ', '.'], /--concurrency.*' 3 ' is invalid/],
    [['scan', '--concurrency', '1.5', '.'], /--concurrency.*'1.5' is invalid/],
    [['scan', '--concurrency', '0', '.'], /--concurrency.*'0' is invalid/],
    [['scan', '--concurrency', '-2', '.'], /--concurrency/],
    [['report', '--stale-after', '1e20'], /--stale-after.*'1e20' is invalid/],
    [['report', '--stale-after', '100001'], /--stale-after.*from 1 to 100000/],
    [['report', '--grace-days', '1e3'], /--grace-days.*'1e3' is invalid/],
    [['report', '--width', '1e9'], /--width.*'1e9' is invalid/],
    [['report', '--width', '1000000000'], /--width.*from 40 to 10000/],
    [['report', '--width', '39'], /--width.*from 40 to 10000/],
  ])('%j is a usage error (exit 2, one line)', async (args, expected) => {
    const run = await runCli(args, { cwd: await fresh() });
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, expected);
  });

  it.each([
    [['scan', '--concurrency', '16', '--help']],
    [['report', '--stale-after', '100000', '--width', '10000', '--help']],
  ])('%j: the limits themselves are accepted', async (args) => {
    const run = await runCli(args, { cwd: await fresh() });
    expect(run.code).toBe(0);
  });
});

describe('paths and commands', () => {
  it.each([
    ['scan ""', ['scan', ''], /an empty source was given/],
    ['scan "   "', ['scan', '   '], /an empty source was given/],
    [
      'scan a/a/… (5,000 characters)',
      ['scan', 'a/'.repeat(2500)],
      /the path is too long for this system: .*\(5000 characters\)/,
    ],
    ['scan xxx… (one 5,000-character name)', ['scan', 'x'.repeat(5000)], /the path is too long for this system/],
    ['help bogus', ['help', 'bogus'], /unknown command 'bogus'/],
  ])('%s is a usage error (exit 2, one line)', async (_label, args, expected) => {
    const cwd = await fresh();
    const run = await runCli(args, { cwd });
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, expected);
    expect(run.stderr.length).toBeLessThan(600);
  });

  it('help with a real command still shows its help', async () => {
    const run = await runCli(['help', 'scan'], { cwd: await fresh() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: lastswitch scan');
  });
});

describe('special files', () => {
  it('in a scanned folder, a FIFO, a socket, a device link, a symlink loop and a dangling symlink are skipped, counted and named', async () => {
    const cwd = await fresh();
    const dir = join(cwd, 'trail');
    await mkdir(dir);
    await writeFile(join(dir, 'good.json'), oneSwitch);
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    const socket = createServer();
    servers.push(socket);
    await new Promise<void>((resolve) => socket.listen(join(dir, 'socket.json'), resolve));
    await symlink('/dev/zero', join(dir, 'zero.json'));
    await symlink('loop-b.json', join(dir, 'loop-a.json'));
    await symlink('loop-a.json', join(dir, 'loop-b.json'));
    await symlink('nowhere.json', join(dir, 'dangling.json'));

    const run = await runCli(['scan', '--store', 'file:ledger.json', 'trail'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Read 1 file');
    expect(run.stdout).toContain('1 switch');
    expect(run.stdout).toContain('Skipped files: ');
    for (const [name, reason] of [
      ['trail/pipe.json', 'named pipe'],
      ['trail/socket.json', 'socket'],
      ['trail/zero.json', 'device'],
      ['trail/loop-a.json', 'symlink loop'],
      ['trail/loop-b.json', 'symlink loop'],
      ['trail/dangling.json', 'dangling symlink'],
    ]) {
      expect(run.stdout).toContain(`  ${name}: ${reason}, not read`);
    }
    for (const reason of ['1 named pipe', '1 socket', '1 device', '2 symlink loop', '1 dangling symlink']) {
      expect(run.stdout).toContain(reason);
    }
  });

  it('a FIFO named on the command line is refused at once (exit 2), not opened', async () => {
    const cwd = await fresh();
    execFileSync('mkfifo', [join(cwd, 'pipe.json')]);
    const run = await runCli(['scan', '--store', 'file:ledger.json', 'pipe.json'], { cwd });
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, /"pipe.json" is a named pipe, not a file or folder/);
  });

  it.each([
    [['scan', '--store', 'file:/proc/lastswitch-test/ledger.json', 'trail.json'], /ledger/],
    [['report', '--store', 'file:ledger.json', '--output', '/proc/lastswitch-test/report.txt'], /report.*\/proc/],
  ])('%j fails with one line instead of spinning in mkdir', async (args, expected) => {
    const cwd = await fresh();
    await writeFile(join(cwd, 'trail.json'), oneSwitch);
    // A ledger to report on.
    expect((await runCli(['scan', '--store', 'file:ledger.json', 'trail.json'], { cwd })).code).toBe(0);
    const run = await runCli(args, { cwd });
    expect(run.code).not.toBe(0);
    expectOneLine(run.stderr, expected);
  });
});
