import { type BackoffOptions, backoffDelayMs } from "./backoff.ts";
import { sleep } from "./sleep.ts";

/** What to do after a failure: give up (throw it), or try again, after `delayMs` if the server named a wait. */
export type RetryDecision = { retry: false } | { retry: true; delayMs?: number | undefined };

export interface RetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt (default 3); Infinity to rely on `deadlineMs` alone. */
  retries?: number;
  /** No retry starts whose wait would end after this many ms from the first attempt. */
  deadlineMs?: number;
  /** Stops at once, also during a wait, rejecting with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Which failures are worth another attempt; default: every one. */
  classify?: (error: unknown, attempt: number) => RetryDecision;
  /** A server's wait is capped at this (default 30 s): it may ask for a long pause. */
  maxDelayMs?: number;
  onRetry?: (info: RetryInfo) => void;
  now?: () => number;
  /** How a wait is slept (tests record waits instead); must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const RETRY_ALWAYS = (): RetryDecision => ({ retry: true });

/**
 * The one retry loop: runs `attempt` until it resolves, the failure is not retryable, the retries
 * or the deadline are spent (the last failure is thrown), or the signal aborts (its reason is thrown).
 * Waits are the server's when `classify` names one, otherwise exponential backoff with full jitter.
 */
export async function retry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { retries = 3, deadlineMs, signal, classify = RETRY_ALWAYS, maxDelayMs = 30_000, onRetry } = options;
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const started = now();
  for (let attemptNumber = 1; ; attemptNumber++) {
    signal?.throwIfAborted();
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attemptNumber > retries) throw error;
      const decision = classify(error, attemptNumber);
      if (!decision.retry) throw error;
      const delayMs = Math.min(maxDelayMs, decision.delayMs ?? backoffDelayMs(attemptNumber, options));
      if (deadlineMs !== undefined && now() + delayMs - started >= deadlineMs) throw error;
      onRetry?.({ attempt: attemptNumber, delayMs, error });
      await wait(delayMs, signal);
    }
  }
}
