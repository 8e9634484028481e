import { defineConfig } from 'tsup';

/** Bundles everything except what the Lambda Node.js runtime provides (the AWS SDK v3 and Smithy). */
export const runtimeProvided = [/^@aws-sdk\//, /^@smithy\//];

/** Each handler bundles to one self-contained `.mjs` file; the AWS SDK v3 is left to the Lambda runtime. */
export default defineConfig({
  entry: { ingest: 'src/ingest.ts', report: 'src/report.ts' },
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node20',
  bundle: true,
  splitting: false,
  // Bundle every package that is not provided by the runtime.
  noExternal: [/^(?!@aws-sdk\/|@smithy\/)/],
  external: runtimeProvided,
  // Some bundled CommonJS code calls require(); give the ES module one.
  banner: {
    js: "import { createRequire as __lastswitchCreateRequire } from 'node:module'; const require = __lastswitchCreateRequire(import.meta.url);",
  },
  clean: true,
  sourcemap: true,
});
