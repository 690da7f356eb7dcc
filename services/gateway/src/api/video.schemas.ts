import { z } from "@hono/zod-openapi";
import {
  formatSchema,
  jobIdSchema,
  mediaNameSchema,
  objectKeySchema,
  RANDOM_MEDIA,
  themeSchema,
  voiceSchema,
} from "@video-service/contracts";
import { JOB_STATUSES, type JobError, STAGE_NAMES, STAGE_STATUSES, type StageState } from "../jobs/job.types.ts";
import type { VideoRequest } from "../jobs/video-request.types.ts";
import { GENERATED_BACKGROUND } from "../media/media-choice.ts";
import { SOURCE_TYPES } from "../sources/index.ts";
import { plainText, singleLineText } from "./text.schemas.ts";

/** The story as text: a title, an optional body and optional comments, narrated in that order. */
export const textSourceSchema = z
  .object({
    type: z.literal("text"),
    title: singleLineText().trim().min(1).max(300),
    body: plainText().trim().min(1).max(40_000).optional(),
    comments: z
      .array(
        z.object({
          author: singleLineText().trim().min(1).max(64).optional(),
          body: plainText().trim().min(1).max(10_000),
        }),
      )
      .max(50)
      .default([]),
  })
  .openapi("TextSource");

/**
 * A Reddit post and its top comments: the post given by `postId`, or the best unused trend of the
 * subreddits (several joined with "+", as Reddit writes them), chosen when the job is created.
 */
export const redditSourceSchema = z
  .object({
    type: z.literal("reddit"),
    subreddit: z
      .string()
      .trim()
      .regex(
        /^(r\/)?[A-Za-z0-9_]{2,21}(\+[A-Za-z0-9_]{2,21}){0,9}$/,
        'must be a subreddit name, or up to 10 joined with "+" (tifu+AmItheAsshole)',
      )
      .openapi({ example: "tifu" }),
    postId: z
      .string()
      .regex(/^[a-z0-9]{4,10}$/, "must be a Reddit post id (base 36, without t3_)")
      .optional()
      .openapi({ description: "Make this post; without it, the best unused trend of the subreddits" }),
    window: z.enum(["hour", "day", "week"]).default("day"),
    maxComments: z.number().int().min(0).max(30).default(8),
    nsfw: z.boolean().default(false),
    minScore: z.number().int().min(0).optional(),
    minComments: z.number().int().min(0).optional(),
  })
  .openapi("RedditSource");

/**
 * A discriminated union on `type`: a new source is added as a member. An unknown type gets a
 * message that lists the known ones, not zod's generic "invalid input".
 */
export const sourceSchema = z
  .discriminatedUnion("type", [textSourceSchema, redditSourceSchema], {
    error: () => `source.type must be one of: ${SOURCE_TYPES.join(", ")}`,
  })
  .openapi("Source");
export type SourceSpec = z.infer<typeof sourceSchema>;

/** A library item by name, or "random" (chosen when the job is created). */
const mediaChoiceSchema = z.union([z.literal(RANDOM_MEDIA), mediaNameSchema]);

export const styleSchema = z
  .object({
    theme: themeSchema.default("dark"),
    captions: z.enum(["word", "sentence", "none"]).default("word"),
    background: z
      .union([z.literal(GENERATED_BACKGROUND), mediaChoiceSchema])
      .optional()
      .openapi({
        description:
          'A background from the media library: a background-video or background-image by name, "random" (any ' +
          'uploaded background; the generated one when there is none), or "generated" (the default: a blurred ' +
          "backdrop drawn for the story). The name chosen is written into the stored request.",
        example: "ocean-waves",
      }),
    backgroundDim: z
      .number()
      .min(0)
      .max(0.9)
      .optional()
      .openapi({ description: "Darken a library background: 0 (default) keeps it, 0.5 halves its brightness" }),
    backgroundBlur: z
      .number()
      .min(0)
      .max(60)
      .optional()
      .openapi({ description: "Blur a library background, radius in pixels (default 0)" }),
  })
  .openapi("Style");

export const musicRequestSchema = z
  .object({
    /** A music item of the library by name, or "random" (none uploaded: no music). */
    name: mediaChoiceSchema.optional(),
    /** An object already in storage (for example music/calm.mp3); no credit line is known for it. */
    key: objectKeySchema.optional(),
    volume: z.number().min(0).max(1).default(0.2),
  })
  .refine((music) => (music.name === undefined) !== (music.key === undefined), {
    message: 'give music.name (a library item or "random") or music.key, not both',
  })
  .openapi("Music");

/** Overrides of the upload's metadata; what is not given comes from the story (see src/youtube/video-metadata.ts). */
export const youtubePublishSchema = z
  .object({
    // Unverified API projects can only upload private videos (README, YouTube).
    privacy: z.enum(["private", "unlisted", "public"]).default("private"),
    // Scheduled publication: the video stays private until then (YouTube only accepts it on private videos).
    publishAt: z.iso.datetime({ offset: true }).optional(),
    title: singleLineText().trim().min(1).max(100).optional(),
    description: plainText().max(5000).optional(),
    tags: z.array(singleLineText().trim().min(1).max(100)).max(30).optional(),
    // YouTube video category id; default YOUTUBE_CATEGORY_ID (24, Entertainment).
    categoryId: z
      .string()
      .regex(/^\d{1,3}$/)
      .optional(),
    madeForKids: z.boolean().default(false),
    notifySubscribers: z.boolean().default(true),
  })
  .superRefine((value, ctx) => {
    if (value.publishAt === undefined) return;
    if (value.privacy !== "private") {
      ctx.addIssue({ code: "custom", path: ["publishAt"], message: 'publishAt needs privacy "private" (the default)' });
    }
    if (Date.parse(value.publishAt) <= Date.now()) {
      ctx.addIssue({ code: "custom", path: ["publishAt"], message: "publishAt must be in the future" });
    }
  });

export const publishSchema = z.object({ youtube: youtubePublishSchema }).openapi("Publish");

/** A webhook URL: http(s), no credentials; its address is checked against the server's policy at POST and at delivery. */
const webhookUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
  .max(2048)
  .refine((raw) => {
    // Refinements run even when the URL check failed: an unparsable URL is reported by that check.
    if (!URL.canParse(raw)) return true;
    const url = new URL(raw);
    return url.username === "" && url.password === "";
  }, "must not contain credentials (user:password@); put a token in the path or rely on the signature");

export const createVideoRequestSchema = z
  .object({
    source: sourceSchema,
    format: formatSchema,
    voice: voiceSchema.optional(),
    style: styleSchema.default({ theme: "dark", captions: "word" }),
    music: musicRequestSchema.optional(),
    publish: publishSchema.optional(),
    webhook: z.object({ url: webhookUrl }).optional(),
    render: z
      .object({
        /** Chunks rendered side by side on the renderer tasks; 1 renders in one piece. Default: the service decides. */
        chunks: z.number().int().min(1).max(64).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi("CreateVideoRequest", {
    example: {
      source: {
        type: "text",
        title: "TIL octopuses have three hearts",
        body: "Two pump blood to the gills, one to the rest of the body.",
        comments: [{ author: "marine_bio", body: "And their blood is blue." }],
      },
      format: "short",
      style: { theme: "dark", captions: "word" },
    },
  });
export type CreateVideoRequest = z.infer<typeof createVideoRequestSchema>;
// Every request the API accepts is a request the pipeline can run (the domain's VideoRequest).
const requestFitsDomain: CreateVideoRequest extends VideoRequest ? true : false = true;
void requestFitsDomain;

export const jobStatusSchema = z.enum(JOB_STATUSES);
export const stageNameSchema = z.enum(STAGE_NAMES);

export const stageStateSchema = z.object({
  status: z.enum(STAGE_STATUSES),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.number().int(),
});
// The API shows the domain's stage state and error as they are: the schemas must not drift from them.
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const stageStateMatches: SameShape<z.infer<typeof stageStateSchema>, StageState> = true;

export const jobErrorSchema = z
  .object({
    stage: stageNameSchema.nullable(),
    title: z.string(),
    detail: z.string(),
    retryable: z.boolean(),
  })
  .openapi("JobError");
const jobErrorMatches: SameShape<z.infer<typeof jobErrorSchema>, JobError> = true;
void stageStateMatches;
void jobErrorMatches;

const signedObjectSchema = z.object({
  key: z.string(),
  /** Signed, expiring download URL. */
  url: z.string(),
});

export const videoOutputsSchema = z
  .object({
    video: signedObjectSchema.extend({
      durationSeconds: z.number(),
      sizeBytes: z.number().int(),
      width: z.number().int(),
      height: z.number().int(),
    }),
    thumbnail: signedObjectSchema.optional(),
    metadata: signedObjectSchema.optional(),
    youtube: z.object({ videoId: z.string(), url: z.string() }).optional(),
    narration: z
      .object({
        engine: z.string(),
        voice: z.string(),
        engines: z
          .array(z.string())
          .optional()
          .openapi({ description: "Polly engines used (generative, long-form, neural, standard)" }),
        billedCharacters: z.number().int().optional().openapi({ description: "Characters Polly billed" }),
        estimatedCostUsd: z
          .number()
          .optional()
          .openapi({ description: "billedCharacters at Polly's list price per engine (README, Polly)" }),
      })
      .optional(),
  })
  .openapi("VideoOutputs");

// Schemas of @video-service/contracts are plain zod (no .openapi()); the path parameter's name comes from the key.
export const videoIdParamSchema = z.object({ id: jobIdSchema });

export const webhookDeliverySchema = z
  .object({
    id: z.string().openapi({ description: "the webhook-id header, the same on every attempt" }),
    type: z.string(),
    state: z.enum(["pending", "delivered", "failed", "abandoned"]).openapi({
      description:
        "pending: waiting in the delivery queue for its next attempt (restarts do not lose it); " +
        "abandoned: only on deliveries recorded by versions that retried in process",
    }),
    attempts: z.array(
      z.object({
        at: z.string(),
        durationMs: z.number(),
        status: z.number().int().optional(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi("WebhookDelivery");

export const videoJobSchema = z
  .object({
    id: z.string(),
    status: jobStatusSchema,
    stage: stageNameSchema.nullable(),
    progress: z.number().min(0).max(1),
    stages: z.record(stageNameSchema, stageStateSchema),
    error: jobErrorSchema.optional().openapi({
      description:
        "Why the job failed (status failed), or why it waits (status queued: a dependency is down, the upload " +
        "budget is spent). Never an earlier attempt's failure: that is lastError.",
    }),
    lastError: jobErrorSchema.optional().openapi({
      description:
        "The failure of the attempt before the current one, kept when the job was retried (automatically after a " +
        "transient failure, or by POST /v1/videos/{id}/retry). History only: status tells how the job is now.",
    }),
    outputs: videoOutputsSchema.optional(),
    webhooks: z.array(webhookDeliverySchema).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    request: createVideoRequestSchema,
    links: z.object({ self: z.string(), events: z.string() }),
  })
  .openapi("Video");

export const acceptedVideoSchema = z
  .object({
    id: z.string(),
    status: jobStatusSchema,
    links: z.object({ self: z.string(), events: z.string() }),
  })
  .openapi("VideoAccepted");

export const listVideosQuerySchema = z.object({
  status: jobStatusSchema.optional().openapi({ param: { name: "status", in: "query" } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: "limit", in: "query" } }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "nextCursor of the previous page" }),
});

export const videoListSchema = z
  .object({ data: z.array(videoJobSchema), nextCursor: z.string().nullable() })
  .openapi("VideoList");

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");
