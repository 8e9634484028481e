import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The vitest set-up of `pnpm mutate:adapters`: the DynamoDB store's tests against DynamoDB Local. */
export default defineConfig({
  resolve: base.resolve,
  test: {
    env: base.test?.env,
    root: here('./packages/store-dynamodb'),
    include: ['test/**/*.test.ts'],
    globalSetup: [here('./test/servers/global-setup.ts')],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
