// @ts-check
/**
 * Mutation testing of the DynamoDB store's write path (`pnpm mutate:adapters`), against DynamoDB Local
 * (started once per run by test/servers/global-setup.ts, on a free port). Too slow for CI; record the
 * score in packages/store-dynamodb/README.md.
 *
 * The ranges are the write path: `apply` from its merge on, the three conditional writes, the retry
 * rounds and the write pool, item keys, `_orderKey` and `_oldPairState`. Left out, to keep a run
 * under an hour on two shared cores: the input checks (`_invalidUpdate`, `_invalidAlias`), the
 * write error's wording, the constructor, the Scans and the item decoding.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate-adapters.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:176-215', // apply, after the input checks
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:232-421', // #writePair … #send
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:536-568', // the expression helpers, _needsOlderWrite
    'packages/store-dynamodb/src/DynamoDBLedgerStore.ts:584-615', // _isFatal, _runPool
    'packages/store-dynamodb/src/_items.ts:36-44', // _orderKey
    'packages/store-dynamodb/src/_items.ts:109-116', // item keys
    'packages/store-dynamodb/src/_items.ts:198-217', // _oldPairState
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // The whole suite takes about 4 minutes on a loaded machine (Stryker's default allows 5).
  dryRunTimeoutMinutes: 30,
  // Added to the covering tests' measured time × timeoutFactor: ends a hung mutant within seconds.
  timeoutMS: 10_000,
  timeoutFactor: 1.25,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/adapters.json' },
  thresholds: { high: 95, low: 90, break: null },
  tempDirName: '.stryker-tmp',
};
