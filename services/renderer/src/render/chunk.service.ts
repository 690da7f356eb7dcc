import { writeFile } from "node:fs/promises";
import path from "node:path";
import type {
  FormatSpec,
  MediaInfo,
  RenderEvent,
  RenderJoinRequest,
  RenderPartRequest,
} from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { withSpan } from "@video-service/telemetry";
import { countVideoFrames, FFMPEG_PID_FILE } from "../ffmpeg/ffmpeg.runner.ts";
import { probe } from "../ffmpeg/probe.ts";
import type { RenderCommand } from "./build-render-command.ts";
import { buildAudioPartCommand, buildVideoPartCommand, chunkScenes } from "./chunk-command.ts";
import { buildJoinCommand, chunkTilingProblem, concatList } from "./chunk-join.ts";
import {
  checkRenderOutput,
  type PreparedRender,
  type RenderInputKeys,
  RenderOutputError,
  runRenderCommand,
  validateTimeline,
  writeCaptionsFile,
} from "./render.service.ts";

type Done = Extract<RenderEvent, { type: "done" }>;
type Progress = (event: Extract<RenderEvent, { type: "progress" }>) => void;

/**
 * Checks a part request before any work (422 AppError): the timeline as for a whole render, and
 * a frame range inside it that splits no crossfade. Returns the objects the part reads: a video
 * part only the stills of its scenes, the audio part only the narration and music.
 */
export function validatePart(request: RenderPartRequest, spec: FormatSpec): RenderInputKeys {
  validateTimeline(request, spec);
  if (request.part.type === "audio") return { scenes: [], narration: request.narration, music: request.music };
  try {
    const scenes = chunkScenes(request, spec.fps, request.part.frames);
    return {
      scenes: scenes.map((scene) => request.scenes[scene.index] as { imageKey: string }),
      narration: [],
      background: request.background,
    };
  } catch (error) {
    if (error instanceof RangeError) throw new AppError("validation-failed", error.message);
    throw error;
  }
}

/** Checks a join request before any work: the chunks tile the timeline (422 otherwise). */
export function validateJoin(request: RenderJoinRequest): RenderInputKeys {
  const problem = chunkTilingProblem(request.chunks);
  if (problem !== undefined) throw new AppError("validation-failed", problem);
  return {
    // prepareRender resolves keys by role; chunks are read like stills (by key, extension kept).
    scenes: request.chunks.map((chunk) => ({ imageKey: chunk.key })),
    narration: [{ audioKey: request.audioKey }],
  };
}

async function runAndStore(options: {
  command: RenderCommand;
  filterScriptPath?: string;
  outputPath: string;
  outputKey: string;
  contentType: string;
  attributes: Record<string, string | number>;
  /** Why the output may not be stored (empty when it may). */
  check: (media: MediaInfo) => Promise<string[]>;
  store: ObjectStore;
  logger: Logger;
  signal: AbortSignal;
  onProgress: Progress;
}): Promise<Done> {
  const started = performance.now();
  if (options.filterScriptPath !== undefined) {
    await writeFile(options.filterScriptPath, options.command.filterGraph, "utf8");
  }
  await runRenderCommand({
    command: options.command,
    spanAttributes: options.attributes,
    signal: options.signal,
    // Beside the output, in the part's work dir: the start-up sweep finds an orphan FFmpeg there.
    pidFile: path.join(path.dirname(options.outputPath), FFMPEG_PID_FILE),
    onProgress: options.onProgress,
  });
  const media = await withSpan("ffprobe output", {}, () => probe(options.outputPath));
  const problems = await options.check(media);
  if (problems.length > 0) throw new RenderOutputError(problems);
  if (options.signal.aborted) throw options.signal.reason;
  await withSpan("upload output", { "render.size_bytes": media.sizeBytes }, () =>
    options.store.putFile(options.outputKey, options.outputPath, { contentType: options.contentType }),
  );
  const elapsedSeconds = Math.round(((performance.now() - started) / 1000) * 1000) / 1000;
  options.logger.info(
    { outputKey: options.outputKey, ...options.attributes, elapsedSeconds, sizeBytes: media.sizeBytes },
    "render part finished",
  );
  return { type: "done", key: options.outputKey, media, elapsedSeconds };
}

/**
 * Renders one part of a timeline: a video chunk (MPEG-TS, exactly its frames, no audio) or the
 * whole audio (AAC M4A), validated with ffprobe before it is stored at `outputKey`.
 */
export async function executePart(options: {
  request: RenderPartRequest;
  prepared: PreparedRender;
  spec: FormatSpec;
  store: ObjectStore;
  logger: Logger;
  signal: AbortSignal;
  onProgress: Progress;
}): Promise<Done> {
  const { request, prepared, spec } = options;
  const filterScriptPath = path.join(prepared.workDir, "graph.txt");
  const common = {
    store: options.store,
    logger: options.logger,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  if (request.part.type === "audio") {
    const outputPath = path.join(prepared.workDir, "audio.m4a");
    const command = buildAudioPartCommand({
      request,
      inputs: prepared.inputs,
      outputPath,
      filterScriptPath,
      preset: spec,
    });
    return runAndStore({
      ...common,
      command,
      filterScriptPath,
      outputPath,
      outputKey: request.outputKey,
      contentType: "audio/mp4",
      attributes: {
        "render.format": request.format,
        "render.part": "audio",
        "render.video_seconds": command.durationSeconds,
      },
      check: async (media) => audioProblems(media, command.durationSeconds),
    });
  }
  const frames = request.part.frames;
  const assPath = await writeCaptionsFile(request, spec, prepared.workDir);
  const outputPath = path.join(prepared.workDir, "chunk.ts");
  const backgroundPath = prepared.inputs.background;
  const command = buildVideoPartCommand({
    request,
    frames,
    images: prepared.inputs.images,
    assPath,
    // A background video's length decides where the chunk's part of the (looped) clip starts.
    background:
      backgroundPath === undefined
        ? undefined
        : {
            path: backgroundPath,
            clipFrames: request.background?.kind === "video" ? await countVideoFrames(backgroundPath) : 1,
          },
    outputPath,
    filterScriptPath,
    preset: spec,
  });
  return runAndStore({
    ...common,
    command,
    filterScriptPath,
    outputPath,
    outputKey: request.outputKey,
    contentType: "video/mp2t",
    attributes: {
      "render.format": request.format,
      "render.part": "video",
      "render.frame_start": frames.start,
      "render.frames": frames.count,
    },
    check: async (media) => {
      const problems = checkRenderOutput(media, spec, command.durationSeconds, { audio: false });
      const counted = await countVideoFrames(outputPath);
      if (counted !== frames.count) problems.push(`${counted} frames, expected ${frames.count}`);
      return problems;
    },
  });
}

function audioProblems(media: MediaInfo, expectedSeconds: number): string[] {
  const problems: string[] = [];
  if (media.audio?.codec !== "aac") problems.push(`audio codec ${media.audio?.codec ?? "none"}, expected aac`);
  if (media.audio && media.audio.sampleRate !== 48_000)
    problems.push(`sample rate ${media.audio.sampleRate}, expected 48000`);
  if (Math.abs(media.durationSeconds - expectedSeconds) > 0.2) {
    problems.push(`duration ${media.durationSeconds} s, expected ${expectedSeconds} s`);
  }
  return problems;
}

/**
 * Joins the stored chunks and audio into the final MP4 at `outputKey`: concat with stream copy,
 * audio muxed, +faststart; ffprobe must show the whole video's spec, and the frame count must be
 * the sum of the chunks'.
 */
export async function executeJoin(options: {
  request: RenderJoinRequest;
  prepared: PreparedRender;
  spec: FormatSpec;
  store: ObjectStore;
  logger: Logger;
  signal: AbortSignal;
  onProgress: Progress;
}): Promise<Done> {
  const { request, prepared, spec } = options;
  const totalFrames = request.chunks.reduce((sum, chunk) => sum + chunk.frames.count, 0);
  const listPath = path.join(prepared.workDir, "chunks.ffconcat");
  const files = request.chunks.map((chunk, index) => ({
    path: prepared.inputs.images[index] as string,
    frames: chunk.frames.count,
  }));
  await writeFile(listPath, concatList(files, spec.fps), "utf8");
  const outputPath = path.join(prepared.workDir, "output.mp4");
  const command = buildJoinCommand({
    listPath,
    audioPath: prepared.inputs.narration[0] as string,
    outputPath,
    totalFrames,
    fps: spec.fps,
  });
  return runAndStore({
    store: options.store,
    logger: options.logger,
    signal: options.signal,
    onProgress: options.onProgress,
    command,
    outputPath,
    outputKey: request.outputKey,
    contentType: "video/mp4",
    attributes: { "render.format": request.format, "render.part": "join", "render.chunks": request.chunks.length },
    check: async (media) => {
      const problems = checkRenderOutput(media, spec, command.durationSeconds);
      const counted = await countVideoFrames(outputPath);
      if (counted !== totalFrames) problems.push(`${counted} frames, expected ${totalFrames}`);
      return problems;
    },
  });
}
