import { INTERNAL_TOKEN_HEADER } from "@video-service/contracts";
import type { Problem } from "@video-service/errors";
import { type Deadline, retry, startDeadline } from "@video-service/retry";
import type { z } from "zod";
import { isRetryableStatus, isUnavailableStatus, retryAfterMs } from "./retry-policy.ts";
import { ServiceError } from "./service-error.ts";

export interface ServiceClientOptions {
  baseUrl: string;
  /** Sent as the x-internal-token header (INTERNAL_TOKEN_HEADER). */
  token: string;
  /** Per attempt, default 30 000 ms (render calls pass their own longer value). */
  timeoutMs?: number;
  /** Retries after the first attempt, default 3: exponential backoff with full jitter, base 200 ms, cap 5 s. */
  retries?: number;
  logger?: { warn(obj: object, msg?: string): void; debug?(obj: object, msg?: string): void };
  fetch?: typeof fetch;
}

/** The options with defaults applied, and the service's name for errors and logs. */
export interface ServiceConnection {
  service: string;
  baseUrl: string;
  token: string;
  timeoutMs: number;
  retries: number;
  logger: ServiceClientOptions["logger"];
  fetch: typeof fetch;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;

export function connect(service: string, options: ServiceClientOptions): ServiceConnection {
  const { baseUrl, token, timeoutMs = DEFAULT_TIMEOUT_MS, retries = DEFAULT_RETRIES } = options;
  if (!/^https?:\/\//.test(baseUrl)) throw new TypeError(`${service} client: baseUrl must be an http(s) URL`);
  if (token.length === 0) throw new TypeError(`${service} client: token must not be empty`);
  if (!(timeoutMs > 0)) throw new TypeError(`${service} client: timeoutMs must be positive`);
  if (!Number.isInteger(retries) || retries < 0)
    throw new TypeError(`${service} client: retries must be an integer ≥ 0`);
  return {
    service,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    token,
    timeoutMs,
    retries,
    logger: options.logger,
    // Global fetch is looked up per call so the OpenTelemetry undici instrumentation (which
    // propagates trace context) applies even when it is registered after the client is built.
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
}

/**
 * One attempt's abort signal: the caller's signal or the attempt's own deadline. The deadline can
 * be kept running past the attempt (render streams) and must then be disposed by the caller.
 */
export type Attempt = Deadline;

export interface CallOptions<T> {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  accept?: string;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
  /**
   * Handles a response with a 2xx status. Anything it throws other than a ServiceError is treated
   * as a network failure of the attempt. It may call keepAttempt() to keep the deadline running
   * after it returns (the caller then owns attempt.dispose()).
   */
  onSuccess: (response: Response, attempt: Attempt, keepAttempt: () => void) => Promise<T>;
}

/**
 * Sends a request with per-attempt timeouts and retries. An aborted caller signal stops at once
 * and rejects with its reason; retryable failures wait (Retry-After or jittered backoff) and try
 * again until the retries are spent.
 */
export async function callService<T>(connection: ServiceConnection, options: CallOptions<T>): Promise<T> {
  const { service, logger } = connection;
  const { method, path, signal } = options;
  const timeoutMs = options.timeoutMs ?? connection.timeoutMs;
  const retries = options.retries ?? connection.retries;
  const url = `${connection.baseUrl}${path}`;

  return retry(
    async (attemptNumber) => {
      const attempt = startDeadline(timeoutMs, signal, `${service} ${method} ${path}`);
      let kept = false;
      const started = performance.now();
      try {
        const response = await connection.fetch(url, {
          method,
          headers: {
            [INTERNAL_TOKEN_HEADER]: connection.token,
            accept: options.accept ?? "application/json",
            ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          signal: attempt.signal,
        });
        logger?.debug?.(
          { service, method, path, status: response.status, attempt: attemptNumber, ms: elapsed(started) },
          "service responded",
        );
        if (!response.ok) throw await errorFromResponse(service, response);
        return await options.onSuccess(response, attempt, () => {
          kept = true;
        });
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw toServiceError(service, err, attempt, timeoutMs);
      } finally {
        if (!kept) attempt.dispose();
      }
    },
    {
      retries,
      signal,
      classify: (err) =>
        err instanceof ServiceError && err.retryable ? { retry: true, delayMs: err.retryAfterMs } : { retry: false },
      onRetry: ({ attempt, delayMs, error }) => {
        const failure = error as ServiceError;
        logger?.warn(
          { service, method, path, attempt, status: failure.status, delayMs, err: failure.message },
          `retrying ${service} call`,
        );
      },
    },
  );
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** Classifies a failure of one attempt: our own errors pass through, the rest are network or timeout failures. */
export function toServiceError(service: string, err: unknown, attempt: Attempt, timeoutMs: number): ServiceError {
  if (err instanceof ServiceError) return err;
  if (attempt.timedOut()) {
    return new ServiceError({
      service,
      message: `${service} did not answer within ${timeoutMs} ms`,
      retryable: true,
      unavailable: true,
    });
  }
  const reason = err instanceof Error ? describeNetworkError(err) : String(err);
  return new ServiceError({
    service,
    message: `${service} unreachable: ${reason}`,
    retryable: true,
    unavailable: true,
    cause: err,
  });
}

/** undici reports "fetch failed" with the useful part (ECONNREFUSED, "other side closed") in the cause. */
function describeNetworkError(err: Error): string {
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? ` (${cause.code})` : "";
    return `${err.message}: ${cause.message}${code}`;
  }
  return err.message;
}

/** A non-2xx answer: its problem+json when it has one, and whether and when to retry. */
async function errorFromResponse(service: string, response: Response): Promise<ServiceError> {
  const text = await response.text().catch(() => "");
  const problem = parseProblem(text);
  const status = response.status;
  const detail = problem?.detail ?? problem?.title ?? (response.statusText || "no details");
  return new ServiceError({
    service,
    message: `${service} answered ${status}: ${detail}`,
    status,
    problem,
    retryable: isRetryableStatus(status),
    unavailable: isUnavailableStatus(status),
    retryAfterMs: retryAfterMs(status, response.headers.get("retry-after")),
  });
}

export function parseProblem(text: string): Problem | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return undefined;
    const { type, title, status } = value as Record<string, unknown>;
    if (typeof type !== "string" || typeof title !== "string" || typeof status !== "number") return undefined;
    return value as Problem;
  } catch {
    return undefined;
  }
}

/** Reads and validates a JSON body. A body that is not what the contract says is a bug, not worth retrying. */
export async function readJson<S extends z.ZodType>(
  service: string,
  response: Response,
  schema: S,
): Promise<z.infer<S>> {
  const text = await response.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ServiceError({
      service,
      message: `${service} answered ${response.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`,
      status: response.status,
      retryable: false,
      cause,
    });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
    throw new ServiceError({
      service,
      message: `${service} answered ${response.status} with an unexpected body: ${issues.slice(0, 5).join("; ")}`,
      status: response.status,
      retryable: false,
    });
  }
  return result.data;
}
