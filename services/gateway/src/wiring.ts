import { createImagegenClient, createRendererClient, type ServiceClientOptions } from "@video-service/http-client";
import type { Logger } from "@video-service/logger";
import { addressPolicy, type GuardedRequestOptions, type Resolver } from "@video-service/net-guard";
import { createObjectStore, type ObjectStore } from "@video-service/object-store";
import { storageConfigFromEnv } from "@video-service/object-store/storage-env";
import { createTaskProtection } from "@video-service/task-protection";
import { Redis } from "ioredis";
import { IdempotencyStore } from "./api/idempotency.store.ts";
import { createRateLimiter } from "./api/rate-limit.middleware.ts";
import { type AppDeps, createApp, type GatewayApp } from "./app.ts";
import { type ChunkWorker, createChunkQueue, createChunkWorker } from "./chunk.worker.ts";
import type { GatewayConfig } from "./config.ts";
import type { JobStore } from "./jobs/job.store.ts";
import { createJobEvents, type JobEvents } from "./jobs/job-events.ts";
import { createVideoQueue, type VideoQueue } from "./jobs/video-queue.ts";
import { createMediaLibrary } from "./media/media-library.store.ts";
import { createJobMetrics, MeteredJobStore, observeQueue } from "./metrics/job-metrics.ts";
import type { YoutubePublisher } from "./pipeline/pipeline.types.ts";
import { discoveredCapacity, fixedCapacity, type RenderCapacity } from "./pipeline/stages/render-capacity.ts";
import type { ChunkPolicy } from "./pipeline/stages/render-chunks.stage.ts";
import { createWebhookSender, type WebhookSettings, webhookQueueName } from "./pipeline/webhook.ts";
import { createScheduleWorker, type ScheduleWorker } from "./schedules/schedule.service.ts";
import { defaultStorySources } from "./sources/index.ts";
import { createRedditFeatures, type RedditFeatures, scheduleQueueName } from "./trends/reddit-setup.ts";
import { createWorker, type VideoWorker } from "./video.worker.ts";
import { createVoiceCatalog } from "./voices/voice-catalog.ts";
import { createYoutubePublisherFromConfig } from "./youtube/index.ts";

/**
 * The RENDER_* variables as the render stage's chunking policy. The capacity is RENDER_CAPACITY
 * when set, else `discovered` (the renderer tasks behind RENDERER_URL), else 1.
 */
export function chunkPolicyFromConfig(config: GatewayConfig, discovered?: RenderCapacity): ChunkPolicy {
  return {
    chunks: config.RENDER_CHUNKS,
    capacity:
      config.RENDER_CAPACITY !== undefined ? fixedCapacity(config.RENDER_CAPACITY) : (discovered ?? fixedCapacity(1)),
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
  /** Webhook DNS resolution and socket factory (tests: a resolver stub, a loopback-only connector). */
  webhookNetwork?: { resolve?: Resolver; createConnection?: GuardedRequestOptions["createConnection"] };
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
  /** The API's own connection: no offline queue, command timeouts (503 rather than a hang). */
  apiRedis: Redis;
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
  // The HTTP API's connection fails fast: no offline queue (a command while disconnected throws at
  // once), one retry per command, and a command timeout (a stalled Redis). BullMQ's workers keep
  // the patient connection above (they must wait for Redis, not fail).
  const apiRedis = new Redis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: Math.max(1000, config.REDIS_COMMAND_TIMEOUT_MS),
  });
  apiRedis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error (API)"));
  // Without an offline queue, the first requests would fail while it connects; a Redis that is down
  // at start must not keep the gateway from serving /healthz, so the wait is short.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3000);
    apiRedis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  // Counts jobs, stage runs and render speed as they are written (OpenTelemetry metrics): creations
  // through the API's store, endings and stages through the worker's.
  const jobMetrics = createJobMetrics();
  const retentionSeconds = config.JOB_RETENTION_DAYS * 86_400;
  const apiJobs: JobStore = new MeteredJobStore({ redis: apiRedis, retentionSeconds, metrics: jobMetrics });
  const jobs: JobStore = new MeteredJobStore({ redis, retentionSeconds, metrics: jobMetrics });
  const queueMetrics = observeQueue({ connection: redis, queueName: config.QUEUE_NAME });
  const events = createJobEvents({ redis });
  // The API's publishes (retry, cancel) fail fast too; SSE subscriptions wait on the patient side.
  const apiEvents = createJobEvents({ redis, publisher: apiRedis });
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
  const apiQueue = createVideoQueue({
    connection: apiRedis,
    name: config.QUEUE_NAME,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  // One cache of the renderer's voices for the API (GET /v1/voices, request checks) and the worker (scripts).
  const voices = createVoiceCatalog({ source: renderer });
  const webhookSettings: WebhookSettings = {
    secrets: config.WEBHOOK_SECRET,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    attempts: config.WEBHOOK_ATTEMPTS,
    backoffMs: config.WEBHOOK_BACKOFF_MS,
    backoffCapMs: config.WEBHOOK_BACKOFF_CAP_MS,
    policy: addressPolicy(config.WEBHOOK_ALLOW_HOSTS),
    requireHttps: config.WEBHOOK_REQUIRE_HTTPS,
    ...overrides.webhookNetwork,
  };
  // Deliveries wait in their own queue; the workers (RUN_WORKER) deliver them. The API queues on its connection.
  const webhookQueue = { queueName: webhookQueueName(config.QUEUE_NAME), settings: webhookSettings, logger };
  const webhooks = createWebhookSender({ connection: redis, ...webhookQueue });
  const apiWebhooks = createWebhookSender({ connection: apiRedis, ...webhookQueue });

  const reddit =
    overrides.reddit === false
      ? undefined
      : createRedditFeatures({
          config,
          redis,
          jobs,
          queue,
          api: { redis: apiRedis, jobs: apiJobs, queue: apiQueue, acceptWithinMs: config.REDIS_COMMAND_TIMEOUT_MS },
          logger,
          media: createMediaLibrary(store),
          ...overrides.reddit,
        });
  // Undefined without YouTube credentials: publish.youtube requests are then refused with a 422.
  const youtube = overrides.youtube
    ? overrides.youtube({ store, redis, jobs })
    : createYoutubePublisherFromConfig({ config, redis, store, logger });

  let worker: VideoWorker | undefined;
  let scheduleWorker: ScheduleWorker | undefined;
  // Scale-in protection while a job runs (a job can take the renderer 15 minutes); off outside ECS.
  const taskProtection = createTaskProtection({ agentUri: config.ECS_AGENT_URI, expiresInMinutes: 60, logger });
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
      drainGraceMs: config.WORKER_DRAIN_GRACE_MS,
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
      voices,
      sources: reddit ? { ...defaultStorySources, reddit: reddit.source } : defaultStorySources,
      webhooks,
      logger,
      signedUrlTtlSeconds: config.SIGNED_URL_TTL_SECONDS,
      youtube,
      dependencyWait: { maxWaitMs: config.DEPENDENCY_WAIT_MS, maxBackoffMs: config.DEPENDENCY_BACKOFF_MAX_MS },
      dependencyCheckIntervalMs: config.DEPENDENCY_CHECK_INTERVAL_MS,
      drainGraceMs: config.WORKER_DRAIN_GRACE_MS,
      reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
      taskProtection,
      chunks,
      chunkPolicy: chunkPolicyFromConfig(config, discoveredCapacity({ rendererUrl: config.RENDERER_URL, logger })),
    });
  }

  const app = createApp({
    config,
    logger,
    store,
    jobs: apiJobs,
    queue: apiQueue,
    events: apiEvents,
    idempotency: new IdempotencyStore({ redis: apiRedis }),
    rateLimiter: createRateLimiter({ redis: apiRedis, perMinute: config.RATE_LIMIT_PER_MINUTE }),
    webhooks: apiWebhooks,
    imagegen,
    renderer,
    redis: apiRedis,
    voices,
    files: config.S3_BUCKET ? undefined : { signingSecret: config.STORAGE_SIGNING_SECRET ?? "" },
    reddit: reddit?.api,
    schedules: reddit?.api.schedules,
    youtube,
    ...overrides.app,
  });

  return {
    app,
    store,
    redis,
    apiRedis,
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
      { name: "task-protection", run: () => taskProtection.close() },
      { name: "chunk-worker", run: () => chunkWorker?.close() },
      { name: "chunk-queue", run: () => chunks.queue.close() },
      { name: "schedules", run: () => reddit?.schedules.close() },
      { name: "api-schedules", run: () => reddit?.api.schedules.close() },
      { name: "queue", run: () => queue.close() },
      { name: "api-queue", run: () => apiQueue.close() },
      { name: "queue-metrics", run: () => queueMetrics.close() },
      { name: "events", run: () => events.close() },
      { name: "api-events", run: () => apiEvents.close() },
      // Pending webhook deliveries stay in their queue for the next worker.
      { name: "webhooks", run: () => webhooks.close() },
      { name: "api-webhooks", run: () => apiWebhooks.close() },
      {
        name: "api-redis",
        run: () =>
          apiRedis.quit().then(
            () => undefined,
            () => apiRedis.disconnect(),
          ),
      },
    ],
  };
}
