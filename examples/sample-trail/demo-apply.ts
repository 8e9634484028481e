#!/usr/bin/env node
// `pnpm demo:apply`: the whole apply session on the sample data, against moto (python3 -m
// moto.server on a free 127.0.0.1 port): builds in moto the IAM and IAM Identity Center state the
// sample snapshots describe, then runs the built CLI: scan, snapshots, plan, apply (dry run),
// apply --yes, a new snapshot, apply again, undo --yes, a final snapshot. Needs Python 3 with
// moto 5 (`pip install 'moto[server]>=5'`). Changes nothing outside moto and a temporary folder.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMoto } from '../../test/servers/moto.js';
import { type CliRun, readDemoSnapshots, runApplySession, seedMoto } from './applySession.js';

// The SDK's Node 20 notice is not part of the demo (the CLI's own runs set the same).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const here = dirname(fileURLToPath(import.meta.url));
const cliDir = dirname(createRequire(import.meta.url).resolve('lastswitch/package.json'));
const bin = join(cliDir, 'dist', 'bin.js');
if (!existsSync(bin)) {
  console.error(`The CLI is not built (${bin} is missing): run \`pnpm demo:apply\` from the repository root.`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'lastswitch-demo-apply-'));
/** The built CLI with only `env` as its AWS environment (none of the caller's AWS settings leak in). */
const cli = (args: string[], env: Record<string, string>): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    // One file for standard output and error, so the transcript keeps the order a terminal shows.
    const transcript = join(work, '.transcript');
    const fd = openSync(transcript, 'w');
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', fd, fd],
    });
    child.on('error', (error) => {
      closeSync(fd);
      reject(error);
    });
    child.on('close', (code) => {
      closeSync(fd);
      resolve({ code: code ?? 1, output: readFileSync(transcript, 'utf8') });
    });
  });

let exitCode = 0;
console.log('Starting moto (python3 -m moto.server) on 127.0.0.1 ...');
const moto = await startMoto({ awsManagedPolicies: false }).catch((error: Error) => {
  // e.g. no python3, or moto missing: the message says what to install.
  console.error(error.message);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
try {
  const snapshots = await readDemoSnapshots(join(here, 'snapshots'));
  await seedMoto(moto.endpoint, snapshots);
  console.log(
    `moto at ${moto.endpoint} holds what examples/sample-trail/snapshots describe (${snapshots.iam.length} accounts and Identity Center).\n`,
  );
  const result = await runApplySession({
    endpoint: moto.endpoint,
    work,
    sample: here,
    snapshots,
    cli,
    log: (text) => console.log(text),
  });
  if (!result.applyExact || !result.undoExact) exitCode = 1;
} catch (error) {
  console.error((error as Error).message);
  exitCode = 1;
} finally {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
