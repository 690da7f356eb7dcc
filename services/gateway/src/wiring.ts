import { createImagegenClient, createRendererClient, type ServiceClientOptions } from "@video-service/http-client";
import type { Logger } from "@video-service/logger";
import { createObjectStore, type ObjectStore } from "@video-service/object-store";
import { storageConfigFromEnv } from "@video-service/object-store/storage-env";
import { Redis } from "ioredis";
import { IdempotencyStore } from "./api/idempotency.ts";
import { type AppDeps, createApp, type GatewayApp } from "./app.ts";
import { type ChunkWorker, createChunkQueue, createChunkWorker } from "./chunk-worker.ts";
import type { GatewayConfig } from "./config.ts";
import { createJobEvents, type JobEvents } from "./jobs/job-events.ts";
import { JobStore } from "./jobs/job-store.ts";
import { createVideoQueue, type VideoQueue } from "./jobs/video-queue.ts";
import type { YoutubePublisher } from "./pipeline/pipeline.types.ts";
import type { ChunkPolicy } from "./pipeline/stages/render-chunks.stage.ts";
import { createWebhookSender } from "./pipeline/webhook.ts";
import { createScheduleWorker, type ScheduleWorker } from "./schedules/schedule.service.ts";
import { defaultStorySources } from "./sources/index.ts";
import { createRedditFeatures, type RedditFeatures, scheduleQueueName } from "./trends/reddit-setup.ts";
import { createWorker, type VideoWorker } from "./worker.ts";
import { createYoutubePublisherFromConfig } from "./youtube/index.ts";

/** The RENDER_* variables as the render stage's chunking policy. */
export function chunkPolicyFromConfig(config: GatewayConfig): ChunkPolicy {
  return {
    chunks: config.RENDER_CHUNKS,
    capacity: config.RENDER_CAPACITY,
    minVideoSeconds: config.RENDER_CHUNK_MIN_VIDEO_SECONDS,
    chunkSeconds: config.RENDER_CHUNK_SECONDS,
  };
}

/** What the tests change in the wiring: their stores, fakes' timings and clocks. Production passes none. */
export interface GatewayOverrides {
  /** The object store; by default the one the storage variables describe. */
  store?: ObjectStore;
  /** Options of the imagegen and renderer clients over the configured ones (retries, timeouts). */
  serviceClients?: Partial<Omit<ServiceClientOptions, "baseUrl" | "token">>;
  /** The wait between webhook attempts (default 500 ms). */
  webhookBackoffMs?: number;
  /** Clocks of the Reddit client, trends and schedules; false leaves Reddit out (Reddit requests are refused). */
  reddit?: false | { now?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> };
  /** Builds the YouTube publisher; by default the configured one (undefined without credentials). */
  youtube?: (context: { store: ObjectStore; redis: Redis; jobs: JobStore }) => YoutubePublisher | undefined;
  /** HTTP options that are not configuration (SSE heartbeat, readiness timeout, the shutdown signal). */
  app?: Pick<AppDeps, "shutdownSignal" | "sseHeartbeatMs" | "readinessTimeoutMs">;
}

/** The gateway's objects around one Redis connection: the HTTP app and, when RUN_WORKER, the workers. */
export interface GatewayServices {
  app: GatewayApp;
  store: ObjectStore;
  redis: Redis;
  jobs: JobStore;
  events: JobEvents;
  queue: VideoQueue;
  reddit: RedditFeatures | undefined;
  youtube: YoutubePublisher | undefined;
  worker: VideoWorker | undefined;
  scheduleWorker: ScheduleWorker | undefined;
  /**
   * Closes what holds the Redis connection, in order (workers first: the running stage finishes).
   * The connection itself is left to the caller, which quits or drops it.
   */
  closeSteps: { name: string; run: () => Promise<void> | undefined }[];
}

/**
 * Builds the adapters from the configuration (object store, Redis, job store, events, queue, the
 * imagegen and renderer clients, webhooks, Reddit, YouTube), the workers when RUN_WORKER, and the
 * HTTP app. start-gateway.ts calls it with no overrides; the test harness with its fakes' options.
 */
export async function createGatewayServices({
  config,
  logger,
  overrides = {},
}: {
  config: GatewayConfig;
  logger: Logger;
  overrides?: GatewayOverrides;
}): Promise<GatewayServices> {
  const store = overrides.store ?? createObjectStore(storageConfigFromEnv(config));

  const redis = new Redis(config.REDIS_URL, { lazyConnect: false });
  redis.on("error", (err) => logger.error({ err: err.message }, "redis connection error"));
  const jobs = new JobStore({ redis, retentionSeconds: config.JOB_RETENTION_DAYS * 86_400 });
  const events = createJobEvents({ redis });
  const queue = createVideoQueue({
    connection: redis,
    name: config.QUEUE_NAME,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  const imagegen = createImagegenClient({
    baseUrl: config.IMAGEGEN_URL,
    token: config.INTERNAL_TOKEN,
    logger,
    timeoutMs: 120_000,
    ...overrides.serviceClients,
  });
  const renderer = createRendererClient({
    baseUrl: config.RENDERER_URL,
    token: config.INTERNAL_TOKEN,
    logger,
    ...overrides.serviceClients,
  });
  const webhooks = createWebhookSender({
    secret: config.WEBHOOK_SECRET,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    logger,
    ...(overrides.webhookBackoffMs === undefined ? {} : { backoffMs: overrides.webhookBackoffMs }),
  });

  const reddit =
    overrides.reddit === false
      ? undefined
      : createRedditFeatures({ config, redis, jobs, queue, logger, ...overrides.reddit });
  // Undefined without YouTube credentials: publish.youtube requests are then refused with a 422.
  const youtube = overrides.youtube
    ? overrides.youtube({ store, redis, jobs })
    : createYoutubePublisherFromConfig({ config, redis, store, logger });

  let worker: VideoWorker | undefined;
  let scheduleWorker: ScheduleWorker | undefined;
  let chunkWorker: ChunkWorker | undefined;
  const chunks = createChunkQueue({
    connection: redis,
    videoQueueName: config.QUEUE_NAME,
    attempts: config.CHUNK_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  if (config.RUN_WORKER) {
    chunkWorker = await createChunkWorker({
      redis,
      videoQueueName: config.QUEUE_NAME,
      concurrency: config.CHUNK_WORKER_CONCURRENCY,
      jobs,
      events,
      store,
      renderer,
      logger,
    });
    if (reddit) {
      scheduleWorker = createScheduleWorker({
        connection: redis,
        queueName: scheduleQueueName(config.QUEUE_NAME),
        service: reddit.schedules,
        logger,
      });
    }
    worker = await createWorker({
      redis,
      queueName: config.QUEUE_NAME,
      concurrency: config.WORKER_CONCURRENCY,
      failedRetentionSeconds: config.FAILED_JOB_RETENTION_SECONDS,
      jobs,
      events,
      store,
      imagegen,
      renderer,
      sources: reddit ? { ...defaultStorySources, reddit: reddit.source } : defaultStorySources,
      webhooks,
      logger,
      signedUrlTtlSeconds: config.SIGNED_URL_TTL_SECONDS,
      youtube,
      chunks,
      chunkPolicy: chunkPolicyFromConfig(config),
    });
  }

  const app = createApp({
    config,
    logger,
    store,
    jobs,
    queue,
    events,
    idempotency: new IdempotencyStore({ redis }),
    webhooks,
    imagegen,
    renderer,
    redis,
    files: config.S3_BUCKET ? undefined : { signingSecret: config.STORAGE_SIGNING_SECRET ?? "" },
    reddit,
    schedules: reddit?.schedules,
    youtube,
    ...overrides.app,
  });

  return {
    app,
    store,
    redis,
    jobs,
    events,
    queue,
    reddit,
    youtube,
    worker,
    scheduleWorker,
    closeSteps: [
      { name: "schedules-worker", run: () => scheduleWorker?.close() },
      { name: "worker", run: () => worker?.close() },
      { name: "chunk-worker", run: () => chunkWorker?.close() },
      { name: "chunk-queue", run: () => chunks.queue.close() },
      { name: "schedules", run: () => reddit?.schedules.close() },
      { name: "queue", run: () => queue.close() },
      { name: "events", run: () => events.close() },
    ],
  };
}
