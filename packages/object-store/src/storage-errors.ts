/**
 * The store could not be reached or answered with a server error (connection refused or reset, no
 * answer within the deadline, 5xx, throttling): the request was not at fault, and the same call may
 * succeed later. Callers (the job worker, the renderer) wait and retry instead of failing the work.
 */
export class StorageUnavailableError extends Error {
  override readonly name = "StorageUnavailableError";
  /** Read by the services' error handler (@video-service/errors): answered 503 + Retry-After, not 500. */
  readonly unavailable = true;
  readonly operation: string;
  constructor(operation: string, cause: unknown) {
    super(`storage unavailable during ${operation}: ${describe(cause)}`, { cause });
    this.operation = operation;
  }
}

export function isStorageUnavailable(err: unknown): err is StorageUnavailableError {
  return err instanceof StorageUnavailableError;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The SDK's view of a failed call: network failures have no HTTP status; throttling and 5xx are transient. */
export function isTransientSdkError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const shape = err as SdkErrorShape;
  if (shape.$retryable) return true;
  if (shape.name === "TimeoutError" || shape.name === "AbortError") return true;
  const status = shape.$metadata?.httpStatusCode;
  if (status === undefined) return shape.$metadata !== undefined || typeof shape.code === "string";
  return status === 429 || status >= 500;
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const status = (cause as SdkErrorShape).$metadata?.httpStatusCode;
  const code = (cause as SdkErrorShape).code;
  return [cause.name, status === undefined ? undefined : `HTTP ${status}`, code, cause.message]
    .filter(Boolean)
    .join(" ");
}
