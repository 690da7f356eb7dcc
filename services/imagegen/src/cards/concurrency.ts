/** Runs a task when one of the limiter's slots is free; a wait ends early when `signal` aborts. */
export type Limiter = <T>(task: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/** The wait list is full: the service is busy, and the caller should come back later (503 + Retry-After). */
export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
}

/** A task's wait ended because its caller went away; the task never ran. */
export class WaitCancelledError extends Error {
  override readonly name = "WaitCancelledError";
}

/**
 * At most `slots` tasks at once, across every caller, first come first served, and at most
 * `maxWaiting` tasks waiting (beyond that QueueFullError at once, so a burst cannot pile up work
 * nobody will wait for). A waiting task whose signal aborts leaves the list. One limiter per service
 * bounds CPU use however many requests arrive together.
 */
export function createLimiter(slots: number, maxWaiting = Number.POSITIVE_INFINITY): Limiter {
  const capacity = Math.max(1, Math.floor(slots));
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    signal?.throwIfAborted();
    if (running >= capacity) {
      if (waiting.length >= maxWaiting) {
        throw new QueueFullError(`${waiting.length} cards are already waiting for ${capacity} drawing slot(s)`);
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const index = waiting.indexOf(wake);
          if (index >= 0) waiting.splice(index, 1);
          reject(new WaitCancelledError("the caller went away while the card waited", { cause: signal?.reason }));
        };
        waiting.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
