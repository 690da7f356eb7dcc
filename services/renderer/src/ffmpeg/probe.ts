import type { MediaInfo } from "@video-service/contracts";
import { ffprobeRaw } from "./ffmpeg.runner.ts";

function numberOf(value: unknown): number {
  const parsed = typeof value === "number" ? value : Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

function stringOf(value: unknown): string {
  return typeof value === "string" && value !== "N/A" ? value : "";
}

/** "30000/1001" → 29.97; "0/0" or garbage → 0. */
export function parseFrameRate(value: unknown): number {
  const match = stringOf(value).match(/^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/);
  if (!match) return 0;
  const numerator = Number(match[1]);
  const denominator = match[2] === undefined ? 1 : Number(match[2]);
  return denominator > 0 ? Math.round((numerator / denominator) * 1000) / 1000 : 0;
}

/**
 * Probes a media file into our MediaInfo: codec names as ffprobe spells them, missing numbers as 0,
 * attached pictures (cover art) ignored. Used to validate every render before upload, and by speech.
 */
export async function probe(filePath: string): Promise<MediaInfo> {
  const raw = await ffprobeRaw(filePath);
  const video = raw.streams.find((stream) => {
    const disposition = stream.disposition as Record<string, unknown> | undefined;
    return stream.codec_type === "video" && numberOf(disposition?.attached_pic) === 0;
  });
  const audio = raw.streams.find((stream) => stream.codec_type === "audio");
  return {
    durationSeconds: numberOf(raw.format.duration),
    sizeBytes: Math.round(numberOf(raw.format.size)),
    video: {
      codec: stringOf(video?.codec_name),
      pixelFormat: stringOf(video?.pix_fmt),
      colorRange: stringOf(video?.color_range),
      width: Math.round(numberOf(video?.width)),
      height: Math.round(numberOf(video?.height)),
      fps: parseFrameRate(video?.avg_frame_rate) || parseFrameRate(video?.r_frame_rate),
    },
    audio: audio
      ? {
          codec: stringOf(audio.codec_name),
          sampleRate: Math.round(numberOf(audio.sample_rate)),
          channels: Math.round(numberOf(audio.channels)),
        }
      : null,
  };
}
