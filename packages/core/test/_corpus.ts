import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The public CloudTrail corpus: `$LASTSWITCH_CORPUS`, else `shared/corpus/public` beside the
 * repository (where CI lays it). A test that needs it fails when it is missing; it never skips.
 */
export function publicCorpus(...parts: string[]): string {
  const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
  const root = process.env.LASTSWITCH_CORPUS ?? join(repo, '..', 'shared', 'corpus', 'public');
  if (!existsSync(root)) {
    throw new Error(
      `public CloudTrail corpus not found at ${root}: put shared/ beside the repository or set LASTSWITCH_CORPUS`,
    );
  }
  return join(root, ...parts);
}
