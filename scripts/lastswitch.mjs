#!/usr/bin/env node
// `pnpm lastswitch …` in a checkout: runs the CLI from packages/cli/dist, building it first if it
// has never been built, in the folder pnpm was started from (so relative paths mean what they say).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
if (!existsSync(bin)) {
  process.stderr.write('lastswitch: building the CLI first (pnpm --filter "lastswitch..." build)\n');
  const build = spawnSync('pnpm', ['--filter', 'lastswitch...', 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import(pathToFileURL(bin).href);
