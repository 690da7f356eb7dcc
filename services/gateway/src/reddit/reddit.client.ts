import { sleep as abortableSleep, raceSignal, retry } from "@video-service/retry";
import { commentsResponseSchema, postListingSchema, toComment, tokenSchema, toPost } from "./reddit.schemas.ts";
import { type ListingSort, type RedditComment, RedditError, type RedditPost, type TopWindow } from "./reddit.types.ts";
import {
  FailedAttempt,
  type Failure,
  failure,
  isFailure,
  parseJson,
  type RequestContext,
  shapeFailure,
  statusFailure,
} from "./reddit-failures.ts";

/** Where app-only OAuth tokens come from. */
export const REDDIT_AUTH_URL = "https://www.reddit.com";
/** The API host for OAuth-authenticated calls (Reddit's Data API requires OAuth in production). */
export const REDDIT_OAUTH_API_URL = "https://oauth.reddit.com";
/** The public JSON endpoints (`/r/tifu/hot.json`), used without credentials: throttled hard, for development only. */
export const REDDIT_PUBLIC_API_URL = "https://www.reddit.com";

const SUBREDDIT_NAME = /^[A-Za-z0-9_]{2,21}$/;
const POST_ID = /^[a-z0-9]{4,10}$/;
const FULLNAME = /^t3_[a-z0-9]{1,13}$/;
/**
 * Reddit's required User-Agent form, checked loosely:
 * `<platform>:<app id>:<version> (by /u/<username>)`, e.g. `server:video-service:1.0.0 (by /u/someone)`.
 */
export const REDDIT_USER_AGENT_FORM = /^\S+:\S+:\S+\s+\(by\s+\/?u\/[A-Za-z0-9_-]+\)$/;

/** A token is renewed this long before Reddit says it expires. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;
/** Longest single wait for Reddit's rate limit (its window is 10 minutes). */
export const MAX_RATE_LIMIT_WAIT_MS = 600_000;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_LISTING_LIMIT = 25;
export const DEFAULT_COMMENT_LIMIT = 50;

interface RedditLogger {
  warn(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface RedditClientOptions {
  /** Required, in Reddit's form `<platform>:<app id>:<version> (by /u/<username>)`. */
  userAgent: string;
  /** With clientSecret: app-only OAuth (client_credentials). Without: the public JSON endpoints. */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Default https://www.reddit.com (token endpoint /api/v1/access_token). */
  authUrl?: string | undefined;
  /** Default https://oauth.reddit.com with credentials, https://www.reddit.com (".json" paths) without. */
  apiUrl?: string | undefined;
  logger: RedditLogger;
  fetch?: typeof fetch;
  /** Epoch milliseconds; injected by tests. */
  now?: () => number;
  /** Injected by tests: rate-limit waits and backoff go through it. Rejects when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Retries after the first attempt for 429, 5xx, timeouts and dropped connections; default 3. */
  maxRetries?: number;
  /** Per attempt; default 15 000 ms. */
  timeoutMs?: number;
}

export interface ListingOptions {
  subreddit: string;
  sort: ListingSort;
  /** For sort "top"; default "day". */
  t?: TopWindow | undefined;
  /** 1–100, default 25. */
  limit?: number | undefined;
  /** The `after` cursor of the previous page (a `t3_` fullname). */
  after?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface PostOptions {
  /** Base36 id, with or without "t3_". */
  postId: string;
  /** When given, the post must be in this subreddit (otherwise "not-found"). */
  subreddit?: string | undefined;
  /** Top-level comments asked for (sort=top, depth=1); default 50, at most 500. */
  commentLimit?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface RedditClient {
  /** One page of a subreddit listing; `after` is null at the end. */
  listing(o: ListingOptions): Promise<{ posts: RedditPost[]; after: string | null }>;
  /** A post and its top-level comments, best first (sort=top); `more` stubs skipped. */
  post(o: PostOptions): Promise<{ post: RedditPost; comments: RedditComment[] }>;
}

/** Why a User-Agent is unusable, or undefined when it is fine. */
export function userAgentProblem(userAgent: string | undefined): string | undefined {
  if (userAgent === undefined || userAgent.trim() === "") {
    return "Reddit requires a User-Agent: set REDDIT_USER_AGENT to <platform>:<app id>:<version> (by /u/<username>)";
  }
  if (!REDDIT_USER_AGENT_FORM.test(userAgent.trim())) {
    return `REDDIT_USER_AGENT ${JSON.stringify(userAgent)} is not in Reddit's form <platform>:<app id>:<version> (by /u/<username>), e.g. "server:video-service:1.0.0 (by /u/yourname)"`;
  }
  return undefined;
}

/** Accepts "abc123" or "t3_abc123"; throws a TypeError for anything else. */
export function normalisePostId(postId: string): string {
  const id = postId.startsWith("t3_") ? postId.slice(3) : postId;
  if (!POST_ID.test(id)) throw new TypeError(`not a Reddit post id: ${JSON.stringify(postId)}`);
  return id;
}

export function isValidSubredditName(name: string): boolean {
  return SUBREDDIT_NAME.test(name);
}

function checkSubreddit(name: string): void {
  if (!SUBREDDIT_NAME.test(name)) {
    throw new TypeError(`not a subreddit name: ${JSON.stringify(name)} (2–21 letters, digits or underscores)`);
  }
}

/**
 * A Reddit Data API client: app-only OAuth (token cached, renewed a minute before it expires and
 * once on a 401), Reddit's User-Agent on every request, `raw_json=1`, X-Ratelimit-* honoured
 * (no call while the window is spent), 429 waits Retry-After or the reset, 5xx/timeouts/dropped
 * connections retried with exponential backoff and full jitter. Failures are RedditErrors.
 */
export function createRedditClient(options: RedditClientOptions): RedditClient {
  const userAgent = (options.userAgent ?? "").trim();
  const uaProblem = userAgentProblem(userAgent);
  if (userAgent === "") throw new TypeError(uaProblem);
  if (uaProblem) options.logger.warn({ userAgent }, uaProblem);
  const hasCredentials = Boolean(options.clientId) || Boolean(options.clientSecret);
  if (hasCredentials && !(options.clientId && options.clientSecret)) {
    throw new TypeError("Reddit OAuth needs both a client id and a client secret");
  }
  const authUrl = trimSlash(options.authUrl ?? REDDIT_AUTH_URL);
  const apiUrl = trimSlash(options.apiUrl ?? (hasCredentials ? REDDIT_OAUTH_API_URL : REDDIT_PUBLIC_API_URL));
  for (const url of [authUrl, apiUrl]) {
    if (!/^https?:\/\//.test(url)) throw new TypeError(`Reddit client: not an http(s) URL: ${url}`);
  }
  const { logger } = options;
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const basic = hasCredentials
    ? `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64")}`
    : undefined;

  // X-Ratelimit-Remaining / -Reset of the last answer.
  let rateRemaining: number | undefined;
  let rateResetAt: number | undefined;
  let token: { value: string; expiresAt: number } | undefined;
  let pendingToken: Promise<{ value: string; expiresAt: number }> | undefined;

  function recordRateLimit(headers: Headers): void {
    const remaining = Number.parseFloat(headers.get("x-ratelimit-remaining") ?? "");
    const reset = Number.parseFloat(headers.get("x-ratelimit-reset") ?? "");
    if (Number.isFinite(remaining)) rateRemaining = remaining;
    if (Number.isFinite(reset)) rateResetAt = now() + reset * 1000;
  }

  async function waitForRateLimit(signal: AbortSignal | undefined): Promise<void> {
    if (rateRemaining === undefined || rateRemaining >= 1 || rateResetAt === undefined) return;
    const waitMs = Math.min(MAX_RATE_LIMIT_WAIT_MS, Math.ceil(rateResetAt - now()));
    rateRemaining = undefined;
    if (waitMs <= 0) return;
    logger.info?.({ waitMs }, "Reddit rate limit spent: waiting for the window to reset");
    await sleep(waitMs, signal);
  }

  /** One HTTP exchange with a per-attempt timeout; network failures and timeouts become retryable Failures. */
  async function exchange(
    url: string,
    init: RequestInit,
    ctx: RequestContext,
  ): Promise<{ response: Response; text: string } | Failure> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException("timed out", "TimeoutError")), timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline.signal]) : deadline.signal;
    try {
      const response = await doFetch(url, { ...init, signal, redirect: "manual" });
      recordRateLimit(response.headers);
      // Read the body inside the deadline: a connection dropped mid-body is a network failure too.
      const text = await response.text();
      return { response, text };
    } catch (err) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      const reason = deadline.signal.aborted ? `no answer within ${timeoutMs} ms` : describeNetworkError(err);
      return {
        error: new RedditError({
          kind: "unavailable",
          message: `Reddit unreachable (${ctx.what}): ${reason}`,
          subreddit: ctx.subreddit,
          retryable: true,
          cause: err,
        }),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs attempts until one succeeds, a failure is final, or the retries are spent (the shared retry loop). */
  async function withRetries<T>(ctx: RequestContext, attempt: () => Promise<T | Failure>): Promise<T> {
    try {
      return await retry(
        async () => {
          const result = await attempt();
          if (isFailure(result)) throw new FailedAttempt(result);
          return result;
        },
        {
          retries: maxRetries,
          signal: ctx.signal,
          sleep,
          maxDelayMs: MAX_RATE_LIMIT_WAIT_MS,
          classify: (err) =>
            err instanceof FailedAttempt && err.failure.error.retryable
              ? { retry: true, delayMs: err.failure.delayMs }
              : { retry: false },
          onRetry: ({ attempt: number, delayMs, error }) => {
            const failed = (error as FailedAttempt).failure.error;
            logger.warn(
              { what: ctx.what, kind: failed.kind, status: failed.status, retry: number, delayMs, err: failed.message },
              "retrying Reddit request",
            );
            // The wait covers what a 429 asked for; do not wait for the same window twice.
            if (failed.kind === "rate-limited") rateRemaining = undefined;
          },
        },
      );
    } catch (err) {
      throw err instanceof FailedAttempt ? err.failure.error : err;
    }
  }

  async function fetchToken(): Promise<{ value: string; expiresAt: number }> {
    const ctx: RequestContext = { what: "access token" };
    return withRetries(ctx, async () => {
      await waitForRateLimit(undefined);
      const result = await exchange(
        `${authUrl}/api/v1/access_token`,
        {
          method: "POST",
          headers: {
            authorization: basic ?? "",
            "user-agent": userAgent,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body: "grant_type=client_credentials",
        },
        ctx,
      );
      if (isFailure(result)) return result;
      const { response, text } = result;
      if (response.status === 401 || response.status === 403) {
        return failure("auth", `Reddit rejected the client id/secret (${response.status})`, response, ctx);
      }
      if (!response.ok) return statusFailure(response, ctx, text);
      const body = parseJson(text);
      if (body && typeof body === "object" && "error" in body) {
        return failure("auth", `Reddit refused an app-only token: ${String(body.error)}`, response, ctx);
      }
      const parsed = tokenSchema.safeParse(body);
      if (!parsed.success) return shapeFailure(parsed.error, response, ctx);
      logger.debug?.({ expiresIn: parsed.data.expires_in }, "Reddit access token issued");
      return { value: parsed.data.access_token, expiresAt: now() + parsed.data.expires_in * 1000 };
    });
  }

  async function accessToken(signal: AbortSignal | undefined): Promise<string> {
    if (token && now() < token.expiresAt - TOKEN_REFRESH_MARGIN_MS) return token.value;
    if (!pendingToken) {
      pendingToken = fetchToken().finally(() => {
        pendingToken = undefined;
      });
    }
    const pending = pendingToken;
    token = await raceSignal(pending, signal);
    return token.value;
  }

  /** GET an API path (".json" appended without OAuth) and return its JSON. */
  async function get(path: string, query: Record<string, string | undefined>, ctx: RequestContext): Promise<unknown> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, value);
    params.set("raw_json", "1");
    const url = `${apiUrl}${path}${hasCredentials ? "" : ".json"}?${params}`;
    let refreshedAfter401 = false;
    return withRetries(ctx, async () => {
      for (;;) {
        await waitForRateLimit(ctx.signal);
        const headers: Record<string, string> = { "user-agent": userAgent, accept: "application/json" };
        if (hasCredentials) headers.authorization = `bearer ${await accessToken(ctx.signal)}`;
        const result = await exchange(url, { method: "GET", headers }, ctx);
        if (isFailure(result)) return result;
        const { response, text } = result;
        if (response.status === 401 && hasCredentials && !refreshedAfter401) {
          // The token expired or was revoked early: get a new one and try once more.
          refreshedAfter401 = true;
          token = undefined;
          logger.info?.({ what: ctx.what }, "Reddit answered 401: renewing the access token");
          continue;
        }
        if (!response.ok) return statusFailure(response, ctx, text);
        const body = parseJson(text);
        if (body === undefined) {
          return failure("bad-response", `Reddit answered ${ctx.what} with a body that is not JSON`, response, ctx);
        }
        return body;
      }
    });
  }

  return {
    async listing({ subreddit, sort, t, limit = DEFAULT_LISTING_LIMIT, after, signal }) {
      checkSubreddit(subreddit);
      if (!["hot", "rising", "top"].includes(sort)) throw new TypeError(`not a listing sort: ${sort}`);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new TypeError("limit must be 1–100");
      if (after !== undefined && !FULLNAME.test(after)) throw new TypeError(`not a listing cursor: ${after}`);
      const ctx: RequestContext = { what: `r/${subreddit} ${sort}`, subreddit, signal };
      const body = await get(
        `/r/${subreddit}/${sort}`,
        { limit: String(limit), after, t: sort === "top" ? (t ?? "day") : undefined },
        ctx,
      );
      const parsed = postListingSchema.safeParse(body);
      if (!parsed.success) throw shapeFailure(parsed.error, undefined, ctx).error;
      return {
        posts: parsed.data.data.children.map((child) => toPost(child.data)),
        after: parsed.data.data.after,
      };
    },

    async post({ postId, subreddit, commentLimit = DEFAULT_COMMENT_LIMIT, signal }) {
      const id = normalisePostId(postId);
      if (subreddit !== undefined) checkSubreddit(subreddit);
      if (!Number.isInteger(commentLimit) || commentLimit < 0 || commentLimit > 500) {
        throw new TypeError("commentLimit must be 0–500");
      }
      const ctx: RequestContext = { what: `post ${id}`, postId: id, subreddit, signal };
      const body = await get(
        subreddit ? `/r/${subreddit}/comments/${id}` : `/comments/${id}`,
        { sort: "top", depth: "1", limit: String(Math.max(1, commentLimit)) },
        ctx,
      );
      const parsed = commentsResponseSchema.safeParse(body);
      if (!parsed.success) throw shapeFailure(parsed.error, undefined, ctx).error;
      const [postListing, commentListing] = parsed.data;
      const first = postListing.data.children[0];
      if (!first || (subreddit && first.data.subreddit.toLowerCase() !== subreddit.toLowerCase())) {
        throw new RedditError({
          kind: "not-found",
          message: subreddit ? `post ${id} not found in r/${subreddit}` : `post ${id} not found`,
          status: 200,
          retryable: false,
        });
      }
      const comments: RedditComment[] = [];
      for (const child of commentListing.data.children) {
        if (child.kind === "t1") comments.push(toComment(child.data));
      }
      return { post: toPost(first.data), comments: comments.slice(0, commentLimit) };
    },
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** undici says "fetch failed" and puts the useful part (ECONNRESET, "other side closed") in the cause. */
function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? ` (${cause.code})` : "";
    return `${err.message}: ${cause.message}${code}`;
  }
  return err.message;
}
