import type { Options } from 'tsup';

/** The build every published package shares: ESM + CJS + type declarations for Node 20. */
export function libraryBuild(entry: string[]): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, clean: true, sourcemap: true, target: 'node20' };
}
