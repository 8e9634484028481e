import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'a file is in the way',
};

/** `ENOENT (no such file or folder)`: the code to search for and what it means, one line. */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return (error as Error).message.split('\n').join(' ');
  return FILE_ERRORS[code] ? `${code} (${FILE_ERRORS[code]})` : code;
}

/** Reads a text file the user named (relative to the working directory); failure is a usage error naming `what`. */
export async function readUserFile(path: string, ctx: CliContext, what: string): Promise<string> {
  const full = isAbsolute(path) ? path : join(ctx.cwd, path);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    // No `cause`: its message would repeat the code after this one, with the absolute path.
    throw new UsageError(`cannot read ${what}${path}: ${describeFileError(error)}`);
  }
}
