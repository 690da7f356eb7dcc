import { z } from "zod";
import { objectKeySchema } from "./keys.ts";

/** One spoken word and when it is heard, seconds from the start of its clip. */
export const wordTimingSchema = z.object({
  text: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
});
export type WordTiming = z.infer<typeof wordTimingSchema>;

/** Engine-specific voice name, e.g. "en-us" (or "en-us+f3") for espeak-ng or "Joanna" for Polly. */
export const voiceNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_+-]+$/);

export const voiceSchema = z.object({
  engine: z.enum(["espeak", "polly"]).default("espeak"),
  /** Engine-specific voice name, e.g. "en-us" for espeak-ng or "Joanna" for Polly. */
  voice: voiceNameSchema.default("en-us"),
  /** Words per minute; espeak-ng's default is 175. */
  rate: z.number().int().min(80).max(450).default(175),
});
export type Voice = z.infer<typeof voiceSchema>;

/** POST /v1/speech */
export const speechRequestSchema = z.object({
  text: z.string().trim().min(1).max(6000),
  voice: voiceSchema.default({ engine: "espeak", voice: "en-us", rate: 175 }),
  /**
   * `text` in runs, each said by its own voice of the same engine (a Japanese sentence in an English
   * story by a Japanese voice): spoken in order into one clip, word timings joined exactly.
   * When given, these are spoken instead of `text` (which should be their concatenation).
   */
  parts: z
    .array(z.object({ text: z.string().trim().min(1).max(6000), voice: voiceNameSchema.optional() }))
    .min(1)
    .max(50)
    .optional(),
  /** Where the audio (16-bit mono WAV at the engine's rate; the render resamples to 48 kHz) is written. */
  outputKey: objectKeySchema,
});
export type SpeechRequest = z.infer<typeof speechRequestSchema>;
export type SpeechRequestInput = z.input<typeof speechRequestSchema>;

/** What a paid engine billed for one speech request. */
export const speechUsageSchema = z.object({
  provider: z.literal("polly"),
  /** The Polly engine the voice was synthesised with: generative, long-form, neural or standard. */
  engine: z.string(),
  /** Characters billed (Polly's RequestCharacters, speech marks and audio requests together). */
  billedCharacters: z.number().int().nonnegative(),
  /** billedCharacters at the engine's list price (see the renderer's README), USD. */
  estimatedCostUsd: z.number().nonnegative(),
});
export type SpeechUsage = z.infer<typeof speechUsageSchema>;

export const speechResponseSchema = z.object({
  key: objectKeySchema,
  durationSeconds: z.number().positive(),
  words: z.array(wordTimingSchema),
  usage: speechUsageSchema.optional(),
});
export type SpeechResponse = z.infer<typeof speechResponseSchema>;

/** One voice a deployment can speak with (GET /v1/voices of the renderer and of the gateway). */
export const voiceInfoSchema = z.object({
  engine: z.enum(["espeak", "polly"]),
  /** What goes into `voice.voice` of a request. */
  id: z.string(),
  name: z.string(),
  /** Main language, BCP 47 as the engine gives it ("en-us", "cmn", "ja-JP"). */
  language: z.string(),
  /** Other languages the voice speaks. */
  otherLanguages: z.array(z.string()).default([]),
  gender: z.enum(["female", "male"]).nullable(),
  /** Polly: the engines the voice supports here, the one used first (most natural first). */
  engines: z.array(z.string()).optional(),
});
export type VoiceInfo = z.infer<typeof voiceInfoSchema>;

export const voiceListSchema = z.object({
  /** The engines this deployment can use. */
  engines: z.array(z.enum(["espeak", "polly"])),
  voices: z.array(voiceInfoSchema),
});
export type VoiceList = z.infer<typeof voiceListSchema>;
