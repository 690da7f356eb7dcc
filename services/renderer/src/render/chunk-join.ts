import type { FrameRange } from "@video-service/contracts";
import { formatSeconds } from "../ffmpeg/escape.ts";
import type { RenderCommand } from "./build-render-command.ts";

/**
 * Joining a chunked render without re-encoding: the video chunks (MPEG-TS, each a closed GOP
 * starting on an IDR frame) go through FFmpeg's concat demuxer with stream copy, the audio part
 * (AAC, rendered once for the whole video) is muxed beside them, and the MP4 gets `+faststart`.
 */

/** Why the chunks do not tile frames 0..N-1 in order (a gap, an overlap, a wrong start), or undefined. */
export function chunkTilingProblem(chunks: readonly { frames: FrameRange }[]): string | undefined {
  let next = 0;
  for (const [index, chunk] of chunks.entries()) {
    if (chunk.frames.start !== next) {
      return `chunk ${index} starts at frame ${chunk.frames.start}, expected ${next} (chunks must tile the timeline in order)`;
    }
    next += chunk.frames.count;
  }
  return undefined;
}

/** A path in an ffconcat file: single-quoted, a quote written as '\'' (the demuxer's own escaping). */
export function quoteConcatPath(filePath: string): string {
  return `'${filePath.replace(/'/g, "'\\''")}'`;
}

/**
 * The concat demuxer's list. Each file's `duration` is its exact frame count over the frame rate,
 * so every chunk starts exactly where the previous one ended, whatever the TS muxer's start offset.
 */
export function concatList(files: readonly { path: string; frames: number }[], fps: number): string {
  return [
    "ffconcat version 1.0",
    ...files.flatMap((file) => [`file ${quoteConcatPath(file.path)}`, `duration ${formatSeconds(file.frames / fps)}`]),
    "",
  ].join("\n");
}

/** ffmpeg: concat (stream copy) + the audio (stream copy) → one faststart MP4. */
export function buildJoinCommand(options: {
  listPath: string;
  audioPath: string;
  outputPath: string;
  totalFrames: number;
  fps: number;
}): RenderCommand {
  const { listPath, audioPath, outputPath, totalFrames, fps } = options;
  const args = [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-y",
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    listPath,
    "-i",
    audioPath,
    "-map",
    "0:v:0",
    "-map",
    "1:a:0",
    "-c",
    "copy",
    "-movflags",
    "+faststart",
    "-progress",
    "pipe:1",
    outputPath,
  ];
  return { args, filterGraph: "", durationSeconds: totalFrames / fps, totalFrames };
}
