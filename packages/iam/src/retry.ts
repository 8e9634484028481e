/** AWS error names that mean "slow down": the call is retried with backoff. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** Options of `withRetry`. */
export interface RetryOptions {
  /** Attempts in all, including the first; default 6. */
  attempts?: number;
  /** First delay in ms, doubled each time (with jitter from `random`); default 200. */
  baseDelayMs?: number;
  /** Waits `ms`; default a timer (inject one in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** 0 ≤ x < 1; default `Math.random`. */
  random?: () => number;
}

/** The AWS error name of a thrown SDK error, if any. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

/** True for an AWS throttling error (`Throttling`, `ThrottlingException`, `TooManyRequestsException`, …). */
export function isThrottling(error: unknown): boolean {
  const name = awsErrorName(error);
  return name !== undefined && THROTTLING.has(name);
}

const _sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`, retrying throttling errors with exponential backoff; any other error is thrown at once. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 200;
  const sleep = options.sleep ?? _sleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || attempt >= attempts) throw error;
      await sleep(Math.round(base * 2 ** (attempt - 1) * (0.5 + random() / 2)));
    }
  }
}
