import type { Logger } from "@video-service/logger";
import type { ListingSort, TopWindow } from "../reddit/reddit.types.ts";
import { DEFAULT_TREND_FILTERS, rejectReason, type TrendFilterOptions } from "./filters.ts";
import { postAgeHours, type TrendPostFields, trendScore } from "./trend-score.ts";
import type { UsedPostStore } from "./used-posts.ts";

/** Reddit's listings and `top` windows, as the Reddit client names them. */
export type TrendSort = ListingSort;
export type TrendWindow = TopWindow;
export const TREND_SORTS = ["hot", "rising", "top"] as const satisfies readonly TrendSort[];
export const TREND_WINDOWS = ["hour", "day", "week"] as const satisfies readonly TrendWindow[];

/** The listing call the trends need (RedditClient.listing satisfies it). */
export interface ListingClient {
  listing(options: {
    subreddit: string;
    sort: TrendSort;
    t?: TrendWindow;
    limit?: number;
    signal?: AbortSignal;
  }): Promise<{ posts: TrendPostFields[]; after: string | null }>;
}

export interface TrendQuery {
  subreddits: readonly string[];
  /** One listing; when absent, hot, rising and top of the window are merged. */
  sort?: TrendSort | undefined;
  /** The window of `top` (and the oldest post considered by every listing). */
  window: TrendWindow;
  limit?: number | undefined;
  filters?: Partial<TrendFilterOptions> | undefined;
  signal?: AbortSignal | undefined;
}

export interface TrendCandidate {
  id: string;
  fullname: string;
  subreddit: string;
  title: string;
  author: string;
  score: number;
  numComments: number;
  ageHours: number;
  trendScore: number;
  permalink: string;
  used: boolean;
  over18: boolean;
}

export interface TrendsService {
  /** Ranked candidates, best first; posts already used are included and marked. */
  candidates(query: TrendQuery): Promise<TrendCandidate[]>;
  /**
   * The best unused candidate, claimed for `jobId` in the used-post store (atomically: a
   * concurrent caller gets the next one); undefined when every candidate is used.
   */
  claimBest(query: TrendQuery, jobId: string): Promise<TrendCandidate | undefined>;
}

const WINDOW_HOURS: Readonly<Record<TrendWindow, number>> = { hour: 1, day: 24, week: 168 };
/** Reddit's maximum page size. */
const LISTING_LIMIT = 100;
const SUBREDDIT_NAME = /^[A-Za-z0-9_]{2,21}$/;
export const MAX_SUBREDDITS = 10;

/**
 * "tifu+AmItheAsshole", "tifu,nosleep" or ["tifu", "nosleep"] → the distinct names, in order.
 * Throws a message fit for a 422 when a name is not a subreddit name.
 */
export function parseSubreddits(input: string | readonly string[]): string[] {
  const parts = (typeof input === "string" ? [input] : input)
    .flatMap((item) => item.split(/[+,]/))
    .map((part) => part.trim().replace(/^\/?r\//i, ""))
    .filter((part) => part !== "");
  if (parts.length === 0) throw new Error("name at least one subreddit");
  const bad = parts.find((part) => !SUBREDDIT_NAME.test(part));
  if (bad !== undefined) throw new Error(`"${bad}" is not a subreddit name (letters, digits and _, 2–21 characters)`);
  const seen = new Set<string>();
  const names = parts.filter((part) => {
    const key = part.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (names.length > MAX_SUBREDDITS) throw new Error(`at most ${MAX_SUBREDDITS} subreddits at once`);
  return names;
}

/** Runs `fn` over the items with at most `limit` at once, keeping the order of the results. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function createTrendsService({
  client,
  usedPosts,
  logger,
  now = () => Date.now(),
  concurrency = 4,
}: {
  client: ListingClient;
  usedPosts: UsedPostStore;
  logger: Logger;
  now?: () => number;
  /** Listing requests in flight at once (Reddit allows ~100 a minute per client). */
  concurrency?: number;
}): TrendsService {
  const ranked = async (query: TrendQuery): Promise<TrendCandidate[]> => {
    const filters = { ...DEFAULT_TREND_FILTERS, ...query.filters };
    const sorts: TrendSort[] = query.sort ? [query.sort] : [...TREND_SORTS];
    const calls = query.subreddits.flatMap((subreddit) => sorts.map((sort) => ({ subreddit, sort })));
    const listings = await mapBounded(calls, concurrency, ({ subreddit, sort }) =>
      client.listing({
        subreddit,
        sort,
        ...(sort === "top" ? { t: query.window } : {}),
        limit: LISTING_LIMIT,
        ...(query.signal ? { signal: query.signal } : {}),
      }),
    );
    const nowMs = now();
    const maxAgeHours = WINDOW_HOURS[query.window];
    const byName = new Map<string, TrendPostFields>();
    const rejected: Record<string, number> = {};
    for (const post of listings.flatMap((listing) => listing.posts)) {
      if (byName.has(post.fullname)) continue;
      const reason = postAgeHours(post, nowMs) > maxAgeHours ? "age" : rejectReason(post, filters);
      if (reason) {
        rejected[reason] = (rejected[reason] ?? 0) + 1;
        continue;
      }
      byName.set(post.fullname, post);
    }
    const posts = [...byName.values()];
    const used = await usedPosts.usedAmong(posts.map((post) => post.fullname));
    logger.debug({ subreddits: query.subreddits, sorts, candidates: posts.length, rejected }, "reddit trends");
    return posts
      .map((post) => ({
        id: post.id,
        fullname: post.fullname,
        subreddit: post.subreddit,
        title: post.title,
        author: post.author,
        score: post.score,
        numComments: post.numComments,
        ageHours: round(postAgeHours(post, nowMs), 2),
        trendScore: round(trendScore(post, nowMs), 3),
        permalink: post.permalink,
        used: used.has(post.fullname),
        over18: post.over18,
      }))
      .sort((a, b) => b.trendScore - a.trendScore || b.score - a.score || a.fullname.localeCompare(b.fullname));
  };

  return {
    async candidates(query) {
      const all = await ranked(query);
      return query.limit === undefined ? all : all.slice(0, query.limit);
    },
    async claimBest(query, jobId) {
      for (const candidate of await ranked(query)) {
        if (candidate.used) continue;
        // Lost to a concurrent run (or used since the read): try the next one.
        const claimed = await usedPosts.claim(candidate.fullname, jobId).catch((err: unknown) => {
          // Redis may still run the claim late (a command timeout): the release goes out after it,
          // on the same connection, so the post is not held for a job that will never exist.
          void usedPosts.release(candidate.fullname, jobId).catch(() => undefined);
          throw err;
        });
        if (claimed) return { ...candidate, used: true };
      }
      return undefined;
    },
  };
}
