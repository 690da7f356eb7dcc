/** A post (Reddit's `t3` thing), with the fields the gateway uses, in camelCase. */
export interface RedditPost {
  /** Base36 id, without the kind prefix. */
  id: string;
  /** `t3_<id>`: the listing cursor (`after`). */
  fullname: string;
  subreddit: string;
  title: string;
  /** Raw Markdown; "" for link posts and posts without text. */
  selftext: string;
  /** "[deleted]" when the account is gone. */
  author: string;
  score: number;
  upvoteRatio: number;
  numComments: number;
  /** Epoch seconds. */
  createdUtc: number;
  over18: boolean;
  stickied: boolean;
  isSelf: boolean;
  /** Removed by moderators, admins or its author: `removed_by_category` set, or selftext/author "[removed]"/"[deleted]". */
  removed: boolean;
  /** Absolute: https://www.reddit.com/r/<sub>/comments/<id>/<slug>/ */
  permalink: string;
  url: string;
  /** "moderator", "admin" or null. */
  distinguished: string | null;
  spoiler: boolean;
  locked: boolean;
}

/** A top-level comment (Reddit's `t1` thing). */
export interface RedditComment {
  id: string;
  author: string;
  /** Raw Markdown. */
  body: string;
  score: number;
  stickied: boolean;
  distinguished: string | null;
  /** Epoch seconds. */
  createdUtc: number;
  /** Author or body "[deleted]". */
  deleted: boolean;
  /** Body "[removed]" (by moderators or Reddit's filters). */
  removed: boolean;
}

export type ListingSort = "hot" | "rising" | "top";
export type TopWindow = "hour" | "day" | "week";

export type RedditErrorKind = "forbidden" | "not-found" | "rate-limited" | "unavailable" | "auth" | "bad-response";

/** Every failure of the Reddit client: what went wrong, for which subreddit, and whether trying later may help. */
export class RedditError extends Error {
  override readonly name = "RedditError";
  readonly kind: RedditErrorKind;
  /** Reddit's HTTP status, when it answered. */
  readonly status: number | undefined;
  /** The subreddit the failure concerns; unset when a post is not found (its subreddit may exist). */
  readonly subreddit: string | undefined;
  readonly retryable: boolean;
  constructor(o: {
    kind: RedditErrorKind;
    message: string;
    status?: number | undefined;
    subreddit?: string | undefined;
    retryable?: boolean;
    cause?: unknown;
  }) {
    super(o.message, o.cause === undefined ? undefined : { cause: o.cause });
    this.kind = o.kind;
    this.status = o.status;
    this.subreddit = o.subreddit;
    this.retryable = o.retryable ?? (o.kind === "rate-limited" || o.kind === "unavailable");
  }
}
