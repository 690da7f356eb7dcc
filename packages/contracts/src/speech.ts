import { z } from "zod";
import { objectKeySchema } from "./keys.ts";

/** One spoken word and when it is heard, seconds from the start of its clip. */
export const wordTimingSchema = z.object({
  text: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
});
export type WordTiming = z.infer<typeof wordTimingSchema>;

export const voiceSchema = z.object({
  engine: z.enum(["espeak", "polly"]).default("espeak"),
  /** Engine-specific voice name, e.g. "en-us" for espeak-ng or "Joanna" for Polly. */
  voice: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_+-]+$/)
    .default("en-us"),
  /** Words per minute; espeak-ng's default is 175. */
  rate: z.number().int().min(80).max(450).default(175),
});
export type Voice = z.infer<typeof voiceSchema>;

/** POST /v1/speech */
export const speechRequestSchema = z.object({
  text: z.string().trim().min(1).max(6000),
  voice: voiceSchema.default({ engine: "espeak", voice: "en-us", rate: 175 }),
  /** Where the audio (16-bit mono WAV at the engine's rate; the render resamples to 48 kHz) is written. */
  outputKey: objectKeySchema,
});
export type SpeechRequest = z.infer<typeof speechRequestSchema>;
export type SpeechRequestInput = z.input<typeof speechRequestSchema>;

export const speechResponseSchema = z.object({
  key: objectKeySchema,
  durationSeconds: z.number().positive(),
  words: z.array(wordTimingSchema),
});
export type SpeechResponse = z.infer<typeof speechResponseSchema>;
