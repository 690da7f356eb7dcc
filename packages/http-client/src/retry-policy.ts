/** Statuses worth another attempt: the request may succeed later as it is. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);
/** Statuses whose Retry-After header we follow (the renderer's admission control sends it with 503). */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** A server may ask for a long pause; we wait at most this long per retry. */
export const RETRY_AFTER_CAP_MS = 30_000;

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** Statuses that say the service (or what is behind it) cannot take the request now: busy, starting, down. */
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function isUnavailableStatus(status: number): boolean {
  return UNAVAILABLE_STATUSES.has(status);
}

/** Retry-After as delta-seconds or an HTTP date, capped; undefined when absent, unusable or not honoured for the status. */
export function retryAfterMs(status: number, header: string | null, now: number = Date.now()): number | undefined {
  if (!RETRY_AFTER_STATUSES.has(status) || header === null) return undefined;
  const value = header.trim();
  let delay: number;
  if (/^\d+$/.test(value)) delay = Number(value) * 1000;
  else {
    // An HTTP date names the day ("Fri, 27 Nov 2026 12:00:05 GMT"); anything else, "-1" say, is unusable.
    if (!/[A-Za-z]/.test(value)) return undefined;
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    delay = Math.max(0, date - now);
  }
  return Math.min(delay, RETRY_AFTER_CAP_MS);
}
