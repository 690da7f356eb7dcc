import type { TrendPostFields } from "./trend-score.ts";

export interface TrendFilterOptions {
  /** NSFW posts are left out unless this is true. */
  nsfw: boolean;
  minScore: number;
  minComments: number;
  /** Story formats narrate the post's text: link and image posts without text are left out. */
  requireText: boolean;
}

export const DEFAULT_TREND_FILTERS: TrendFilterOptions = {
  nsfw: false,
  minScore: 0,
  minComments: 0,
  requireText: true,
};

const GONE = new Set(["[deleted]", "[removed]"]);

/** Why a post is not a candidate, or undefined when it is one. */
export function rejectReason(post: TrendPostFields, options: TrendFilterOptions): string | undefined {
  if (post.stickied) return "stickied";
  if (post.removed || GONE.has(post.selftext.trim()) || GONE.has(post.title.trim())) return "removed";
  if (post.author === "[deleted]") return "deleted";
  if (post.over18 && !options.nsfw) return "nsfw";
  if (post.score < options.minScore) return "score";
  if (post.numComments < options.minComments) return "comments";
  if (options.requireText && (!post.isSelf || post.selftext.trim() === "")) return "no-text";
  return undefined;
}
