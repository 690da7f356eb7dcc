import { AppError } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { DeferredError } from "../pipeline/deferred-error.ts";
import type { UploadBudget } from "./upload-budget.ts";
import type { YoutubeVideoResource } from "./video-metadata.ts";
import { UploadSessionExpiredError, type YoutubeClient } from "./youtube.client.ts";

/**
 * What an upload has reached, saved on the job (JobStore stage progress) at every step that must
 * survive a restart: the session URI before any byte is sent, the video id as soon as YouTube
 * answers with it, whether the thumbnail is set.
 */
export interface PublishState {
  videoKey: string;
  totalBytes: number;
  sessionUri?: string;
  sessionStartedAt?: string;
  videoId?: string;
  thumbnailSet?: boolean;
  thumbnailError?: string;
}

export interface PublishStateStore {
  load(): Promise<PublishState | undefined>;
  save(state: PublishState): Promise<void>;
}

export interface PublishOptions {
  jobId: string;
  videoKey: string;
  thumbnailKey: string | undefined;
  video: YoutubeVideoResource;
  notifySubscribers: boolean;
  state: PublishStateStore;
  signal: AbortSignal;
  /** Fraction of the video's bytes YouTube confirmed. */
  onProgress?: (fraction: number) => void;
}

export interface YoutubePublished {
  videoId: string;
  url: string;
}

export interface YoutubePublisher {
  /** snippet.categoryId when the request names none (YOUTUBE_CATEGORY_ID). */
  readonly defaultCategoryId: string;
  publish(options: PublishOptions): Promise<YoutubePublished>;
}

/** A session that expires again and again is not worth another full upload. */
const MAX_SESSIONS = 3;

export const watchUrl = (videoId: string) => `https://www.youtube.com/watch?v=${encodeURIComponent(videoId)}`;

/**
 * Publishes a stored video: resumes the job's upload session when there is one (asking it which
 * bytes it has), else takes one upload from the daily budget (or defers the job to the next quota
 * window) and starts a session; then sets the thumbnail. A job whose state has a video id never
 * uploads again.
 */
export function createYoutubePublisher({
  client,
  store,
  budget,
  logger,
  defaultCategoryId = "24",
  now = () => new Date(),
}: {
  client: YoutubeClient;
  defaultCategoryId?: string;
  store: ObjectStore;
  budget: UploadBudget;
  logger: Logger;
  now?: () => Date;
}): YoutubePublisher {
  return {
    defaultCategoryId,
    async publish({ jobId, videoKey, thumbnailKey, video, notifySubscribers, state, signal, onProgress }) {
      let current = await state.load();
      if (!current?.videoId) {
        const info = await store.head(videoKey);
        if (!info) throw new AppError("internal", `the video ${videoKey} is not in storage`);
        if (current?.videoKey !== videoKey || current.totalBytes !== info.size) {
          // No session yet, or one for other bytes (a re-rendered video): start afresh.
          current = { videoKey, totalBytes: info.size };
        }
        const totalBytes = info.size;
        for (let sessions = 0; ; ) {
          let resume = true;
          if (!current.sessionUri) {
            if (++sessions > MAX_SESSIONS) {
              throw new AppError("bad-gateway", `YouTube upload sessions expired ${MAX_SESSIONS} times in a row`);
            }
            const decision = await budget.reserve();
            if (!decision.ok) {
              const at = now();
              throw new DeferredError({
                title: "Waiting for the daily YouTube upload budget",
                detail: `${budget.dailyUploads} uploads a day (YOUTUBE_DAILY_UPLOADS) are used up; the upload starts after ${decision.retryAt.toISOString()} (midnight ${budget.timeZone})`,
                retryAt: decision.retryAt,
                delayMs: decision.retryAt.getTime() - at.getTime(),
              });
            }
            const sessionUri = await client.startSession({ video, totalBytes, notifySubscribers, signal });
            current = { ...current, sessionUri, sessionStartedAt: now().toISOString() };
            // Saved before any byte is sent: a worker that dies now resumes this session.
            await state.save(current);
            logger.info({ jobId, totalBytes, uploadsToday: decision.used }, "youtube upload session started");
            resume = false;
          } else {
            logger.info({ jobId, totalBytes }, "resuming youtube upload session");
          }
          try {
            const uploaded = await client.upload({
              sessionUri: current.sessionUri as string,
              videoKey,
              totalBytes,
              resume,
              signal,
              onProgress: (sent) => onProgress?.(totalBytes === 0 ? 1 : sent / totalBytes),
            });
            current = { ...current, videoId: uploaded.id };
            await state.save(current);
            const status = uploaded.status?.uploadStatus;
            if (status === "rejected" || status === "failed") {
              logger.warn(
                { jobId, videoId: uploaded.id, status: uploaded.status },
                "youtube did not accept the upload",
              );
            }
            logger.info({ jobId, videoId: uploaded.id }, "youtube upload finished");
            break;
          } catch (err) {
            if (!(err instanceof UploadSessionExpiredError)) throw err;
            logger.warn({ jobId }, "youtube upload session expired; starting a new one");
            current = { videoKey, totalBytes };
            await state.save(current);
          }
        }
      }

      const videoId = current.videoId as string;
      if (thumbnailKey && !current.thumbnailSet && current.thumbnailError === undefined) {
        try {
          await client.setThumbnail({ videoId, thumbnailKey, signal });
          current = { ...current, thumbnailSet: true };
        } catch (err) {
          if (signal.aborted) throw err;
          // The video is up: a missing custom thumbnail (channels must be verified for them) does not fail the job.
          const message = err instanceof Error ? err.message : String(err);
          logger.warn({ jobId, videoId, err: message }, "could not set the youtube thumbnail");
          current = { ...current, thumbnailError: message };
        }
        await state.save(current);
      }
      return { videoId, url: watchUrl(videoId) };
    },
  };
}
