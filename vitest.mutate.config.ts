import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The vitest set-up Stryker runs (`pnpm mutate`): the pure core tests only, no local servers.
 * `pnpm mutate:adapters` uses `vitest.mutate-adapters.config.ts` for the stores' write paths.
 */
export default defineConfig({
  resolve: base.resolve,
  test: {
    env: base.test?.env,
    root: here('./packages/core'),
    // LASTSWITCH_MUTATE_TESTS=a.test.ts,b.test.ts narrows a run to the tests that exercise the mutated
    // file (a file every test calls, like assess.ts, otherwise takes hours): the score it gives can
    // only be lower than the whole suite's.
    include: process.env.LASTSWITCH_MUTATE_TESTS?.split(',').map((f) => `test/${f.trim()}`) ?? ['test/**/*.test.ts'],
    // The reader's own tests: streaming limits, and the differential tests whose oracle calls the
    // same toRoleSwitch as the reader (so a mutant there changes both sides). They test no file in
    // `pnpm mutate`'s scope and take seconds per run; leaving them out can only lower the score.
    exclude: ['test/trail-limits.test.ts', 'test/trail-differential.test.ts'],
    testTimeout: 60_000,
  },
});
