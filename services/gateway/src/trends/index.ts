export { DEFAULT_TREND_FILTERS, rejectReason, type TrendFilterOptions } from "./filters.ts";
export { asRedditProblem, isRedditError, redditProblem } from "./reddit-problems.ts";
export { postAgeHours, type TrendPostFields, trendScore } from "./trend-score.ts";
export {
  createTrendsService,
  type ListingClient,
  MAX_SUBREDDITS,
  parseSubreddits,
  TREND_SORTS,
  TREND_WINDOWS,
  type TrendCandidate,
  type TrendQuery,
  type TrendSort,
  type TrendsService,
  type TrendWindow,
} from "./trends.service.ts";
export { UsedPostStore } from "./used-posts.ts";

import type { TrendsService } from "./trends.service.ts";
import type { UsedPostStore } from "./used-posts.ts";

/** What the API and job creation need of Reddit. */
export interface RedditApiDeps {
  trends: TrendsService;
  usedPosts: UsedPostStore;
}
