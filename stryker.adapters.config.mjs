// @ts-check
/**
 * Mutation testing of the DynamoDB store's write path (`pnpm mutate:adapters`), against DynamoDB Local
 * (started once per run by test/servers/global-setup.ts, on a free port). Too slow for CI; record the
 * score in packages/store-dynamodb/README.md.
 *
 * The ranges are the write path only: `apply` and what it calls (the three conditional writes, the
 * retry rounds, the write error, input checks, item keys, `_orderKey`, `_oldPairState`). The
 * constructor, the Scans and the item decoding are left out: every test runs them, so each of their
 * mutants would cost a whole suite run (about 4 minutes on two shared cores).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate-adapters.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:164-216', // apply
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:232-424', // #writePair … #send
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:440-464', // #writeError
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:530-535', // #inputError
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:538-617', // module helpers, _runPool
    'packages/store-dynamodb/src/_items.ts:36-116', // _orderKey, input checks, item keys
    'packages/store-dynamodb/src/_items.ts:198-217', // _oldPairState
  ],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  // The whole suite takes about 4 minutes on a loaded machine (Stryker's default allows 5).
  dryRunTimeoutMinutes: 30,
  timeoutMS: 120_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/adapters.json' },
  thresholds: { high: 95, low: 90, break: null },
  tempDirName: '.stryker-tmp',
};
