import type { Problem } from "@video-service/errors";

/**
 * A call to one of our services failed. `retryable` says whether trying again later may succeed
 * (network errors, timeouts, 502/503/504, 408/429, a render stream cut short); the client has
 * already spent its own retries by the time this is thrown.
 */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  /** "imagegen" or "renderer". */
  readonly service: string;
  /** The HTTP status, when the service answered. */
  readonly status: number | undefined;
  /** The problem+json the service answered with, when it did. */
  readonly problem: Problem | undefined;
  readonly retryable: boolean;
  /**
   * The service could not take the call at all (refused connection, no answer in time, 429/502/503/504):
   * the request was not at fault, so a job waits for the service instead of spending an attempt.
   */
  readonly unavailable: boolean;
  /** What the service asked for in Retry-After (already capped), when it did. */
  readonly retryAfterMs: number | undefined;

  constructor({
    service,
    message,
    status,
    problem,
    retryable,
    unavailable = false,
    retryAfterMs,
    cause,
  }: {
    service: string;
    message: string;
    status?: number | undefined;
    problem?: Problem | undefined;
    retryable: boolean;
    unavailable?: boolean;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(message, cause === undefined ? undefined : { cause });
    this.service = service;
    this.status = status;
    this.problem = problem;
    this.retryable = retryable;
    this.unavailable = unavailable;
    this.retryAfterMs = retryAfterMs;
  }
}
