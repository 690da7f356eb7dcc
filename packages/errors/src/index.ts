import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** RFC 9457 problem details. `type` is a stable URI-reference naming the kind of problem. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Field-level validation failures. */
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Problem kinds the services answer with, and their HTTP status. */
export const problemTypes = {
  "bad-request": { status: 400, title: "Bad request" },
  "malformed-json": { status: 400, title: "Malformed JSON body" },
  "validation-failed": { status: 422, title: "Request failed validation" },
  unauthorized: { status: 401, title: "Missing or invalid credentials" },
  forbidden: { status: 403, title: "Forbidden" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  "payload-too-large": { status: 413, title: "Request body too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "too-many-requests": { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  "bad-gateway": { status: 502, title: "A downstream service failed" },
  unavailable: { status: 503, title: "Service unavailable" },
  timeout: { status: 504, title: "A downstream service timed out" },
} as const satisfies Record<string, { status: number; title: string }>;
export type ProblemCode = keyof typeof problemTypes;

/** An error that the API answers with as problem+json. Anything else is a 500 whose details are only logged. */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail?: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? problemTypes[code].title, { cause: options.cause });
    this.code = code;
    this.status = problemTypes[code].status;
    this.title = problemTypes[code].title;
    this.detail = detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  toProblem(instance?: string): Problem {
    return {
      type: problemTypeUri(this.code),
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(instance === undefined ? {} : { instance }),
      ...this.extensions,
    };
  }
}

export function problemTypeUri(code: ProblemCode): string {
  return `https://video-service.dev/problems/${code}`;
}

/** Turns zod issues into the `errors` extension: one entry per failing field. */
export function validationError(error: z.ZodError, where = "body"): AppError {
  const errors = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const detail = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
  return new AppError("validation-failed", detail, { extensions: { errors } });
}

/** Parses a JSON request body against a schema: malformed JSON is a 400, a wrong shape a 422. */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new AppError("unsupported-media-type", "send the body as application/json");
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch (cause) {
    if (cause instanceof HTTPException) throw cause;
    throw new AppError("malformed-json", "the request body is not valid JSON", { cause });
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, {
    "content-type": PROBLEM_CONTENT_TYPE,
    ...headers,
  });
}

export interface ErrorLogger {
  error(obj: object, msg?: string): void;
}

/**
 * The one error handler every service installs. AppErrors and Hono's HTTP exceptions (body limit,
 * for example) become their problem; anything else is logged in full and answered with a generic
 * 500 so internals never leak.
 */
/** Seconds a caller is asked to wait when a dependency of ours is unavailable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Errors that say a dependency is down rather than that something is wrong (StorageUnavailableError
 * of the object store) carry `unavailable: true`; they are answered 503 with Retry-After, not 500.
 */
function isUnavailable(err: unknown): err is Error & { unavailable: true } {
  return err instanceof Error && (err as { unavailable?: unknown }).unavailable === true;
}

export function createErrorHandler(logger: ErrorLogger): ErrorHandler {
  return (err, c) => {
    const instance = c.req.path;
    if (err instanceof AppError) return problemResponse(c, err.toProblem(instance), err.headers);
    if (err instanceof HTTPException) {
      const code = codeForStatus(err.status);
      return problemResponse(c, new AppError(code, err.message || undefined).toProblem(instance));
    }
    if (isUnavailable(err)) {
      // A dependency of ours is down (storage, say): not a bug, and the caller may try again soon.
      logger.error({ err, path: instance, method: c.req.method }, "a dependency is unavailable");
      return problemResponse(c, new AppError("unavailable", err.message).toProblem(instance), {
        "retry-after": String(UNAVAILABLE_RETRY_AFTER_SECONDS),
      });
    }
    logger.error({ err, path: instance, method: c.req.method }, "unhandled error");
    return problemResponse(
      c,
      new AppError("internal", "an unexpected error occurred; it has been logged").toProblem(instance),
    );
  };
}

export const notFoundHandler: NotFoundHandler = (c) =>
  problemResponse(c, new AppError("not-found", `no route for ${c.req.method} ${c.req.path}`).toProblem(c.req.path));

export function codeForStatus(status: number): ProblemCode {
  const match = (Object.keys(problemTypes) as ProblemCode[]).find((code) => problemTypes[code].status === status);
  if (match) return match;
  return status >= 500 ? "internal" : "bad-request";
}

/** Caps request bodies (by Content-Length, or by counting a streamed body): 413 problem+json beyond it. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("payload-too-large", `the body may be at most ${maxBytes} bytes`);
    },
  });
}
