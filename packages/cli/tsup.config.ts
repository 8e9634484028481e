import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library.js';

export default defineConfig([
  libraryBuild(['src/index.ts']),
  {
    // The worker is its own entry, next to bin.js: `scanFiles` starts it from `./scanWorker.js`.
    entry: { bin: 'src/bin.ts', scanWorker: 'src/scan/scanWorker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
