import { z } from "zod";
import { isValidObjectKey, objectKeySchema } from "./keys.ts";

/** What the media library holds. */
export const MEDIA_KINDS = ["background-video", "background-image", "music"] as const;
export const mediaKindSchema = z.enum(MEDIA_KINDS);
export type MediaKind = z.infer<typeof mediaKindSchema>;

/** Chooses an item of the library at random when a job is created. Reserved: no item may be called this. */
export const RANDOM_MEDIA = "random";

/**
 * A media item's name: a lowercase slug, so it is one safe segment of an object key and of a URL.
 * No dots, slashes or backslashes: nothing in it can walk a path.
 */
export const mediaNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    "must be 1-64 characters of a-z, 0-9, '-' and '_', starting with a letter or digit",
  )
  .refine((name) => name !== RANDOM_MEDIA, { message: `"${RANDOM_MEDIA}" is reserved (it picks an item at random)` });

/** The canvas a normalised background is stored at: portrait for shorts, landscape for the others. */
export const mediaVariantSchema = z.enum(["portrait", "landscape"]);
export type MediaVariant = z.infer<typeof mediaVariantSchema>;

/** Where a format's background variant comes from. */
export function variantForCanvas(width: number, height: number): MediaVariant {
  return height > width ? "portrait" : "landscape";
}

/** The storage layout of the library (DESIGN.md's `media/` prefix). */
export const mediaKeys = {
  /** Uploads land here first; ingest reads them and they are always deleted afterwards. */
  upload: (uploadId: string) => `media/uploads/${uploadId}`,
  /** The item's metadata: written last, so an item exists exactly when this object does. */
  metadata: (kind: MediaKind, name: string) => `media/${kind}/${name}/meta.json`,
  /** One prefix per upload of an item: a replaced or failed upload's files go with their version. */
  versionPrefix: (kind: MediaKind, name: string, version: string) => `media/${kind}/${name}/${version}/`,
  itemPrefix: (kind: MediaKind, name: string) => `media/${kind}/${name}/`,
} as const;

/** POST /v1/media/ingest (renderer, internal): probe an uploaded object and normalise it for renders. */
export const mediaIngestRequestSchema = z.object({
  kind: mediaKindSchema,
  /** The raw upload (media/uploads/…). The renderer never deletes it: the caller does. */
  sourceKey: objectKeySchema,
  /** Where the normalised files go (a fresh version prefix ending in "/"). */
  targetPrefix: z.string().refine((prefix) => prefix.endsWith("/") && isValidObjectKey(prefix.slice(0, -1)), {
    message: "must be an object key prefix ending in '/'",
  }),
});
export type MediaIngestRequest = z.infer<typeof mediaIngestRequestSchema>;

export const mediaFileSchema = z.object({
  /** portrait / landscape for backgrounds; "audio" for music. */
  variant: z.enum(["portrait", "landscape", "audio"]),
  key: objectKeySchema,
  bytes: z.number().int().nonnegative(),
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
});
export type MediaFile = z.infer<typeof mediaFileSchema>;

export const mediaIngestResponseSchema = z.object({
  kind: mediaKindSchema,
  /** Seconds; 0 for images. */
  durationSeconds: z.number().nonnegative(),
  /** What ffprobe saw in the upload, for the record. */
  source: z.object({
    formatName: z.string(),
    codec: z.string(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
  }),
  files: z.array(mediaFileSchema).min(1),
});
export type MediaIngestResponse = z.infer<typeof mediaIngestResponseSchema>;

/**
 * POST /v1/media/ingest answers NDJSON once the upload passed ffprobe (what fails before is a
 * problem+json 4xx): progress lines while it is normalised, then exactly one `done` or `error`.
 * A stream, because a long clip can take minutes and a silent connection would time out.
 */
export const mediaIngestEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("progress"), progress: z.number().min(0).max(1) }),
  z.object({ type: z.literal("done"), result: mediaIngestResponseSchema }),
  z.object({
    type: z.literal("error"),
    problem: z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional() }),
  }),
]);
export type MediaIngestEvent = z.infer<typeof mediaIngestEventSchema>;

/** The stored metadata of a library item (media/{kind}/{name}/meta.json). */
export const mediaItemSchema = z.object({
  kind: mediaKindSchema,
  name: z.string(),
  /** The licence or credit line, shown in the description of every video that uses the item. */
  credit: z.string(),
  durationSeconds: z.number().nonnegative(),
  /** Bytes of the upload as received. */
  uploadBytes: z.number().int().nonnegative(),
  /** Bytes of the normalised files together. */
  sizeBytes: z.number().int().nonnegative(),
  version: z.string(),
  files: z.array(mediaFileSchema),
  source: mediaIngestResponseSchema.shape.source,
  createdAt: z.string(),
});
export type MediaItem = z.infer<typeof mediaItemSchema>;
