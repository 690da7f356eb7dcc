import type { z } from "zod";
import { RedditError, type RedditErrorKind } from "./reddit.types.ts";

/** Carries a Failure through the shared retry loop (which sees only thrown errors). */
export class FailedAttempt extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.error.message);
    this.failure = failure;
  }
}

/** A failed attempt: the error to throw when no retry is left, and how long to wait before the next. */
export interface Failure {
  error: RedditError;
  delayMs?: number | undefined;
}

export interface RequestContext {
  /** For messages: "r/tifu hot", "post abc123". */
  what: string;
  /** Set for post requests. */
  postId?: string | undefined;
  subreddit?: string | undefined;
  signal?: AbortSignal | undefined;
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === "object" && value !== null && "error" in value && value.error instanceof RedditError;
}

export function failure(
  kind: RedditErrorKind,
  message: string,
  response: Response | undefined,
  ctx: RequestContext,
  delayMs?: number,
): Failure {
  // A post that is not found says nothing about its subreddit, which may well exist.
  const subreddit = kind === "not-found" && ctx.postId !== undefined ? undefined : ctx.subreddit;
  return { error: new RedditError({ kind, message, status: response?.status, subreddit }), delayMs };
}

/** A non-2xx answer (after the 401 renewal): what it means and whether to wait and retry. */
export function statusFailure(response: Response, ctx: RequestContext, text: string): Failure {
  const { status } = response;
  const reason = reasonOf(text);
  const where = ctx.subreddit ? `r/${ctx.subreddit}` : ctx.what;
  if (status === 429) {
    const delayMs = secondsHeader(response, "retry-after") ?? secondsHeader(response, "x-ratelimit-reset");
    return failure("rate-limited", `Reddit rate limit exceeded (${ctx.what}, 429)`, response, ctx, delayMs);
  }
  if (status === 408 || status >= 500) {
    const delayMs = status === 503 ? secondsHeader(response, "retry-after") : undefined;
    return failure("unavailable", `Reddit answered ${status} (${ctx.what})`, response, ctx, delayMs);
  }
  if (status === 401) {
    return failure("auth", `Reddit answered 401 (${ctx.what}): not authorised`, response, ctx);
  }
  if (status === 403) {
    const detail = reason ? `is ${reason}` : "is private, quarantined or banned";
    const message = ctx.subreddit
      ? `r/${ctx.subreddit} ${detail} (Reddit answered 403 for ${ctx.what}): it cannot be read`
      : `${ctx.what} is in a subreddit that ${detail} (Reddit answered 403)`;
    return failure("forbidden", message, response, ctx);
  }
  if (status === 404) {
    const message =
      ctx.postId !== undefined
        ? `${ctx.what} not found${ctx.subreddit ? ` in r/${ctx.subreddit}` : ""} (Reddit answered 404)`
        : `${where} not found${reason ? ` (${reason})` : ""} (Reddit answered 404)`;
    return failure("not-found", message, response, ctx);
  }
  if (status >= 300 && status < 400) {
    // reddit.com redirects an unknown subreddit to its search page.
    const location = response.headers.get("location") ?? "";
    if (/\/subreddits\/search/.test(location)) {
      return failure("not-found", `${where} does not exist (Reddit redirected to search)`, response, ctx);
    }
    return failure("bad-response", `Reddit redirected ${ctx.what} to ${location || "nowhere"}`, response, ctx);
  }
  return failure("bad-response", `Reddit answered ${status} (${ctx.what})`, response, ctx);
}

export function shapeFailure(error: z.ZodError, response: Response | undefined, ctx: RequestContext): Failure {
  const issues = error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
  return failure(
    "bad-response",
    `Reddit answered ${ctx.what} with an unexpected shape: ${issues.join("; ")}`,
    response,
    ctx,
  );
}

/** Reddit's error bodies say why: {"reason": "private", "message": "Forbidden", "error": 403}. */
function reasonOf(text: string): string | undefined {
  const body = parseJson(text);
  if (!body || typeof body !== "object" || !("reason" in body) || typeof body.reason !== "string") return undefined;
  return body.reason.replace(/_/g, " ").toLowerCase();
}

function secondsHeader(response: Response, name: string): number | undefined {
  const value = response.headers.get(name);
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Math.ceil(Number.parseFloat(value) * 1000);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
