import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../src/context.js';
import { runCli as runInProcess } from '../src/program.js';
import { requireBuiltCli, runCli, SAMPLE_TRAIL, tempDir } from './_cli.js';

const NOW = '2026-02-16T00:00:00Z';
const dirs: string[] = [];
const fresh = async () => {
  const dir = await tempDir();
  dirs.push(dir);
  return dir;
};
let scanned: string;

/** The data a page embeds, as its script reads it. */
const dataOf = (html: string) => {
  const open = '<script type="application/json" id="lastswitch-data">';
  const start = html.indexOf(open) + open.length;
  return JSON.parse(html.slice(start, html.indexOf('</script>', start)));
};

const PLAN = {
  dryRun: true,
  generatedAt: NOW,
  staleAfterDays: 30,
  graceDays: 30,
  summary: { grants: 1, active: 0, stale: 1, never: 0, inGrace: 0, actions: 1 },
  actions: [
    {
      kind: 'remove-from-group',
      account: '111111111111',
      principal: {
        key: 'arn:aws:iam::111111111111:user/erin',
        kind: 'iam-user',
        account: '111111111111',
        name: 'erin',
      },
      summary: 'Remove erin from group readers',
      group: 'readers',
      grants: [
        {
          id: 'g',
          resource: 'arn:aws:iam::333333333333:role/ReadOnly',
          status: 'stale',
          lastSeenAt: '2026-01-08T10:00:00.000Z',
          daysSince: 38,
          usedRoles: [],
          source: 'group readers',
        },
      ],
      notes: [],
    },
  ],
  skipped: [],
  ineffective: [],
  problems: [],
};

beforeAll(async () => {
  requireBuiltCli();
  scanned = await fresh();
  const scan = await runCli(['scan', SAMPLE_TRAIL, '--no-progress'], { cwd: scanned });
  expect(scan.code, scan.stderr).toBe(0);
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('report --format html', () => {
  it('writes one page to --output holding every pair of the ledger, and a plan filed under its principal', async () => {
    await writeFile(join(scanned, 'plan.json'), JSON.stringify(PLAN));
    const run = await runCli(
      [
        'report',
        '--now',
        NOW,
        '--stale-after',
        '30',
        '--format',
        'html',
        '--plan',
        'plan.json',
        '--output',
        'out/r.html',
      ],
      { cwd: scanned },
    );
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toBe('Wrote the report to out/r.html\n');
    const html = await readFile(join(scanned, 'out/r.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const data = dataOf(html);
    expect(data.summary).toEqual({ principals: 6, pairs: 9, active: 5, stale: 4, never: 0 });
    const erin = data.principals.findIndex((p: string[]) => p[1] === 'erin');
    expect(data.plan.actions[erin]).toMatchObject([
      {
        title: 'Remove from group',
        summary: 'Remove erin from group readers',
        grants: [
          ['arn:aws:iam::333333333333:role/ReadOnly', 'stale', Date.parse('2026-01-08T10:00:00.000Z'), 'group readers'],
        ],
      },
    ]);
  });

  it('writes to a pipe, and says in --help that it never writes to a terminal', async () => {
    const run = await runCli(['report', '--now', NOW, '--format', 'html'], { cwd: scanned });
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(dataOf(run.stdout).pairs).toHaveLength(9);
    const help = await runCli(['report', '--help'], { cwd: scanned });
    expect(help.stdout).toContain('"html"');
    expect(help.stdout).toContain('--plan <file>');
    expect(help.stdout).toContain('never to a terminal');
  });

  it('refuses to print the page on a terminal', async () => {
    let out = '';
    let err = '';
    const stream = (write: (text: string) => void, tty: boolean) =>
      Object.assign(
        new Writable({
          write(chunk, _encoding, done) {
            write(chunk.toString());
            done();
          },
        }),
        { isTTY: tty, columns: 100 },
      );
    const ctx = {
      stdout: stream((t) => {
        out += t;
      }, true),
      stderr: stream((t) => {
        err += t;
      }, false),
      env: {},
      cwd: scanned,
      exitCode: 0,
    } as unknown as CliContext;
    const code = await runInProcess(['node', 'lastswitch', 'report', '--format', 'html'], ctx);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('--format html writes a whole web page: add --output review.html');
  });

  it.each([
    [['--format', 'table', '--plan', 'plan.json'], '--plan is only used by --format html'],
    [['--format', 'html', '--plan', 'missing.json'], 'cannot read the plan missing.json: ENOENT'],
    [['--format', 'html', '--plan', 'bad.json'], 'the plan bad.json is not JSON'],
    [['--format', 'html', '--plan', 'other.json'], 'the plan other.json is not a lastswitch plan'],
    [
      ['--format', 'html', '--plan', 'broken.json'],
      'the plan broken.json: actions[0] must have kind, account, summary',
    ],
  ])('%j is a usage error', async (args, message) => {
    const dir = await fresh();
    await writeFile(join(dir, 'plan.json'), JSON.stringify(PLAN));
    await writeFile(join(dir, 'bad.json'), '{ nope');
    await writeFile(join(dir, 'other.json'), JSON.stringify({ pairs: [] }));
    await writeFile(join(dir, 'broken.json'), JSON.stringify({ ...PLAN, actions: [{ kind: 'edit-statement' }] }));
    const run = await runCli(['report', ...args, '--output', 'r.html'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('with --allow-empty, writes an empty page for a missing ledger, and says why on stderr', async () => {
    const dir = await fresh();
    const refused = await runCli(['report', '--format', 'html', '--output', 'r.html'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('there is no ledger at');
    const run = await runCli(['report', '--format', 'html', '--output', 'r.html', '--allow-empty'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('There is no ledger at');
    const data = dataOf(await readFile(join(dir, 'r.html'), 'utf8'));
    expect(data.pairs).toEqual([]);
  });
});
