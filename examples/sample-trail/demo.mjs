#!/usr/bin/env node
// `pnpm demo`: scans the sample trail into a temporary ledger with the built CLI, then prints the
// report as of a fixed date, so the output is the same on every machine; also writes the HTML
// access review to <tmp>/lastswitch-demo/review.html and prints its path.
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
    `$ lastswitch ${args.map((a) => (a === join(here, 'AWSLogs') ? 'examples/sample-trail/AWSLogs' : a)).join(' ')}`,
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
  const html = join(tmpdir(), 'lastswitch-demo', 'review.html');
  mkdirSync(dirname(html), { recursive: true });
  run(['report', '--now', '2026-02-16T00:00:00Z', '--stale-after', '30', '--format', 'html', '--output', html]);
  console.log(`The HTML access review: ${html}\nOpen it in a browser: ${pathToFileURL(html).href}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
