// @ts-check
import { fileURLToPath } from 'node:url';

// Stryker runs the tests from a sandbox (.stryker-tmp/sandbox-…), where `../shared` is not the
// corpus CI lays beside the repository: point the corpus tests at it, or they fail to load.
process.env.LASTSWITCH_CORPUS ??= fileURLToPath(new URL('../shared/corpus/public', import.meta.url));

/**
 * Mutation testing of core's attribution, ledger, grants and plan code (`pnpm mutate`).
 * Too slow for CI on two cores; run it before changing these files and record the score
 * in packages/core/README.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'packages/core/src/trail/toRoleSwitch.ts',
    'packages/core/src/arn.ts',
    'packages/core/src/ledger/fold.ts',
    'packages/core/src/ledger/assess.ts',
    'packages/core/src/ledger/memory-store.ts',
    'packages/core/src/grants/grants-from-snapshot.ts',
    'packages/core/src/grants/assess-grants.ts',
    'packages/core/src/grants/glob.ts',
    'packages/core/src/grants/policy.ts',
    'packages/core/src/grants/plan-removals.ts',
    'packages/core/src/grants/editPolicy.ts',
    'packages/core/src/grants/identityCenterPlan.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Added to the mutant's measured baseline × timeoutFactor: a few seconds ends an infinite loop
  // quickly (at 60 s each, glob.ts's 17 looping mutants cost 17 minutes).
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/core.json' },
  thresholds: { high: 95, low: 90, break: null },
  tempDirName: '.stryker-tmp',
};
