#!/usr/bin/env node
// `pnpm demo`: scans the sample trail into a temporary ledger with the built CLI, prints the
// report as of a fixed date (the same on every machine), then joins it with the sample IAM and
// IAM Identity Center snapshots: who may switch but never does, and the plan to remove it. Also
// writes the HTML access review (with the grants and the plan) to <tmp>/lastswitch-demo/review.html.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cliDir = dirname(createRequire(import.meta.url).resolve('lastswitch/package.json'));
const bin = join(cliDir, 'dist', 'bin.js');
if (!existsSync(bin)) {
  console.error(`The CLI is not built (${bin} is missing): run \`pnpm demo\` from the repository root.`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'lastswitch-demo-'));
const run = (args) => {
  console.log(
    `$ lastswitch ${args.map((a) => (a.startsWith(here) ? `examples/sample-trail${a.slice(here.length)}` : a)).join(' ')}`,
  );
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: work, stdio: 'inherit' });
  console.log();
  if (result.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
};
try {
  run(['scan', join(here, 'AWSLogs'), '--no-progress']);
  run(['report', '--now', '2026-02-16T00:00:00Z', '--stale-after', '30']);
  run(['report', '--now', '2026-02-16T00:00:00Z', '--stale-after', '30', '--by', 'principal']);
  const grants = ['--grants', join(here, 'snapshots', 'iam'), join(here, 'snapshots', 'sso.json')];
  run(['report', ...grants, '--now', '2026-02-16T00:00:00Z', '--stale-after', '30']);
  run(['plan', ...grants, '--now', '2026-02-16T00:00:00Z', '--stale-after', '30']);
  const html = join(tmpdir(), 'lastswitch-demo', 'review.html');
  mkdirSync(dirname(html), { recursive: true });
  const plan = join(work, 'plan.json');
  run([
    'plan',
    ...grants,
    '--now',
    '2026-02-16T00:00:00Z',
    '--stale-after',
    '30',
    '--format',
    'json',
    '--output',
    plan,
  ]);
  run([
    'report',
    ...grants,
    '--now',
    '2026-02-16T00:00:00Z',
    '--stale-after',
    '30',
    '--plan',
    plan,
    '--format',
    'html',
    '--output',
    html,
  ]);
  console.log(`The HTML access review: ${html}\nOpen it in a browser: ${pathToFileURL(html).href}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
