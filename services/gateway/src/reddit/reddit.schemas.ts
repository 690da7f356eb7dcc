import { z } from "zod";
import type { RedditComment, RedditPost } from "./reddit.types.ts";

// ---------------------------------------------------------------------------------------------
// Response shapes (https://github.com/reddit-archive/reddit/wiki/JSON). Unknown fields are ignored.

const t3DataSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  subreddit: z.string().min(1),
  title: z.string(),
  selftext: z.string().default(""),
  author: z.string().nullable().default("[deleted]"),
  score: z.number(),
  upvote_ratio: z.number().default(0),
  num_comments: z.number(),
  created_utc: z.number(),
  over_18: z.boolean(),
  stickied: z.boolean().default(false),
  is_self: z.boolean(),
  removed_by_category: z.string().nullish(),
  permalink: z.string().min(1),
  url: z.string().default(""),
  distinguished: z.string().nullish(),
  spoiler: z.boolean().default(false),
  locked: z.boolean().default(false),
});
const t3Schema = z.object({ kind: z.literal("t3"), data: t3DataSchema });

export const postListingSchema = z.object({
  kind: z.literal("Listing"),
  data: z.object({ after: z.string().nullable(), children: z.array(t3Schema) }),
});

/** A reply listing is only looked at as far as "it is a Listing": we keep top-level comments. */
const repliesSchema = z.union([
  z.literal(""),
  z.object({ kind: z.literal("Listing"), data: z.object({ children: z.array(z.object({ kind: z.string() })) }) }),
]);

const t1Schema = z.object({
  kind: z.literal("t1"),
  data: z.object({
    id: z.string().min(1),
    author: z.string().nullable().default("[deleted]"),
    body: z.string(),
    score: z.number(),
    stickied: z.boolean().default(false),
    distinguished: z.string().nullish(),
    created_utc: z.number(),
    replies: repliesSchema.optional(),
  }),
});
const moreSchema = z.object({
  kind: z.literal("more"),
  data: z.object({ count: z.number(), id: z.string(), children: z.array(z.string()) }),
});
const commentListingSchema = z.object({
  kind: z.literal("Listing"),
  data: z.object({ children: z.array(z.discriminatedUnion("kind", [t1Schema, moreSchema])) }),
});
export const commentsResponseSchema = z.tuple([postListingSchema, commentListingSchema]);

export const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});

const GONE = new Set(["[deleted]", "[removed]"]);

export function toPost(data: z.infer<typeof t3DataSchema>): RedditPost {
  const author = data.author ?? "[deleted]";
  return {
    id: data.id,
    fullname: data.name,
    subreddit: data.subreddit,
    title: data.title,
    selftext: data.selftext,
    author,
    score: data.score,
    upvoteRatio: data.upvote_ratio,
    numComments: data.num_comments,
    createdUtc: data.created_utc,
    over18: data.over_18,
    stickied: data.stickied,
    isSelf: data.is_self,
    removed: Boolean(data.removed_by_category) || GONE.has(data.selftext) || GONE.has(author),
    permalink: /^https?:\/\//.test(data.permalink) ? data.permalink : `https://www.reddit.com${data.permalink}`,
    url: data.url,
    distinguished: data.distinguished ?? null,
    spoiler: data.spoiler,
    locked: data.locked,
  };
}

export function toComment(data: z.infer<typeof t1Schema>["data"]): RedditComment {
  const author = data.author ?? "[deleted]";
  return {
    id: data.id,
    author,
    body: data.body,
    score: data.score,
    stickied: data.stickied,
    distinguished: data.distinguished ?? null,
    createdUtc: data.created_utc,
    deleted: author === "[deleted]" || data.body === "[deleted]",
    removed: data.body === "[removed]",
  };
}
