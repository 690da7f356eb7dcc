import { z } from "zod";
import { formatSchema, themeSchema } from "./formats.ts";
import { objectKeySchema } from "./keys.ts";

const shortText = (max: number) => z.string().max(max);

/** A Reddit-style post header with the title: the first scene of a video. */
export const titleCardSchema = z.object({
  kind: z.literal("title"),
  title: z.string().min(1).max(400),
  subreddit: shortText(64).optional(),
  author: shortText(64).optional(),
  score: z.number().int().optional(),
  comments: z.number().int().nonnegative().optional(),
});

export const commentCardSchema = z.object({
  kind: z.literal("comment"),
  body: z.string().min(1).max(10_000),
  author: shortText(64).optional(),
  score: z.number().int().optional(),
});

/** A page of the post's body text. */
export const textCardSchema = z.object({
  kind: z.literal("text"),
  body: z.string().min(1).max(10_000),
  page: z.object({ index: z.number().int().positive(), total: z.number().int().positive() }).optional(),
});

/** The YouTube thumbnail: always 1280×720 JPEG under 2 MB, whatever the format. */
export const thumbnailCardSchema = z.object({
  kind: z.literal("thumbnail"),
  title: z.string().min(1).max(400),
  subreddit: shortText(64).optional(),
});

/** A generated background (no text), deterministic for its seed. */
export const backgroundCardSchema = z.object({
  kind: z.literal("background"),
  seed: shortText(128),
});

export const cardSpecSchema = z.discriminatedUnion("kind", [
  titleCardSchema,
  commentCardSchema,
  textCardSchema,
  thumbnailCardSchema,
  backgroundCardSchema,
]);
export type CardSpec = z.infer<typeof cardSpecSchema>;

/** POST /v1/cards: every card is rendered at the format's exact canvas size (thumbnail: 1280×720). */
export const cardsRequestSchema = z.object({
  format: formatSchema,
  theme: themeSchema.default("dark"),
  /**
   * Seed of the generated background that every full-frame card (title, comment, text) is drawn
   * over; the `background` card with the same seed is that same image, so scenes do not jump.
   * Absent: a fixed default seed.
   */
  backgroundSeed: shortText(128).optional(),
  /**
   * Draw title, comment and text cards over a transparent canvas (PNG with alpha, only the panel
   * opaque), for a render that lays them over a library background. The thumbnail stays opaque.
   */
  transparent: z.boolean().default(false),
  cards: z.array(cardSpecSchema).min(1).max(64),
});
export type CardsRequest = z.infer<typeof cardsRequestSchema>;
export type CardsRequestInput = z.input<typeof cardsRequestSchema>;

export const renderedCardSchema = z.object({
  /** Content-addressed: images/cache/{sha256}.png (thumbnail: .jpg). */
  key: objectKeySchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
  /** True when the card was already in the cache and nothing was rendered. */
  cached: z.boolean(),
});
export type RenderedCard = z.infer<typeof renderedCardSchema>;

/** Cards come back in the order they were asked for. */
export const cardsResponseSchema = z.object({ cards: z.array(renderedCardSchema) });
export type CardsResponse = z.infer<typeof cardsResponseSchema>;
