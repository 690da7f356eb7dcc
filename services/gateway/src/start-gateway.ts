import { createImagegenClient, createRendererClient } from "@video-service/http-client";
import type { Logger } from "@video-service/logger";
import { createObjectStore } from "@video-service/object-store";
import { storageConfigFromEnv } from "@video-service/object-store/storage-env";
import { installShutdown, listen } from "@video-service/shutdown";
import type { Telemetry } from "@video-service/telemetry";
import { Redis } from "ioredis";
import { IdempotencyStore } from "./api/idempotency.ts";
import { createApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";
import { createJobEvents } from "./jobs/job-events.ts";
import { JobStore } from "./jobs/job-store.ts";
import { createVideoQueue } from "./jobs/video-queue.ts";
import { createWebhookSender } from "./pipeline/webhook.ts";
import { createScheduleWorker, type ScheduleWorker } from "./schedules/schedule.service.ts";
import { defaultStorySources } from "./sources/index.ts";
import { createRedditFeatures, scheduleQueueName } from "./trends/reddit-setup.ts";
import { createWorker, type VideoWorker } from "./worker.ts";
import { createYoutubePublisherFromConfig } from "./youtube/index.ts";

/**
 * Builds the adapters from the configuration, starts the worker (unless RUN_WORKER=false) and the
 * HTTP server, and installs the graceful shutdown. Loaded by main.ts after telemetry is started.
 */
export async function startGateway({
  config,
  logger,
  telemetry,
}: {
  config: GatewayConfig;
  logger: Logger;
  telemetry: Telemetry;
}): Promise<void> {
  const store = createObjectStore(storageConfigFromEnv(config));

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
  });
  const renderer = createRendererClient({ baseUrl: config.RENDERER_URL, token: config.INTERNAL_TOKEN, logger });
  const webhooks = createWebhookSender({ secret: config.WEBHOOK_SECRET, timeoutMs: config.WEBHOOK_TIMEOUT_MS, logger });

  const reddit = createRedditFeatures({ config, redis, jobs, queue, logger });
  // Undefined without YouTube credentials: publish.youtube requests are then refused with a 422.
  const youtube = createYoutubePublisherFromConfig({ config, redis, store, logger });
  // Schedules live in Redis; their BullMQ job schedulers too. Make them agree after a restart, in
  // the background: a Redis outage at start must not keep the gateway from serving /healthz.
  void reddit.schedules
    .reconcile()
    .catch((err: unknown) =>
      logger.error({ err }, "could not reconcile the schedules with the queue; its job schedulers stay as they were"),
    );

  let worker: VideoWorker | undefined;
  let scheduleWorker: ScheduleWorker | undefined;
  if (config.RUN_WORKER) {
    scheduleWorker = createScheduleWorker({
      connection: redis,
      queueName: scheduleQueueName(config.QUEUE_NAME),
      service: reddit.schedules,
      logger,
    });
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
      sources: { ...defaultStorySources, reddit: reddit.source },
      webhooks,
      logger,
      signedUrlTtlSeconds: config.SIGNED_URL_TTL_SECONDS,
      youtube,
    });
  }

  const shutdown = new AbortController();
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
    schedules: reddit.schedules,
    youtube,
    shutdownSignal: shutdown.signal,
  });

  const server = await listen(app, { port: config.PORT, hostname: config.HOST });
  logger.info({ url: server.url, worker: config.RUN_WORKER }, "gateway listening");

  installShutdown({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    steps: [
      // Stop accepting requests first; open SSE streams end when the connections close.
      {
        name: "http",
        run: () => {
          shutdown.abort();
          return server.close();
        },
      },
      // The running stage finishes; later stages go back to the queue for another task.
      { name: "schedules-worker", run: () => scheduleWorker?.close() },
      { name: "worker", run: () => worker?.close() },
      { name: "schedules", run: () => reddit.schedules.close() },
      { name: "queue", run: () => queue.close() },
      { name: "events", run: () => events.close() },
      { name: "redis", run: async () => void (await redis.quit()) },
      { name: "telemetry", run: () => telemetry.shutdown() },
    ],
  });
}
