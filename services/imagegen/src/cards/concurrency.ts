/** Runs a task when one of the limiter's slots is free. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * At most `slots` tasks at once, across every caller, first come first served. One limiter per
 * service bounds CPU use however many requests arrive together.
 */
export function createLimiter(slots: number): Limiter {
  const capacity = Math.max(1, Math.floor(slots));
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= capacity) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
