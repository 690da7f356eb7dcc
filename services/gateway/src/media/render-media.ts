import { createHash } from "node:crypto";
import {
  FORMATS,
  type Format,
  type MediaItem,
  type RenderBackground,
  variantForCanvas,
} from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { VideoRequest } from "../jobs/video-request.types.ts";
import { findBackground, GENERATED_BACKGROUND, type MediaCredit } from "./media-choice.ts";
import type { MediaLibrary } from "./media-library.store.ts";

/** A library item the job names has gone since the job was created: a 422, retrying cannot help. */
const mediaGone = (detail: string) => new AppError("validation-failed", detail);

/** What the library gives one render: the background and music keys, and the credits to show. */
export interface RenderMedia {
  background?: RenderBackground;
  music?: { audioKey: string; volume: number };
  credits: MediaCredit[];
}

/** True when the request's background is a library item (its cards are then drawn transparent). */
export function usesLibraryBackground(request: VideoRequest): boolean {
  const background = request.style.background;
  return background !== undefined && background !== GENERATED_BACKGROUND;
}

/**
 * Where in a clip the video starts: a whole second (the clip has a keyframe every second, so the
 * seek decodes nothing twice) chosen from the job id, so a retry renders the same segment. Zero
 * when the clip is not longer than the video (it loops).
 */
export function segmentStart(jobId: string, clipSeconds: number, videoSeconds: number): number {
  const room = Math.floor(clipSeconds - videoSeconds);
  if (room < 1) return 0;
  const fraction = createHash("sha256").update(jobId).digest().readUInt32LE(0) / 2 ** 32;
  return Math.floor(fraction * (room + 1));
}

function fileFor(item: MediaItem, variant: string): string {
  const file = item.files.find((candidate) => candidate.variant === variant);
  if (!file) throw mediaGone(`${item.kind} ${item.name} has no ${variant} file; upload it again`);
  return file.key;
}

/** Looks up the library items a (resolved) request uses. */
export async function renderMediaFor(options: {
  library: MediaLibrary;
  request: VideoRequest;
  format: Format;
  jobId: string;
  videoSeconds: number;
}): Promise<RenderMedia> {
  const { library, request, format, jobId, videoSeconds } = options;
  const credits: MediaCredit[] = [];
  const result: RenderMedia = { credits };
  if (usesLibraryBackground(request)) {
    const name = request.style.background as string;
    const item = await findBackground(library, name);
    if (!item) throw mediaGone(`the background ${name} was deleted from the media library`);
    const spec = FORMATS[format];
    const key = fileFor(item, variantForCanvas(spec.width, spec.height));
    const isVideo = item.kind === "background-video";
    result.background = {
      kind: isVideo ? "video" : "image",
      key,
      startSeconds: isVideo ? segmentStart(jobId, item.durationSeconds, videoSeconds) : 0,
      dim: request.style.backgroundDim ?? 0,
      blur: request.style.backgroundBlur ?? 0,
    };
    credits.push({ kind: item.kind, name: item.name, credit: item.credit });
  }
  if (request.music?.name !== undefined) {
    const item = await library.get("music", request.music.name);
    if (!item) throw mediaGone(`the music ${request.music.name} was deleted from the media library`);
    result.music = { audioKey: fileFor(item, "audio"), volume: request.music.volume };
    credits.push({ kind: item.kind, name: item.name, credit: item.credit });
  } else if (request.music?.key !== undefined) {
    result.music = { audioKey: request.music.key, volume: request.music.volume };
  }
  return result;
}
