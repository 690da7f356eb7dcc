import {
  AUDIO_SAMPLE_RATE,
  type FormatSpec,
  type MediaKind,
  type MediaVariant,
  variantForCanvas,
} from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { RawProbe } from "../ffmpeg/ffmpeg.runner.ts";

/**
 * Demuxers an upload may be read with, per kind. Everything else is refused before it is opened:
 * no playlists (hls), concat lists, image sequences (image2), raw devices or network protocols.
 */
export const ALLOWED_DEMUXERS: Readonly<Record<MediaKind, readonly string[]>> = {
  "background-video": ["mov", "matroska"],
  "background-image": ["png_pipe", "jpeg_pipe", "webp_pipe"],
  music: ["mp3", "mov", "ogg", "flac", "wav", "aac", "matroska"],
};

export const INGEST_LIMITS = {
  minSeconds: 1,
  maxVideoSeconds: 300,
  maxMusicSeconds: 900,
  maxDimension: 8192,
} as const;

/** Background videos get a keyframe every second (closed GOPs): a seek decodes at most 29 extra frames. */
export const BACKGROUND_GOP_FRAMES = 30;

export interface Canvas {
  variant: MediaVariant;
  width: number;
  height: number;
  fps: number;
}

/** The distinct canvases of the formats: portrait (short) and landscape (standard, long). */
export function canvasesOf(formats: Readonly<Record<string, FormatSpec>>): Canvas[] {
  const byVariant = new Map<MediaVariant, Canvas>();
  for (const spec of Object.values(formats)) {
    const variant = variantForCanvas(spec.width, spec.height);
    if (!byVariant.has(variant))
      byVariant.set(variant, { variant, width: spec.width, height: spec.height, fps: spec.fps });
  }
  return [...byVariant.values()];
}

/** What ffprobe found that the rest of the ingest needs. */
export interface InspectedUpload {
  demuxer: string;
  formatName: string;
  codec: string;
  durationSeconds: number;
  width?: number | undefined;
  height?: number | undefined;
}

const KIND_WORDS: Readonly<Record<MediaKind, string>> = {
  "background-video": "a video",
  "background-image": "an image",
  music: "audio",
};

function num(value: unknown): number {
  const parsed = typeof value === "number" ? value : Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

function refuse(detail: string): AppError {
  return new AppError("validation-failed", detail);
}

/**
 * Checks a probed upload against its kind: the demuxer on the allow list, a real stream of the
 * right type (cover art is not a video), and the duration and size limits. Throws a 422 that says
 * what was found and what is expected.
 */
export function inspectUpload(raw: RawProbe, kind: MediaKind): InspectedUpload {
  const formatName = String(raw.format.format_name ?? "");
  const demuxer = formatName.split(",")[0] ?? "";
  if (!ALLOWED_DEMUXERS[kind].includes(demuxer)) {
    throw refuse(
      `the upload is ${formatName || "an unknown format"}; ${kind} accepts ${ALLOWED_DEMUXERS[kind].join(", ")}`,
    );
  }
  const isPicture = (stream: Record<string, unknown>) =>
    num((stream.disposition as Record<string, unknown> | undefined)?.attached_pic) === 1;
  const wanted = kind === "music" ? "audio" : "video";
  const stream = raw.streams.find((s) => s.codec_type === wanted && !isPicture(s));
  if (!stream) throw refuse(`the upload has no ${wanted} stream: it is not ${KIND_WORDS[kind]}`);
  const codec = String(stream.codec_name ?? "");
  const durationSeconds = num(raw.format.duration) || num(stream.duration);
  const width = num(stream.width);
  const height = num(stream.height);
  if (kind !== "music") {
    if (width < 16 || height < 16 || width > INGEST_LIMITS.maxDimension || height > INGEST_LIMITS.maxDimension) {
      throw refuse(`the picture is ${width}×${height}; it must be 16 to ${INGEST_LIMITS.maxDimension} pixels each way`);
    }
  }
  if (kind !== "background-image") {
    const max = kind === "music" ? INGEST_LIMITS.maxMusicSeconds : INGEST_LIMITS.maxVideoSeconds;
    if (durationSeconds < INGEST_LIMITS.minSeconds || durationSeconds > max) {
      throw refuse(
        `the ${wanted} lasts ${durationSeconds.toFixed(2)} s; ${kind} must last ${INGEST_LIMITS.minSeconds} to ${max} s`,
      );
    }
  }
  return {
    demuxer,
    formatName,
    codec,
    durationSeconds: kind === "background-image" ? 0 : durationSeconds,
    ...(kind === "music" ? {} : { width, height }),
  };
}

export interface NormaliseOutput {
  variant: MediaVariant | "audio";
  path: string;
  fileName: string;
  width?: number;
  height?: number;
}

/** Scales to cover the canvas and crops the middle: no bars, whatever the upload's shape. */
function coverChain(canvas: Canvas): string {
  return (
    `scale=${canvas.width}:${canvas.height}:force_original_aspect_ratio=increase:out_color_matrix=bt709:out_range=tv,` +
    `crop=${canvas.width}:${canvas.height},setsar=1`
  );
}

/**
 * The one FFmpeg run that turns an upload into what renders read. Pure: the same input gives the
 * same arguments. The demuxer is forced and the same allow lists apply as for ffprobe.
 *
 * - background video → per canvas, H.264 yuv420p (BT.709 limited range), 30 fps, no audio,
 *   closed GOPs of 30 frames, +faststart: a render seeks to any second and decodes it once.
 * - background image → per canvas, PNG (covering crop).
 * - music → AAC 48 kHz stereo in MP4 (.m4a), the first audio stream only.
 */
export function buildNormaliseCommand(options: {
  kind: MediaKind;
  inputPath: string;
  demuxer: string;
  canvases: readonly Canvas[];
  workDir: string;
}): { args: string[]; outputs: NormaliseOutput[] } {
  const { kind, inputPath, demuxer, canvases, workDir } = options;
  const args = [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-y",
    "-progress",
    "pipe:1",
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    ALLOWED_DEMUXERS[kind].join(","),
    "-f",
    demuxer,
    "-i",
    inputPath,
  ];
  const outputs: NormaliseOutput[] = [];
  if (kind === "music") {
    const path = `${workDir}/music.m4a`;
    args.push(
      ...["-map", "0:a:0", "-vn", "-sn", "-dn", "-c:a", "aac", "-b:a", "192k", "-ar", String(AUDIO_SAMPLE_RATE)],
      ...["-ac", "2", "-movflags", "+faststart", path],
    );
    outputs.push({ variant: "audio", path, fileName: "music.m4a" });
    return { args, outputs };
  }
  const labels = canvases.map((canvas) => `[${canvas.variant}]`);
  const split = canvases.length > 1 ? `split=${canvases.length}${labels.join("")}` : `null${labels[0]}`;
  const chains = canvases.map((canvas) =>
    kind === "background-video"
      ? `[${canvas.variant}]${coverChain(canvas)},format=yuv420p[${canvas.variant}out]`
      : `[${canvas.variant}]${coverChain(canvas)},format=rgb24[${canvas.variant}out]`,
  );
  const fps = canvases[0]?.fps ?? 30;
  const head = kind === "background-video" ? `[0:v:0]fps=${fps},${split}` : `[0:v:0]${split}`;
  args.push("-filter_complex", [head, ...chains].join(";"));
  for (const canvas of canvases) {
    const extension = kind === "background-video" ? "mp4" : "png";
    const fileName = `${canvas.variant}.${extension}`;
    const path = `${workDir}/${fileName}`;
    args.push("-map", `[${canvas.variant}out]`, "-an", "-sn", "-dn");
    if (kind === "background-video") {
      args.push(
        ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-r", String(canvas.fps)],
        ...["-g", String(BACKGROUND_GOP_FRAMES), "-keyint_min", String(BACKGROUND_GOP_FRAMES), "-sc_threshold", "0"],
        ...["-flags", "+cgop", "-pix_fmt", "yuv420p", "-color_range", "tv", "-colorspace", "bt709"],
        ...["-color_primaries", "bt709", "-color_trc", "bt709", "-movflags", "+faststart", path],
      );
    } else {
      args.push("-frames:v", "1", "-update", "1", "-c:v", "png", path);
    }
    outputs.push({ variant: canvas.variant, path, fileName, width: canvas.width, height: canvas.height });
  }
  return { args, outputs };
}
