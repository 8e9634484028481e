import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library.js';

/** zod's error messages in English only: the CLI loads no other locale, so its 60 others stay out of the bundle. */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
    }));
  },
};

export default defineConfig([
  libraryBuild(['src/index.ts']),
  {
    // The worker is its own entry, next to bin.js: `scanFiles` starts it from `./scanWorker.js`.
    entry: {
      bin: 'src/bin.ts',
      program: 'src/program.ts',
      scanProgram: 'src/scanProgram.ts',
      reportProgram: 'src/reportProgram.ts',
      scanWorker: 'src/scan/scanWorker.ts',
    },
    splitting: false,
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: {
      // Bundled CommonJS (commander) requires Node's built-ins: give the ES modules a `require`.
      js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    // The command line bundles its own packages, zod and commander: one file per command to load,
    // holding only what that command uses, starts far sooner than Node resolving and compiling
    // each of zod's hundred modules. The AWS SDK (loaded on demand) and better-sqlite3 stay outside.
    minifyWhitespace: true,
    minifySyntax: true,
    esbuildPlugins: [zodEnglishOnly],
    noExternal: ['@lastswitch/core', /^zod(\/|$)/, 'commander'],
  },
]);
