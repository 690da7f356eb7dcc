import { z } from "zod";

/**
 * Object keys are relative, slash-separated paths of safe segments. No `..`, no absolute paths,
 * no empty segments, no backslashes: the same key must be valid on S3 and under a local directory.
 */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isValidObjectKey(key: string): boolean {
  if (key.length === 0 || key.length > 512) return false;
  return key.split("/").every((segment) => SEGMENT.test(segment) && segment !== "." && segment !== "..");
}

export const objectKeySchema = z
  .string()
  .refine(isValidObjectKey, { message: "must be a relative object key of [A-Za-z0-9._-] segments, without '..'" });

/** Job ids appear in object keys and URLs. */
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, "must be 6-64 characters of [A-Za-z0-9_-]");

/** The storage layout of DESIGN.md, in one place. */
export const storageKeys = {
  video: (format: string, jobId: string) => `videos/${format}/${jobId}.mp4`,
  videoMetadata: (format: string, jobId: string) => `videos/${format}/${jobId}.json`,
  videoThumbnail: (format: string, jobId: string) => `videos/${format}/${jobId}.jpg`,
  cachedImage: (sha256: string, ext: "png" | "jpg") => `images/cache/${sha256}.${ext}`,
  tempImagePrefix: (jobId: string) => `images/temp/${jobId}/`,
  tempAudioPrefix: (jobId: string) => `audio/temp/${jobId}/`,
  tempAudio: (jobId: string, name: string) => `audio/temp/${jobId}/${name}`,
  /** The parts of a chunked render (video chunks, audio, the timeline they share), kept until the job ends. */
  tempRenderPrefix: (jobId: string) => `videos/temp/${jobId}/`,
} as const;
