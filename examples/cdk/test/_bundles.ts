import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_DIST } from '../lib/stack.js';

/** The handlers are deployed from their bundles; builds them when a bare test run has not. */
export function ensureLambdaBundles(): void {
  if (!existsSync(join(LAMBDA_DIST, 'ingest.mjs')) || !existsSync(join(LAMBDA_DIST, 'report.mjs'))) {
    execFileSync('npx', ['tsup'], { cwd: join(LAMBDA_DIST, '..'), stdio: 'ignore' });
  }
}
