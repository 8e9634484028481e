import type { ProgressStream } from './scan/progress.js';

/** What a command may touch: its streams, environment and working directory, and the exit code it sets. */
export interface CliContext {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The exit code once the command returns (a command raises it to 1 when something failed). */
  exitCode: number;
}

/** The context of the real process. */
export function processContext(): CliContext {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), exitCode: 0 };
}
