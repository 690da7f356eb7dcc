import { AppError } from "@video-service/errors";
import type { ObjectStore } from "@video-service/object-store";
import { sleep as abortableSleep, backoffDelayMs, retry } from "@video-service/retry";
import type { YoutubeAuth } from "./oauth.ts";
import type { YoutubeVideoResource } from "./video-metadata.ts";
import { parseGoogleError, youtubeError, youtubeUnavailable } from "./youtube-errors.ts";

/** Every non-final chunk must be a multiple of this (Google's resumable upload servers). */
export const CHUNK_GRANULARITY = 256 * 1024;

/** The statuses Google's own upload sample retries (youtube/api-samples upload_video.py). */
const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

export interface YoutubeClientOptions {
  auth: YoutubeAuth;
  store: ObjectStore;
  /** https://www.googleapis.com/upload/youtube/v3 */
  uploadUrl: string;
  /** Bytes per PUT; a positive multiple of 256 KiB. */
  chunkBytes: number;
  /** Retries of one request (or of one stretch without progress) before giving up. */
  maxRetries?: number;
  /** One request's budget (a whole chunk's PUT); a request that takes longer is retried like a dropped connection. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  /** How the client waits between retries; tests record the wait instead of sleeping it. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The uploaded video as videos.insert answers it (the fields we read). */
export interface UploadedVideo {
  id: string;
  status?: { uploadStatus?: string; privacyStatus?: string; rejectionReason?: string; failureReason?: string };
}

/** The session URI answered 404/410: it expired, and a new session must start from byte 0. */
export class UploadSessionExpiredError extends Error {
  override readonly name = "UploadSessionExpiredError";
}

export interface YoutubeClient {
  /** videos.insert, resumable: POSTs the metadata and answers the session URI (the Location header). */
  startSession(options: {
    video: YoutubeVideoResource;
    totalBytes: number;
    notifySubscribers: boolean;
    signal: AbortSignal;
  }): Promise<string>;
  /**
   * Sends the object's bytes to a session. With `resume`, first asks the session which bytes it
   * has (PUT `Content-Range: bytes * /total`), so confirmed bytes are never sent again.
   */
  upload(options: {
    sessionUri: string;
    videoKey: string;
    totalBytes: number;
    resume: boolean;
    signal: AbortSignal;
    onProgress?: (sentBytes: number) => void;
  }): Promise<UploadedVideo>;
  /** thumbnails.set with a JPEG from the store. */
  setThumbnail(options: { videoId: string; thumbnailKey: string; signal: AbortSignal }): Promise<void>;
}

/** `Range: bytes=0-N` of a 308: the next byte to send is N+1; no Range means nothing was received. */
export function nextByteFromRange(range: string | null): number {
  if (!range) return 0;
  const match = /^bytes=0-(\d+)$/.exec(range.trim());
  if (!match) throw new AppError("bad-gateway", `YouTube answered an unreadable Range header: ${range}`);
  return Number(match[1]) + 1;
}

async function readRange(store: ObjectStore, key: string, start: number, end: number): Promise<Buffer> {
  const length = end - start + 1;
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  const stream = await store.getStream(key, { start, end });
  for await (const piece of stream as AsyncIterable<Buffer>) {
    if (offset + piece.length > length)
      throw new Error(`object ${key} returned more bytes than the range ${start}-${end}`);
    piece.copy(buffer, offset);
    offset += piece.length;
  }
  if (offset !== length) throw new Error(`object ${key} ended at byte ${start + offset}, expected ${end + 1}`);
  return buffer;
}

/** A 5xx or dropped connection of one request: retried, then reported as youtubeUnavailable. */
class TransientFailure extends Error {
  override readonly name = "TransientFailure";
}

/**
 * The YouTube Data API calls of publishing, over fetch: the resumable upload protocol
 * (developers.google.com/youtube/v3/guides/using_resumable_upload_protocol) and thumbnails.set.
 * 308 is never followed as a redirect (`redirect: "manual"`); 500/502/503/504 and dropped
 * connections are retried with exponential backoff and full jitter, resuming from the last byte
 * the server confirmed; a 401 refreshes the access token once.
 */
export function createYoutubeClient(options: YoutubeClientOptions): YoutubeClient {
  const { auth, store, uploadUrl, chunkBytes } = options;
  if (chunkBytes <= 0 || chunkBytes % CHUNK_GRANULARITY !== 0) {
    throw new Error(`the chunk size must be a positive multiple of ${CHUNK_GRANULARITY} bytes, not ${chunkBytes}`);
  }
  const maxRetries = options.maxRetries ?? 8;
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const timed = (signal: AbortSignal) => AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]);
  const doFetch = options.fetch ?? fetch;
  const wait = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const base = uploadUrl.replace(/\/+$/, "");

  /**
   * Waits before retry number `failures`, or gives up after maxRetries. Used by the resumable
   * upload's loop, which is the protocol's state machine (ask the session what it holds, send from
   * there; progress resets the count) rather than a plain retry, with the shared backoff and sleep.
   */
  const backoff = async (failures: number, operation: string, why: string, signal: AbortSignal) => {
    if (failures > maxRetries) throw youtubeUnavailable(operation, `${why} (${maxRetries} retries)`);
    await wait(backoffDelayMs(failures, { random }), signal);
  };

  /**
   * One request with retries of network errors and 5xx (the shared retry loop), and one token
   * refresh on 401; other answers are returned.
   */
  const send = async (
    operation: string,
    signal: AbortSignal,
    request: (token: string) => Promise<Response>,
  ): Promise<Response> => {
    let refreshed = false;
    let why = "";
    const refresh = Symbol("refresh");
    try {
      return await retry(
        async () => {
          const token = await auth.accessToken(signal);
          let response: Response;
          try {
            response = await request(token);
          } catch (err) {
            if (signal.aborted) throw signal.reason;
            why = `connection failed: ${(err as Error).message}`;
            throw new TransientFailure(why);
          }
          if (RETRIABLE_STATUSES.has(response.status)) {
            await response.body?.cancel();
            why = `HTTP ${response.status}`;
            throw new TransientFailure(why);
          }
          if (response.status === 401 && !refreshed) {
            await response.body?.cancel();
            auth.invalidate();
            refreshed = true;
            throw refresh;
          }
          return response;
        },
        {
          // The one refresh after a 401 is an extra attempt, not a failure.
          retries: maxRetries + 1,
          signal,
          sleep: (ms, s) => wait(ms, s ?? signal),
          classify: (err) =>
            err === refresh ? { retry: true, delayMs: 0 } : { retry: err instanceof TransientFailure },
          random,
        },
      );
    } catch (err) {
      if (err instanceof TransientFailure) throw youtubeUnavailable(operation, `${why} (${maxRetries} retries)`);
      throw err;
    }
  };

  const fail = async (operation: string, response: Response): Promise<never> => {
    const info = parseGoogleError(response.status, await response.text());
    if (response.status === 401) info.reason ??= "authError";
    throw youtubeError(operation, info);
  };

  return {
    async startSession({ video, totalBytes, notifySubscribers, signal }) {
      const body = JSON.stringify(video);
      const url = `${base}/videos?uploadType=resumable&part=snippet%2Cstatus&notifySubscribers=${notifySubscribers}`;
      const response = await send("upload session start", signal, (token) =>
        doFetch(url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json; charset=UTF-8",
            "x-upload-content-length": String(totalBytes),
            "x-upload-content-type": "video/mp4",
          },
          body,
          redirect: "manual",
          signal: timed(signal),
        }),
      );
      if (response.status !== 200 && response.status !== 201) return fail("upload session start", response);
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) throw new AppError("bad-gateway", "YouTube started an upload session without a Location header");
      return location;
    },

    async upload({ sessionUri, videoKey, totalBytes, resume, signal, onProgress }) {
      let next = 0;
      let highest = 0;
      let query = resume;
      let failures = 0;
      let refreshed = false;
      for (;;) {
        signal.throwIfAborted();
        const token = await auth.accessToken(signal);
        // One chunk in memory at a time, read by range from storage (a storage error is not retried here).
        const end = Math.min(next + chunkBytes, totalBytes) - 1;
        const chunk = query ? undefined : await readRange(store, videoKey, next, end);
        let response: Response;
        try {
          response = await doFetch(sessionUri, {
            method: "PUT",
            headers: chunk
              ? {
                  authorization: `Bearer ${token}`,
                  "content-type": "video/mp4",
                  "content-range": `bytes ${next}-${end}/${totalBytes}`,
                }
              : { authorization: `Bearer ${token}`, "content-range": `bytes */${totalBytes}` },
            body: chunk ?? new Uint8Array(0),
            redirect: "manual",
            signal: timed(signal),
          });
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          // A dropped connection: ask the session what it has before sending again.
          await backoff(++failures, "upload", `connection failed: ${(err as Error).message}`, signal);
          query = true;
          continue;
        }
        const { status } = response;
        if (status === 308) {
          await response.body?.cancel();
          const confirmed = nextByteFromRange(response.headers.get("range"));
          // Retries count per stretch without progress: new bytes confirmed start the count again.
          if (confirmed > highest) failures = 0;
          highest = Math.max(highest, confirmed);
          next = confirmed;
          query = false;
          onProgress?.(next);
          if (next >= totalBytes) {
            // Every byte is there but the upload is not finished: ask again (bounded by the retries).
            await backoff(++failures, "upload", "the session holds every byte but did not complete", signal);
            query = true;
          }
          continue;
        }
        if (status === 200 || status === 201) {
          const video = (await response.json()) as UploadedVideo;
          if (!video.id) throw new AppError("bad-gateway", "YouTube finished the upload without a video id");
          onProgress?.(totalBytes);
          return video;
        }
        if (status === 404 || status === 410) {
          await response.body?.cancel();
          throw new UploadSessionExpiredError(`the upload session answered ${status}`);
        }
        if (RETRIABLE_STATUSES.has(status)) {
          await response.body?.cancel();
          await backoff(++failures, "upload", `HTTP ${status}`, signal);
          query = true;
          continue;
        }
        if (status === 401 && !refreshed) {
          await response.body?.cancel();
          auth.invalidate();
          refreshed = true;
          query = true;
          continue;
        }
        return fail("upload", response);
      }
    },

    async setThumbnail({ videoId, thumbnailKey, signal }) {
      const image = await store.get(thumbnailKey);
      const url = `${base}/thumbnails/set?videoId=${encodeURIComponent(videoId)}`;
      const response = await send("thumbnails.set", signal, (token) =>
        doFetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "image/jpeg" },
          body: image,
          redirect: "manual",
          signal: timed(signal),
        }),
      );
      if (!response.ok) return fail("thumbnails.set", response);
      await response.body?.cancel();
    },
  };
}
