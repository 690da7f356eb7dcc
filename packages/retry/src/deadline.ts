/** The reason a deadline aborts with; `name` is "TimeoutError" like AbortSignal.timeout's. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super(`${what} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** A signal that aborts when the caller's does or when the time is up; dispose() stops the timer. */
export interface Deadline {
  readonly signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

export function startDeadline(timeoutMs: number, signal?: AbortSignal, what = "operation"): Deadline {
  const own = new AbortController();
  const timer = setTimeout(() => own.abort(new TimeoutError(what, timeoutMs)), timeoutMs);
  // A pending deadline must not keep a process alive that has nothing else to do.
  timer.unref?.();
  return {
    signal: signal ? AbortSignal.any([signal, own.signal]) : own.signal,
    timedOut: () => own.signal.aborted,
    dispose: () => clearTimeout(timer),
  };
}

/**
 * Runs `run` with a signal that aborts after `timeoutMs` or with the caller's signal; rejects with
 * a TimeoutError (or the caller's reason) even if `run` ignores its signal.
 */
export async function withTimeout<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  what: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = startDeadline(timeoutMs, signal, what);
  try {
    deadline.signal.throwIfAborted();
    return await new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(deadline.signal.reason);
      deadline.signal.addEventListener("abort", onAbort, { once: true });
      run(deadline.signal).then(resolve, reject);
    });
  } finally {
    deadline.dispose();
  }
}
