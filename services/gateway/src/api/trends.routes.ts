import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "@video-service/errors";
import { asRedditProblem } from "../trends/reddit-problems.ts";
import { parseSubreddits, TREND_SORTS, TREND_WINDOWS } from "../trends/trends.service.ts";
import type { ApiDeps } from "./api.types.ts";
import type { ApiKeyVariables } from "./api-key.middleware.ts";
import { security } from "./video.openapi.ts";
import { problemSchema } from "./video.schemas.ts";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});

const booleanQuery = z
  .enum(["true", "false"])
  .transform((value) => value === "true")
  .optional();

export const trendsQuerySchema = z.object({
  subreddits: z
    .string()
    .min(2)
    .max(250)
    .openapi({
      param: { name: "subreddits", in: "query" },
      description: 'Subreddit names separated by "," or "+"',
      example: "tifu,AmItheAsshole",
    }),
  window: z
    .enum(TREND_WINDOWS)
    .default("day")
    .openapi({ param: { name: "window", in: "query" }, description: "The window of `top`, and the oldest post kept" }),
  sort: z
    .enum(TREND_SORTS)
    .optional()
    .openapi({
      param: { name: "sort", in: "query" },
      description: "One listing; by default hot, rising and top merged",
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(25)
    .openapi({ param: { name: "limit", in: "query" } }),
  nsfw: booleanQuery.openapi({ param: { name: "nsfw", in: "query" }, description: "Include NSFW posts (false)" }),
  minScore: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ param: { name: "minScore", in: "query" } }),
  minComments: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ param: { name: "minComments", in: "query" } }),
});

export const trendCandidateSchema = z
  .object({
    id: z.string(),
    fullname: z.string(),
    subreddit: z.string(),
    title: z.string(),
    author: z.string(),
    score: z.number().int(),
    numComments: z.number().int(),
    ageHours: z.number(),
    trendScore: z.number().openapi({ description: "(score + 2·comments) / (ageHours + 2)^1.5" }),
    permalink: z.string(),
    used: z.boolean().openapi({ description: "Already made into a video (skipped when a post is picked)" }),
    over18: z.boolean(),
  })
  .openapi("TrendCandidate");

export const trendsRoute = createRoute({
  method: "get",
  path: "/v1/trends",
  tags: ["trends"],
  summary: "Ranked candidate Reddit posts",
  description:
    "Reads hot, rising and top (of the window) of each subreddit, drops stickied, removed, NSFW (unless " +
    "`nsfw=true`), link-only posts and posts under the minimums, de-duplicates, and ranks by the trend score " +
    "`(score + 2·comments) / (ageHours + 2)^1.5`. Posts already made into a video are marked `used`.",
  security,
  request: { query: trendsQuerySchema },
  responses: {
    200: {
      description: "Candidates, best first",
      content: { "application/json": { schema: z.object({ data: z.array(trendCandidateSchema) }) } },
    },
    401: problem("Missing or invalid API key"),
    422: problem("Invalid query, or a subreddit that is private, banned or missing"),
    502: problem("Reddit answered with an error"),
    503: problem("Reddit is unavailable or rate limiting this server"),
  },
});

/** GET /v1/trends. */
export function registerTrendRoutes(app: OpenAPIHono<{ Variables: ApiKeyVariables }>, deps: ApiDeps): void {
  app.openapi(trendsRoute, async (c) => {
    const query = c.req.valid("query");
    if (!deps.reddit) throw new AppError("unavailable", "Reddit is not configured on this server");
    let subreddits: string[];
    try {
      subreddits = parseSubreddits(query.subreddits);
    } catch (err) {
      const message = (err as Error).message;
      throw new AppError("validation-failed", `query.subreddits: ${message}`, {
        extensions: { errors: [{ path: "query.subreddits", message }] },
      });
    }
    const data = await deps.reddit.trends
      .candidates({
        subreddits,
        sort: query.sort,
        window: query.window,
        limit: query.limit,
        filters: {
          nsfw: query.nsfw ?? false,
          ...(query.minScore === undefined ? {} : { minScore: query.minScore }),
          ...(query.minComments === undefined ? {} : { minComments: query.minComments }),
        },
        signal: c.req.raw.signal,
      })
      .catch((err: unknown) => {
        throw asRedditProblem(err);
      });
    return c.json({ data }, 200);
  });
}
