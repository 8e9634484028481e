import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library.js';

export default defineConfig([
  {
    // ESM one file per module: with `sideEffects: false` a consumer's bundler keeps only the modules
    // it uses (the trail reader alone is a few tens of KB, not all of core and zod).
    ...libraryBuild(['src/**/*.ts']),
    format: ['esm'],
    bundle: false,
    dts: { entry: ['src/index.ts', 'src/testing.ts'] },
  },
  { ...libraryBuild(['src/index.ts', 'src/testing.ts']), format: ['cjs'], clean: false },
]);
