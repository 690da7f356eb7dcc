import type { RedditPost } from "../reddit/reddit.types.ts";

/** The post fields the trend score and the filters read: a subset of the Reddit client's RedditPost. */
export type TrendPostFields = Pick<
  RedditPost,
  | "id"
  | "fullname"
  | "subreddit"
  | "title"
  | "selftext"
  | "author"
  | "score"
  | "numComments"
  | "createdUtc"
  | "over18"
  | "stickied"
  | "isSelf"
  | "removed"
  | "permalink"
>;

/** Hours added to a post's age, so a post of a few minutes does not divide by ~0. */
export const TREND_AGE_OFFSET_HOURS = 2;
/** How fast age wears the score down (Hacker News uses 1.8; 1.5 is gentler, suiting a day's window). */
export const TREND_GRAVITY = 1.5;
/** A comment weighs twice a vote: stories that make people talk narrate better than image posts. */
export const TREND_COMMENT_WEIGHT = 2;

/**
 * The trend score: engagement per unit of age, with a gravity exponent.
 *
 *     trendScore = (score + 2 · comments) / (ageHours + 2) ^ 1.5
 *
 * Why this shape: Reddit's own `hot` rank is log(votes) + age, which is meant for one listing and
 * cannot be compared across subreddits or listings. Votes and comments *per hour* can, and the
 * exponent above 1 makes a post that is gaining fast now beat one that gathered more votes over a
 * day (we want what is trending, not what was). Comments count double because a story with a
 * discussion gives us comments to narrate. The +2 hours keeps brand-new posts (a handful of votes
 * in ten minutes) from topping the list on noise. Negative scores count as 0.
 */
export function trendScore(post: Pick<TrendPostFields, "score" | "numComments" | "createdUtc">, nowMs: number): number {
  const ageHours = postAgeHours(post, nowMs);
  const engagement = Math.max(0, post.score) + TREND_COMMENT_WEIGHT * Math.max(0, post.numComments);
  return engagement / (ageHours + TREND_AGE_OFFSET_HOURS) ** TREND_GRAVITY;
}

/** Age in hours, never negative (clocks differ a little). */
export function postAgeHours(post: Pick<TrendPostFields, "createdUtc">, nowMs: number): number {
  return Math.max(0, nowMs / 1000 - post.createdUtc) / 3600;
}
