import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';
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

/**
 * commander loads `child_process` (≈ 6 ms at start-up) only to spawn executable subcommands, which
 * this CLI has none of: it is required on first use instead.
 */
const commanderLazyChildProcess: Plugin = {
  name: 'commander-lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager))
        throw new Error(`commander-lazy-child-process: ${args.path} no longer holds ${eager}`);
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

/** The report bundle leaves out the snapshot readers: a call to them is a bug in bin.js's routing. */
const withoutGrantFiles: Plugin = {
  name: 'without-grant-files',
  setup(build) {
    build.onResolve({ filter: /[\\/]_grantFiles\.js$/ }, () => ({
      path: '_grantFiles',
      namespace: 'without-grant-files',
    }));
    build.onLoad({ filter: /.*/, namespace: 'without-grant-files' }, () => ({
      contents:
        "export function rosterFromGrantFiles() { throw new Error('internal error: report --grants runs in program.js, not reportProgram.js'); }",
      loader: 'js',
    }));
  },
};

/**
 * The command line: each entry one bundle of its own packages, zod and commander (one file per
 * command to load, holding only what that command uses, starts far sooner than Node resolving and
 * compiling each of zod's hundred modules). The AWS SDK (loaded on demand) and better-sqlite3 stay outside.
 */
function commandLineBuild(entry: Record<string, string>, esbuildPlugins: Plugin[]): Options {
  return {
    // The worker is its own entry, next to bin.js: `scanFiles` starts it from `./scanWorker.js`.
    entry,
    splitting: false,
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: {
      // Bundled CommonJS (commander) requires Node's built-ins: give the ES modules a `require`.
      js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    minifyWhitespace: true,
    minifySyntax: true,
    esbuildPlugins,
    noExternal: ['@lastswitch/core', /^zod(\/|$)/, 'commander'],
  };
}

export default defineConfig([
  libraryBuild(['src/index.ts']),
  commandLineBuild(
    {
      bin: 'src/bin.ts',
      program: 'src/program.ts',
      scanProgram: 'src/scanProgram.ts',
      scanWorker: 'src/scan/scanWorker.ts',
    },
    [zodEnglishOnly, commanderLazyChildProcess],
  ),
  // `report` without `--grants` (what bin.js loads it for): no snapshot readers, so no zod's classic
  // API; with `--grants`, bin.js loads program.js instead.
  commandLineBuild({ reportProgram: 'src/reportProgram.ts' }, [
    zodEnglishOnly,
    withoutGrantFiles,
    commanderLazyChildProcess,
  ]),
]);
