import { PassThrough } from 'node:stream';
import type { CliContext } from '../../cli/src/context.js';
import { runCli } from '../../cli/src/program.js';

/** What one in-process CLI run did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lastswitch ...args` in this process, in `cwd`, with only `env` as its environment; captures its output. */
export async function runCliInProcess(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const ctx: CliContext = { stdout, stderr, env: { ...env }, cwd, exitCode: 0 };
  const code = await runCli(['node', 'lastswitch', ...args], ctx);
  return { code, stdout: out, stderr: err };
}
