import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FormatSpec, MediaInfo, RenderEvent, RenderRequest } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import { isStorageUnavailable, ObjectNotFoundError, type ObjectStore } from "@video-service/object-store";
import { withSpan } from "@video-service/telemetry";
import { FFMPEG_PID_FILE, FfmpegError, runFfmpeg } from "../ffmpeg/ffmpeg.runner.ts";
import { probe } from "../ffmpeg/probe.ts";
import { buildRenderCommand, type RenderInputs, timelineFrames } from "./build-render-command.ts";
import { buildAssDocument, buildCaptionEvents } from "./captions.ts";
import { renderDirPrefix } from "./scratch.ts";

/** Tolerance between the probed duration and the timeline's (AAC frames pad the audio slightly). */
const DURATION_TOLERANCE_SECONDS = 0.2;

/**
 * Checks what can be refused before any work: crossfades shorter than every scene, and the whole
 * video within the format's hard cap. Throws a 422 AppError.
 */
export function validateTimeline(request: RenderRequest, spec: FormatSpec): void {
  const { sceneFrames, transitionFrames, totalFrames } = timelineFrames(request, spec.fps);
  const shortest = Math.min(...sceneFrames);
  if (request.scenes.length > 1 && transitionFrames >= shortest) {
    throw new AppError(
      "validation-failed",
      `transitionSeconds (${request.transitionSeconds}) must be shorter than every scene (shortest ${shortest / spec.fps} s)`,
    );
  }
  const seconds = totalFrames / spec.fps;
  if (seconds > spec.hardCapSeconds) {
    throw new AppError(
      "validation-failed",
      `the timeline lasts ${seconds} s; a ${request.format} video may last at most ${spec.hardCapSeconds} s`,
    );
  }
  const lastNarration = request.narration.find((clip) => clip.start >= seconds);
  if (lastNarration) {
    throw new AppError(
      "validation-failed",
      `narration ${lastNarration.audioKey} starts after the video ends (${seconds} s)`,
    );
  }
}

/** A render's working directory with every input available as a local file. */
export interface PreparedRender {
  workDir: string;
  inputs: RenderInputs;
  /** Removes the working directory; safe to call more than once. */
  cleanup(): Promise<void>;
}

async function exists(filePath: string): Promise<boolean> {
  try {
    return (await stat(filePath)).isFile();
  } catch {
    return false;
  }
}

/**
 * Creates the per-render temp dir and resolves every key to a local path: in place when the store is
 * a local directory, else downloaded (keeping the extension: FFmpeg's image reader goes by it).
 * A missing object is a 422 naming the key; the temp dir is removed on any failure.
 */
export async function prepareRender(options: {
  request: RenderRequest;
  store: ObjectStore;
  scratchDir: string;
}): Promise<PreparedRender> {
  const { request, store, scratchDir } = options;
  const workDir = await mkdtemp(path.join(scratchDir, renderDirPrefix()));
  const cleanup = () => rm(workDir, { recursive: true, force: true });
  const resolved = new Map<string, Promise<string>>();
  const missing: string[] = [];

  const resolve = (key: string): Promise<string> => {
    const known = resolved.get(key);
    if (known) return known;
    const pending = (async () => {
      const local = store.localPath(key);
      if (local !== undefined) {
        if (!(await exists(local))) missing.push(key);
        return local;
      }
      const target = path.join(workDir, `input-${resolved.size}${path.extname(key)}`);
      try {
        await store.download(key, target);
      } catch (error) {
        if (error instanceof ObjectNotFoundError) missing.push(key);
        else throw error;
      }
      return target;
    })();
    resolved.set(key, pending);
    return pending;
  };

  try {
    const [images, narration, music, background] = await Promise.all([
      Promise.all(request.scenes.map((scene) => resolve(scene.imageKey))),
      Promise.all(request.narration.map((clip) => resolve(clip.audioKey))),
      request.music ? resolve(request.music.audioKey) : Promise.resolve(undefined),
      request.background ? resolve(request.background.key) : Promise.resolve(undefined),
    ]).catch(async (error: unknown) => {
      // Every download must have stopped before the work dir is removed: one still writing would
      // create the directory again (download() makes its parent) and leave it behind.
      await Promise.allSettled(resolved.values());
      throw error;
    });
    if (missing.length > 0) {
      throw new AppError("validation-failed", `unknown object key(s): ${[...new Set(missing)].join(", ")}`, {
        extensions: { missingKeys: [...new Set(missing)] },
      });
    }
    return { workDir, inputs: { images, narration, music, background }, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Why an output may not be uploaded, or an empty list. */
export function checkRenderOutput(media: MediaInfo, spec: FormatSpec, expectedSeconds: number): string[] {
  const problems: string[] = [];
  if (media.video.codec !== "h264") problems.push(`video codec ${media.video.codec}, expected h264`);
  if (media.video.pixelFormat !== "yuv420p") problems.push(`pixel format ${media.video.pixelFormat}, expected yuv420p`);
  if (media.video.colorRange !== "tv") problems.push(`colour range ${media.video.colorRange}, expected tv`);
  if (media.video.width !== spec.width || media.video.height !== spec.height) {
    problems.push(`size ${media.video.width}x${media.video.height}, expected ${spec.width}x${spec.height}`);
  }
  if (Math.abs(media.video.fps - spec.fps) > 0.01) problems.push(`frame rate ${media.video.fps}, expected ${spec.fps}`);
  if (media.audio?.codec !== "aac") problems.push(`audio codec ${media.audio?.codec ?? "none"}, expected aac`);
  if (media.audio && media.audio.sampleRate !== 48_000)
    problems.push(`sample rate ${media.audio.sampleRate}, expected 48000`);
  if (Math.abs(media.durationSeconds - expectedSeconds) > DURATION_TOLERANCE_SECONDS) {
    problems.push(`duration ${media.durationSeconds} s, expected ${expectedSeconds} s`);
  }
  return problems;
}

export class RenderOutputError extends Error {
  override readonly name = "RenderOutputError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`the rendered file failed validation: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

/**
 * Renders a prepared timeline: captions file and filter script into the work dir, FFmpeg with
 * progress, ffprobe validation, then upload. Returns the `done` event. Throws FfmpegError (also
 * when aborted) or RenderOutputError; the caller removes the work dir.
 */
export async function executeRender(options: {
  request: RenderRequest;
  prepared: PreparedRender;
  spec: FormatSpec;
  store: ObjectStore;
  logger: Logger;
  signal: AbortSignal;
  onProgress: (event: Extract<RenderEvent, { type: "progress" }>) => void;
}): Promise<Extract<RenderEvent, { type: "done" }>> {
  const { request, prepared, spec, store, logger, signal, onProgress } = options;
  const started = performance.now();
  const hasCaptions = buildCaptionEvents(request.captions.words, request.captions.mode).length > 0;
  const assPath = hasCaptions ? path.join(prepared.workDir, "captions.ass") : undefined;
  if (assPath !== undefined) {
    await writeFile(
      assPath,
      buildAssDocument({ words: request.captions.words, mode: request.captions.mode, layout: spec }),
      "utf8",
    );
  }
  const outputPath = path.join(prepared.workDir, "output.mp4");
  const filterScriptPath = path.join(prepared.workDir, "graph.txt");
  const command = buildRenderCommand({
    request,
    inputs: prepared.inputs,
    assPath,
    outputPath,
    filterScriptPath,
    preset: spec,
  });
  await writeFile(filterScriptPath, command.filterGraph, "utf8");

  let reported = -1;
  const ffmpegAttributes = {
    "render.format": request.format,
    "render.scenes": request.scenes.length,
    "render.video_seconds": command.durationSeconds,
  };
  await withSpan("ffmpeg render", ffmpegAttributes, () =>
    runFfmpeg({
      args: command.args,
      signal,
      pidFile: path.join(prepared.workDir, FFMPEG_PID_FILE),
      onProgress: (block) => {
        // Video frames are the honest measure: FFmpeg's out_time follows the fastest stream, and
        // the audio graph runs seconds ahead of the video encoder. out_time is the fallback.
        const byFrames = block.frame !== undefined ? block.frame / command.totalFrames : undefined;
        const byTime = block.outTimeSeconds !== undefined ? block.outTimeSeconds / command.durationSeconds : undefined;
        const fraction = Math.min(1, Math.max(0, byFrames ?? byTime ?? 0));
        const rounded = Math.floor(fraction * 1000) / 1000;
        if (rounded <= reported) return;
        reported = rounded;
        onProgress({ type: "progress", progress: rounded, ...(block.fps !== undefined ? { fps: block.fps } : {}) });
      },
    }),
  );
  const renderSeconds = (performance.now() - started) / 1000;

  const media = await withSpan("ffprobe output", {}, () => probe(outputPath));
  const problems = checkRenderOutput(media, spec, command.durationSeconds);
  if (problems.length > 0) throw new RenderOutputError(problems);
  if (signal.aborted) throw signal.reason;
  await withSpan("upload output", { "render.size_bytes": media.sizeBytes }, () =>
    store.putFile(request.outputKey, outputPath, { contentType: "video/mp4" }),
  );
  const elapsedSeconds = Math.round(((performance.now() - started) / 1000) * 1000) / 1000;
  logger.info(
    {
      outputKey: request.outputKey,
      format: request.format,
      videoSeconds: command.durationSeconds,
      renderSeconds: Math.round(renderSeconds * 1000) / 1000,
      elapsedSeconds,
      sizeBytes: media.sizeBytes,
    },
    "render finished",
  );
  return { type: "done", key: request.outputKey, media, elapsedSeconds };
}

/** The `error` line for a failed render: FFmpeg's own last words go in `detail`, argv only to the log. */
export function renderErrorEvent(
  error: unknown,
  { cancelled = false }: { cancelled?: boolean } = {},
): Extract<RenderEvent, { type: "error" }> {
  if (error instanceof AppError) return { type: "error", problem: toProblem(error) };
  if (isStorageUnavailable(error)) {
    // Not the render's fault: a 503, so the caller waits for storage instead of failing the job.
    return { type: "error", problem: toProblem(new AppError("unavailable", error.message)) };
  }
  if (cancelled || (error instanceof FfmpegError && error.aborted)) {
    return { type: "error", problem: toProblem(new AppError("unavailable", "the render was cancelled")) };
  }
  if (error instanceof FfmpegError) {
    const lastLines = error.stderrTail.trim().split("\n").slice(-3).join(" | ");
    return {
      type: "error",
      problem: toProblem(new AppError("internal", `ffmpeg failed: ${error.message}; ${lastLines}`)),
    };
  }
  if (error instanceof RenderOutputError)
    return { type: "error", problem: toProblem(new AppError("internal", error.message)) };
  return {
    type: "error",
    problem: toProblem(new AppError("internal", "the render failed; the cause has been logged")),
  };
}

function toProblem(error: AppError): Extract<RenderEvent, { type: "error" }>["problem"] {
  const problem = error.toProblem();
  return {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(error.detail ? { detail: error.detail } : {}),
  };
}
