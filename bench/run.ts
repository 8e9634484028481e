/**
 * `pnpm bench`: runs every `<package>/bench/NAME.bench.ts` under packages/ and examples/ in its
 * own Node process, one after another, so each measures its own time and peak RSS.
 * Benchmarks print their figures side by side; compare ratios, not absolute times (shared machine).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'examples'];
const only = process.argv.slice(2);
const files: string[] = [];
for (const root of roots) {
  for (const name of readdirSync(root)) {
    const dir = join(root, name, 'bench');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => file.includes(o)))) {
        files.push(join(dir, file));
      }
    }
  }
}

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], {
    stdio: 'inherit',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (result.status !== 0) {
    failed += 1;
    console.error(`${file} failed with exit code ${result.status}`);
  }
}
if (files.length === 0) console.log('no benchmarks found');
process.exit(failed > 0 ? 1 : 0);
