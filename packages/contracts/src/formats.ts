import { z } from "zod";

/** The three video formats. Their encoder settings are the product's spec (DESIGN.md). */
export const formatSchema = z.enum(["short", "standard", "long"]);
export type Format = z.infer<typeof formatSchema>;

export interface FormatSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** x264 preset */
  readonly preset: "faster" | "medium" | "slow";
  readonly crf: number;
  /** AAC bitrate, e.g. "128k" */
  readonly audioBitrate: string;
  /** Target length of the narration, seconds: the script stage fits the story into it. */
  readonly targetSeconds: { readonly min: number; readonly max: number };
  /** Longest video the format may ever produce, seconds. */
  readonly hardCapSeconds: number;
}

export const FORMATS: Readonly<Record<Format, FormatSpec>> = {
  short: {
    width: 1080,
    height: 1920,
    fps: 30,
    preset: "faster",
    crf: 23,
    audioBitrate: "128k",
    targetSeconds: { min: 15, max: 60 },
    // YouTube classifies vertical videos up to 3 minutes as Shorts.
    hardCapSeconds: 180,
  },
  standard: {
    width: 1920,
    height: 1080,
    fps: 30,
    preset: "medium",
    crf: 22,
    audioBitrate: "192k",
    targetSeconds: { min: 60, max: 300 },
    hardCapSeconds: 360,
  },
  long: {
    width: 1920,
    height: 1080,
    fps: 30,
    preset: "slow",
    crf: 20,
    audioBitrate: "256k",
    targetSeconds: { min: 300, max: 900 },
    hardCapSeconds: 1200,
  },
};

/** YouTube's recommended bitrate for 1080p30 caps the CRF so detailed motion cannot balloon a file. */
export const VIDEO_MAXRATE = "8M";
export const VIDEO_BUFSIZE = "16M";
export const AUDIO_SAMPLE_RATE = 48_000;
/** Integrated loudness target for YouTube, LUFS. */
export const LOUDNESS_TARGET_LUFS = -14;

export const themeSchema = z.enum(["light", "dark"]);
export type Theme = z.infer<typeof themeSchema>;
