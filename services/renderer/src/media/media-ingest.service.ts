import { mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { FormatSpec, MediaFile, MediaIngestRequest, MediaIngestResponse } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import { ObjectNotFoundError, type ObjectStore } from "@video-service/object-store";
import { withSpan } from "@video-service/telemetry";
import { FfmpegError, ffprobeUntrusted, runFfmpeg } from "../ffmpeg/ffmpeg.runner.ts";
import { probe } from "../ffmpeg/probe.ts";
import {
  ALLOWED_DEMUXERS,
  buildNormaliseCommand,
  canvasesOf,
  type InspectedUpload,
  inspectUpload,
} from "./normalise-media.ts";

/** ffprobe of an upload gets this long: a sane file answers in well under a second. */
const PROBE_TIMEOUT_MS = 30_000;

/** A decoded video or track may come out this much shorter than it declares before it counts as truncated. */
const TRUNCATION_TOLERANCE = { ratio: 0.95, seconds: 0.25 };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp4: "video/mp4",
  png: "image/png",
  m4a: "audio/mp4",
};

/** An upload that passed ffprobe and the checks of its kind, with the command that normalises it. */
export interface PreparedIngest {
  upload: InspectedUpload;
  command: ReturnType<typeof buildNormaliseCommand>;
  workDir: string;
  /** Removes the work dir; safe to call more than once. */
  cleanup(): Promise<void>;
}

/**
 * The quick half of an ingest, before anything is answered: the upload as a local file, probed
 * (allow-listed demuxers, local files only) and checked against its kind. Throws a 422 AppError
 * for what is not the kind it claims; the work dir is removed on any failure.
 */
export async function prepareIngest(options: {
  request: MediaIngestRequest;
  store: ObjectStore;
  scratchDir: string;
  formats: Readonly<Record<string, FormatSpec>>;
  signal: AbortSignal;
}): Promise<PreparedIngest> {
  const { request, store, scratchDir, formats, signal } = options;
  const workDir = await mkdtemp(path.join(scratchDir, "ingest-"));
  const cleanup = () => rm(workDir, { recursive: true, force: true });
  try {
    const inputPath = await localCopy(store, request.sourceKey, workDir);
    const raw = await withSpan("ffprobe upload", { "media.kind": request.kind }, () =>
      ffprobeUntrusted(inputPath, { demuxers: ALLOWED_DEMUXERS[request.kind], timeoutMs: PROBE_TIMEOUT_MS, signal }),
    ).catch((error: unknown) => {
      if (signal.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new AppError("validation-failed", `the upload is not a readable ${request.kind}: ${reason}`);
    });
    const upload = inspectUpload(raw, request.kind);
    const command = buildNormaliseCommand({
      kind: request.kind,
      inputPath,
      demuxer: upload.demuxer,
      canvases: canvasesOf(formats),
      workDir,
    });
    return { upload, command, workDir, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * The long half: normalises the upload once into what renders read, checks the result is not
 * truncated, and stores it under `targetPrefix`. On any failure nothing is left under the prefix.
 * The upload itself is the caller's to delete; the caller also removes the work dir.
 */
export async function runIngest(options: {
  request: MediaIngestRequest;
  prepared: PreparedIngest;
  store: ObjectStore;
  logger: Logger;
  signal: AbortSignal;
  onProgress?: (fraction: number) => void;
}): Promise<MediaIngestResponse> {
  const { request, prepared, store, logger, signal, onProgress } = options;
  const { upload, command } = prepared;
  let stored = false;
  try {
    await withSpan("ffmpeg normalise", { "media.kind": request.kind }, () =>
      runFfmpeg({
        args: command.args,
        signal,
        onProgress: (block) => {
          if (block.outTimeSeconds === undefined || upload.durationSeconds <= 0) return;
          onProgress?.(Math.min(1, Math.max(0, block.outTimeSeconds / upload.durationSeconds)));
        },
      }),
    ).catch((error: unknown) => {
      if (error instanceof FfmpegError && !error.aborted) {
        throw new AppError("validation-failed", `the upload could not be decoded: ${error.message}`);
      }
      throw error;
    });

    const files: MediaFile[] = [];
    stored = true;
    for (const output of command.outputs) {
      if (request.kind !== "background-image") {
        const media = await probe(output.path);
        checkNotTruncated(media.durationSeconds, upload.durationSeconds);
      }
      const key = `${request.targetPrefix}${output.fileName}`;
      const extension = output.fileName.split(".").pop() ?? "";
      await store.putFile(key, output.path, { contentType: CONTENT_TYPES[extension] ?? "application/octet-stream" });
      const bytes = (await stat(output.path)).size;
      files.push({
        variant: output.variant,
        key,
        bytes,
        ...(output.width === undefined ? {} : { width: output.width, height: output.height }),
      });
    }
    logger.info(
      { kind: request.kind, targetPrefix: request.targetPrefix, seconds: upload.durationSeconds, files: files.length },
      "media ingested",
    );
    return {
      kind: request.kind,
      durationSeconds: Math.round(upload.durationSeconds * 1000) / 1000,
      source: {
        formatName: upload.formatName,
        codec: upload.codec,
        ...(upload.width === undefined ? {} : { width: upload.width }),
        ...(upload.height === undefined ? {} : { height: upload.height }),
      },
      files,
    };
  } catch (error) {
    if (stored) await store.deletePrefix(request.targetPrefix).catch(() => undefined);
    throw error;
  }
}

/** A file whose data ends before its declared duration decodes "successfully" but short: refuse it. */
function checkNotTruncated(decodedSeconds: number, declaredSeconds: number): void {
  const expected = declaredSeconds * TRUNCATION_TOLERANCE.ratio - TRUNCATION_TOLERANCE.seconds;
  if (decodedSeconds < expected) {
    throw new AppError(
      "validation-failed",
      `the upload is truncated or damaged: ${decodedSeconds.toFixed(2)} s decoded of the ${declaredSeconds.toFixed(2)} s it declares`,
    );
  }
}

/** The upload as a local path: in place for the local store, else downloaded into the work dir. */
async function localCopy(store: ObjectStore, key: string, workDir: string): Promise<string> {
  const local = store.localPath(key);
  if (local !== undefined) {
    try {
      if ((await stat(local)).isFile()) return local;
    } catch {
      // fall through to the 422 below
    }
    throw new AppError("validation-failed", `unknown object key: ${key}`);
  }
  const target = path.join(workDir, "upload");
  try {
    await store.download(key, target);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new AppError("validation-failed", `unknown object key: ${key}`);
    throw error;
  }
  return target;
}
