import { defineConfig } from 'tsup';

/** Each handler bundles to one file; the AWS SDK v3 is left to the Lambda runtime. */
export default defineConfig({
  entry: { ingest: 'src/ingest.ts', report: 'src/report.ts' },
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: [/.*/],
  external: [/^@aws-sdk\//, /^@smithy\//],
  clean: true,
  sourcemap: true,
});
