import { AppError } from "@video-service/errors";

/** The fields of the Reddit client's RedditError that decide the answer (read by shape, not class). */
interface RedditErrorLike {
  name: string;
  message: string;
  kind: "forbidden" | "not-found" | "rate-limited" | "unavailable" | "auth" | "bad-response";
  status?: number | undefined;
  subreddit?: string | undefined;
}

export function isRedditError(err: unknown): err is RedditErrorLike {
  return err instanceof Error && err.name === "RedditError" && typeof (err as { kind?: unknown }).kind === "string";
}

/**
 * A Reddit failure as the problem our API answers with. A subreddit that is private, quarantined,
 * banned or missing is the caller's mistake (422, naming it); Reddit being down, rate limiting us
 * or answering nonsense is a downstream failure (503/502, never a 500).
 */
export function redditProblem(err: unknown): AppError | undefined {
  if (!isRedditError(err)) return undefined;
  const where = err.subreddit ? `r/${err.subreddit}` : "the post";
  switch (err.kind) {
    case "forbidden":
      return new AppError(
        "validation-failed",
        `${where} is private, quarantined or banned: Reddit refused access (403)`,
        { cause: err, extensions: { subreddit: err.subreddit } },
      );
    case "not-found":
      return new AppError("validation-failed", `${where} does not exist on Reddit (404)`, {
        cause: err,
        extensions: { subreddit: err.subreddit },
      });
    case "rate-limited":
      return new AppError("unavailable", "Reddit is rate limiting this server; try again in a minute", {
        cause: err,
        headers: { "retry-after": "60" },
      });
    case "unavailable":
      return new AppError("unavailable", `Reddit is unavailable: ${err.message}`, {
        cause: err,
        headers: { "retry-after": "30" },
      });
    case "auth":
      return new AppError("bad-gateway", "Reddit refused this server's credentials (check REDDIT_CLIENT_ID/SECRET)", {
        cause: err,
      });
    default:
      return new AppError("bad-gateway", `Reddit answered something unexpected: ${err.message}`, { cause: err });
  }
}

/** Rethrows a Reddit failure as its problem; anything else unchanged. */
export function asRedditProblem(err: unknown): unknown {
  return redditProblem(err) ?? err;
}
