import { z } from "zod";
import { formatSchema } from "./formats.ts";
import { objectKeySchema } from "./keys.ts";
import { wordTimingSchema } from "./speech.ts";

export const motionSchema = z.enum(["none", "zoom-in", "zoom-out", "pan-left", "pan-right"]);
export type Motion = z.infer<typeof motionSchema>;

export const sceneSchema = z.object({
  imageKey: objectKeySchema,
  /** Seconds the scene is on screen, including the crossfade into the next one. */
  duration: z.number().positive().max(1200),
  motion: motionSchema.default("none"),
});
export type Scene = z.infer<typeof sceneSchema>;

export const narrationClipSchema = z.object({
  audioKey: objectKeySchema,
  /** Seconds from the start of the video. */
  start: z.number().nonnegative(),
});

export const captionsSchema = z.object({
  mode: z.enum(["word", "sentence", "none"]).default("word"),
  /** Word timings in video time (seconds from the start of the video). */
  words: z.array(wordTimingSchema).max(20_000).default([]),
});

export const musicSchema = z.object({
  audioKey: objectKeySchema,
  /** Music level under no speech, 0..1. */
  volume: z.number().min(0).max(1).default(0.25),
  /** Duck the music under speech (sidechain compression keyed by the narration). */
  duck: z.boolean().default(true),
});

/**
 * A library background behind the scenes, already normalised to the format's canvas (30 fps, no
 * audio, short GOP for a video). The scenes' images are then cards with transparency, drawn over it.
 */
export const renderBackgroundSchema = z.object({
  kind: z.enum(["video", "image"]),
  key: objectKeySchema,
  /** Where in the clip the video starts, seconds; the clip loops when it ends before the video. */
  startSeconds: z.number().nonnegative().max(86_400).default(0),
  /** Darkens the background: 0 keeps it, 0.5 halves its brightness. */
  dim: z.number().min(0).max(0.9).default(0),
  /** Gaussian blur radius at the canvas' scale, pixels; 0 keeps it sharp. */
  blur: z.number().min(0).max(60).default(0),
});
export type RenderBackground = z.infer<typeof renderBackgroundSchema>;

/** POST /v1/renders: a timeline that becomes one MP4. */
export const renderRequestSchema = z.object({
  format: formatSchema,
  outputKey: objectKeySchema,
  scenes: z.array(sceneSchema).min(1).max(400),
  /** Crossfade between scenes, seconds; 0 cuts. */
  transitionSeconds: z.number().min(0).max(2).default(0.5),
  narration: z.array(narrationClipSchema).max(400).default([]),
  captions: captionsSchema.default({ mode: "word", words: [] }),
  music: musicSchema.optional(),
  /** Absent: the scenes are full-frame stills (the generated background is drawn into each card). */
  background: renderBackgroundSchema.optional(),
});
export type RenderRequest = z.infer<typeof renderRequestSchema>;
export type RenderRequestInput = z.input<typeof renderRequestSchema>;

export const mediaInfoSchema = z.object({
  durationSeconds: z.number(),
  sizeBytes: z.number().int(),
  video: z.object({
    codec: z.string(),
    pixelFormat: z.string(),
    colorRange: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    fps: z.number(),
  }),
  audio: z.object({ codec: z.string(), sampleRate: z.number().int(), channels: z.number().int() }).nullable(),
});
export type MediaInfo = z.infer<typeof mediaInfoSchema>;

/** The render endpoint streams NDJSON: progress lines, then exactly one `done` or `error` line. */
export const renderEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("progress"), progress: z.number().min(0).max(1), fps: z.number().optional() }),
  z.object({ type: z.literal("done"), key: objectKeySchema, media: mediaInfoSchema, elapsedSeconds: z.number() }),
  z.object({
    type: z.literal("error"),
    problem: z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional() }),
  }),
]);
export type RenderEvent = z.infer<typeof renderEventSchema>;
