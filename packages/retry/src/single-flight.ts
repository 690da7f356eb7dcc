import { startDeadline } from "./deadline.ts";
import { raceSignal } from "./sleep.ts";

/** Gets a shared value: concurrent callers share one run; each caller's signal only stops its own wait. */
export type SingleFlight<T> = (signal?: AbortSignal) => Promise<T>;

/**
 * One run of `run` at a time, shared by everyone who asks while it is under way (a token refresh,
 * say). The run has its own deadline and never sees a caller's signal, so one job's cancel cannot
 * abort a refresh other jobs wait for; a failed run is not remembered (the next call tries again).
 */
export function singleFlight<T>(
  run: (signal: AbortSignal) => Promise<T>,
  options: { timeoutMs: number; what?: string },
): SingleFlight<T> {
  let inFlight: Promise<T> | undefined;
  return (signal) => {
    if (!inFlight) {
      const deadline = startDeadline(options.timeoutMs, undefined, options.what ?? "shared operation");
      const current = run(deadline.signal).finally(() => {
        deadline.dispose();
        if (inFlight === current) inFlight = undefined;
      });
      inFlight = current;
    }
    return raceSignal(inFlight, signal);
  };
}
