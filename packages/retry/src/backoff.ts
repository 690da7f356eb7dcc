export interface BackoffOptions {
  /** Bound of the first retry's delay, default 200 ms. */
  baseMs?: number;
  /** Largest bound, default 5 s. */
  capMs?: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 200;
export const DEFAULT_BACKOFF_CAP_MS = 5_000;

/**
 * Exponential backoff with full jitter (a uniformly random delay up to the exponential bound),
 * which spreads the retries of many callers best
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * `retry` counts from 1.
 */
export function backoffDelayMs(retry: number, options: BackoffOptions = {}): number {
  const { baseMs = DEFAULT_BACKOFF_BASE_MS, capMs = DEFAULT_BACKOFF_CAP_MS, random = Math.random } = options;
  const bound = Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * bound);
}
