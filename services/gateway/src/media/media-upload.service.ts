import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type MediaItem, type MediaKind, mediaKeys } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import { ServiceError } from "@video-service/http-client";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import type { RendererClient } from "../pipeline/pipeline.types.ts";
import type { MediaLibrary } from "./media-library.store.ts";

export interface MediaUploadDeps {
  store: ObjectStore;
  renderer: RendererClient;
  library: MediaLibrary;
  logger: Logger;
  /** The upload is spooled to a file here (never held in memory) before it goes to storage. */
  scratchDir: string;
  maxBytes: number;
}

class TooLargeError extends Error {
  override readonly name = "TooLargeError";
}

/** A credit line is one line of plain text: it goes into video descriptions as it is. */
export function parseCredit(raw: string | undefined): string {
  const credit = (raw ?? "").replace(/\s+/g, " ").trim();
  if (!credit) {
    throw new AppError(
      "validation-failed",
      'give the licence or credit line of the upload in the X-Media-Credit header or the ?credit= query (for example "CC BY 4.0, Jane Doe" or "own work"); it goes into the description of every video that uses it',
    );
  }
  if (credit.length > 300) throw new AppError("validation-failed", "the credit line may be at most 300 characters");
  if (/[\p{Cc}<>]/u.test(credit)) {
    throw new AppError("validation-failed", "the credit line may not contain control characters, '<' or '>'");
  }
  return credit;
}

/** Copies a request body to a file, counting bytes: past `maxBytes` the copy stops with TooLargeError. */
async function spool(body: ReadableStream<Uint8Array>, filePath: string, maxBytes: number): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) callback(new TooLargeError(`more than ${maxBytes} bytes`));
      else callback(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(body as import("node:stream/web").ReadableStream),
    counter,
    createWriteStream(filePath),
  );
  return bytes;
}

/**
 * PUT /v1/media/{kind}/{name}: the body is streamed to a scratch file (size limit enforced while
 * it arrives), stored as a temporary upload, probed and normalised by the renderer into a fresh
 * version prefix, and published by writing the item's metadata. Whatever fails, the upload, the
 * scratch file and the version's files are removed: the library never holds half an item.
 */
export async function uploadMedia(
  deps: MediaUploadDeps,
  upload: {
    kind: MediaKind;
    name: string;
    credit: string;
    body: ReadableStream<Uint8Array> | null;
    contentLength: number | undefined;
    signal: AbortSignal;
  },
): Promise<{ item: MediaItem; replaced: boolean }> {
  const { store, renderer, library, logger, maxBytes } = deps;
  if (upload.contentLength !== undefined && upload.contentLength > maxBytes) {
    throw new AppError("payload-too-large", `a media upload may be at most ${maxBytes} bytes`);
  }
  if (!upload.body || upload.contentLength === 0) throw new AppError("validation-failed", "the upload is empty");

  const uploadId = randomUUID();
  const uploadKey = mediaKeys.upload(uploadId);
  const version = `v${Date.now().toString(36)}-${uploadId.slice(0, 8)}`;
  const versionPrefix = mediaKeys.versionPrefix(upload.kind, upload.name, version);
  const spoolDir = await mkdtemp(path.join(deps.scratchDir, "media-upload-"));
  let published = false;
  try {
    const spoolFile = path.join(spoolDir, "upload");
    let uploadBytes: number;
    try {
      uploadBytes = await spool(upload.body, spoolFile, maxBytes);
    } catch (error) {
      if (error instanceof TooLargeError) {
        throw new AppError("payload-too-large", `a media upload may be at most ${maxBytes} bytes`);
      }
      throw new AppError("bad-request", "the upload was interrupted before it ended", { cause: error });
    }
    if (uploadBytes === 0) throw new AppError("validation-failed", "the upload is empty");
    await store.putFile(uploadKey, spoolFile);
    await rm(spoolDir, { recursive: true, force: true });

    const ingested = await renderer
      .ingestMedia({ kind: upload.kind, sourceKey: uploadKey, targetPrefix: versionPrefix }, { signal: upload.signal })
      .catch((error: unknown) => {
        // The renderer's 4xx is about the upload (not a video, truncated…): the client's to fix.
        if (error instanceof ServiceError && error.status !== undefined && error.status >= 400 && error.status < 500) {
          throw new AppError("validation-failed", error.problem?.detail ?? error.message);
        }
        throw error;
      });
    const item: MediaItem = {
      kind: upload.kind,
      name: upload.name,
      credit: upload.credit,
      durationSeconds: ingested.durationSeconds,
      uploadBytes,
      sizeBytes: ingested.files.reduce((sum, file) => sum + file.bytes, 0),
      version,
      files: ingested.files,
      source: ingested.source,
      createdAt: new Date().toISOString(),
    };
    const previous = await library.save(item);
    published = true;
    logger.info({ kind: item.kind, name: item.name, uploadBytes, replaced: previous !== undefined }, "media stored");
    return { item, replaced: previous !== undefined };
  } finally {
    await rm(spoolDir, { recursive: true, force: true });
    await store
      .delete(uploadKey)
      .catch((err: unknown) => logger.warn({ err, uploadKey }, "could not delete an upload"));
    if (!published) {
      await store
        .deletePrefix(versionPrefix)
        .catch((err: unknown) => logger.warn({ err, versionPrefix }, "could not delete a failed upload's files"));
    }
  }
}
