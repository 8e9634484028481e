import { IamSnapshotError } from './build-snapshot.js';

/** The AWS error name of a thrown SDK error (`AccessDenied`, `ThrottlingException`, …), if any. */
export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

/** A one-line reason for a failed call, naming the AWS error code; never includes credentials. */
export function describeAwsError(error: unknown): string {
  const name = errorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return message && message !== name ? `${name}: ${message}` : name;
}

/**
 * Calls `fetch` page after page until it returns no next token; guards against a server that
 * never stops paginating (`maxPages`) and against a token that repeats.
 */
export async function collectPages<T>(
  what: string,
  fetch: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>,
  options: { maxPages?: number; signal?: AbortSignal } = {},
): Promise<T[]> {
  const maxPages = options.maxPages ?? 10_000;
  const items: T[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  for (let pages = 0; ; pages++) {
    options.signal?.throwIfAborted();
    if (pages >= maxPages) throw new IamSnapshotError('TooManyPages', `${what} still has more after ${pages} pages`);
    const page = await fetch(token);
    items.push(...page.items);
    if (!page.next) return items;
    if (seen.has(page.next)) throw new IamSnapshotError('RepeatedToken', `${what} returned the same NextToken twice`);
    seen.add(page.next);
    token = page.next;
  }
}

/** Runs `task` over `items` with at most `concurrency` at once; results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** The epoch ms of an SDK `Date`, or undefined. */
export function epochMs(value: Date | undefined): number | undefined {
  const ms = value?.getTime();
  return ms === undefined || !Number.isFinite(ms) ? undefined : ms;
}
