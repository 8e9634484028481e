// @ts-check
/**
 * Mutation testing of the DynamoDB store's write path (`pnpm mutate:adapters`), against DynamoDB Local.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate-adapters.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['packages/store-dynamodb/src/DynamoDBLedgerStore.ts', 'packages/store-dynamodb/src/_items.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 120_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/adapters.json' },
  tempDirName: '.stryker-tmp',
};
