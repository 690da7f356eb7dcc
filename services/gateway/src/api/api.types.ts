import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import type { Redis } from "ioredis";
import type { GatewayConfig } from "../config.ts";
import type { JobStore } from "../jobs/job.store.ts";
import type { JobEvents } from "../jobs/job-events.ts";
import type { VideoQueue } from "../jobs/video-queue.ts";
import type { ImagegenClient, RendererClient, YoutubePublisher } from "../pipeline/pipeline.types.ts";
import type { WebhookSender } from "../pipeline/webhook.ts";
import type { ScheduleService } from "../schedules/schedule.service.ts";
import type { RedditApiDeps } from "../trends/index.ts";
import type { VoiceCatalog } from "../voices/voice-catalog.ts";
import type { IdempotencyStore } from "./idempotency.store.ts";
import type { RateLimiter } from "./rate-limit.middleware.ts";

/** Everything the HTTP API uses; main.ts builds it, tests build it around their own Redis and fakes. */
export interface ApiDeps {
  config: GatewayConfig;
  logger: Logger;
  store: ObjectStore;
  jobs: JobStore;
  queue: VideoQueue;
  events: JobEvents;
  idempotency: IdempotencyStore;
  /** Requests per minute per API key; absent: no limit. */
  rateLimiter?: RateLimiter | undefined;
  webhooks: WebhookSender;
  imagegen: ImagegenClient;
  renderer: RendererClient;
  redis: Redis;
  /** Trends and the used-post store; absent when Reddit is not configured (Reddit jobs are refused). */
  reddit?: RedditApiDeps | undefined;
  /** The schedules store and runner; absent when Reddit is not configured. */
  schedules?: ScheduleService | undefined;
  /** Absent until YouTube publishing is configured: requests that ask for it are refused. */
  youtube?: YoutubePublisher | undefined;
  /** Serves GET /files/* (the local store's signed downloads); absent when objects are in S3. */
  files?: { signingSecret: string } | undefined;
  /** Aborted when the server shuts down: open SSE streams end so the HTTP server can close. */
  shutdownSignal?: AbortSignal;
  /** The renderer's voices, cached; createApp makes one around `renderer` when absent. */
  voices?: VoiceCatalog | undefined;
  /** SSE heartbeat interval; default 15 s. */
  sseHeartbeatMs?: number;
  /** Per-dependency timeout of /readyz; default 2 s. */
  readinessTimeoutMs?: number;
}
