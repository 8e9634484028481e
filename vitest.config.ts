import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { ShuffleSeedReporter } from './test/shuffleSeedReporter.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Tests import workspace packages from their sources, so they never see a stale build. */
const alias = [
  { find: /^@lastswitch\/core\/testing$/, replacement: here('./packages/core/src/testing.ts') },
  { find: /^@lastswitch\/core$/, replacement: here('./packages/core/src/index.ts') },
  { find: /^@lastswitch\/store-dynamodb$/, replacement: here('./packages/store-dynamodb/src/index.ts') },
  { find: /^@lastswitch\/source-s3$/, replacement: here('./packages/source-s3/src/index.ts') },
  { find: /^@lastswitch\/notify-slack$/, replacement: here('./packages/notify-slack/src/index.ts') },
  { find: /^@lastswitch\/iam$/, replacement: here('./packages/iam/src/index.ts') },
];

/** Projects whose tests talk to DynamoDB Local and s3rver, started once per project by the setup. */
const withLocalAws = { globalSetup: [here('./test/servers/global-setup.ts')] };

const project = (name: string, root: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, root, include: ['test/**/*.test.ts'], ...extra },
});

export default defineConfig({
  resolve: { alias },
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Guards against a hung test, not a measure: many tests start servers and CLI processes, and on
    // a loaded 2-core machine (or beside the heavy tests a shuffled order puts next to them) 30 s was too little.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Files and the tests in them run in a new random order every time, so a test that leans on
    // another's leftovers fails; the seed is printed at the start and, after a failure, at the end.
    sequence: { shuffle: true },
    reporters: ['default', new ShuffleSeedReporter()],
    projects: [
      project('core', 'packages/core'),
      project('notify-slack', 'packages/notify-slack'),
      project('store-dynamodb', 'packages/store-dynamodb', withLocalAws),
      project('source-s3', 'packages/source-s3', withLocalAws),
      project('iam', 'packages/iam'),
      project('cli', 'packages/cli', withLocalAws),
      project('lambda', 'examples/lambda', withLocalAws),
      project('cdk', 'examples/cdk', { testTimeout: 120_000 }),
      project('smoke', '.', { include: ['test/*.test.ts'], ...withLocalAws }),
      // Debian's Chromium (/usr/bin/chromium, installed by .ci/run) driven by playwright-core.
      project('browser', '.', { include: ['test/browser/**/*.test.ts'], testTimeout: 120_000 }),
    ],
  },
});
