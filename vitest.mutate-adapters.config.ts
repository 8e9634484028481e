import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Files in the order a mutant run should try them, the small exact tests first: Stryker stops at
 * the first failing test, so a killed mutant rarely waits for the slow ones (vitest's own order
 * puts the slowest first).
 */
const FILE_ORDER = ['write-path.test.ts', 'DynamoDBLedgerStore.test.ts', 'retries.test.ts', 'contract.test.ts'];

class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = FILE_ORDER.indexOf(basename(f.moduleId));
      return i === -1 ? FILE_ORDER.length : i;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

/** The vitest set-up of `pnpm mutate:adapters`: the DynamoDB store's tests against DynamoDB Local. */
export default defineConfig({
  resolve: base.resolve,
  test: {
    env: base.test?.env,
    root: here('./packages/store-dynamodb'),
    // LASTSWITCH_MUTATE_TESTS=a.test.ts,b.test.ts narrows a run to those files (under the package's test/).
    include: process.env.LASTSWITCH_MUTATE_TESTS?.split(',').map((f) => `test/${f.trim()}`) ?? ['test/**/*.test.ts'],
    // The scale tests (thousands of items) and the fault tests (their own DynamoDB Local, frozen and
    // killed) take minutes and would run for every surviving mutant; leaving them out can only lower
    // the score. write-path.test.ts pins their write counts and write errors on a few items.
    exclude: ['test/scale.test.ts', 'test/faults.test.ts'],
    globalSetup: [here('./test/servers/global-setup.ts')],
    sequence: { sequencer: FastFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
