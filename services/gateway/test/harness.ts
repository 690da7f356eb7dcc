import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createImagegenClient, createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import { Redis } from "ioredis";
import { IdempotencyStore } from "../src/api/idempotency.ts";
import { createApp, type GatewayApp } from "../src/app.ts";
import { type GatewayConfig, gatewayConfigSchema } from "../src/config.ts";
import { createJobEvents, type JobEvents } from "../src/jobs/job-events.ts";
import { JobStore } from "../src/jobs/job-store.ts";
import { createVideoQueue } from "../src/jobs/video-queue.ts";
import type { YoutubePublisher } from "../src/pipeline/pipeline.types.ts";
import { createWebhookSender } from "../src/pipeline/webhook.ts";
import { defaultStorySources } from "../src/sources/index.ts";
import { createWorker, type VideoWorker } from "../src/worker.ts";
import { type FakeImagegen, startFakeImagegen } from "./fakes/fake-imagegen.ts";
import { type FakeRenderer, startFakeRenderer } from "./fakes/fake-renderer.ts";
import { startRedis, type TestRedis } from "./redis.ts";

export const API_KEY = "test-api-key-0123456789";
const INTERNAL_TOKEN = "test-internal-token-0123456789";

export interface Harness {
  app: GatewayApp;
  config: GatewayConfig;
  store: ObjectStore;
  storageDir: string;
  jobs: JobStore;
  events: JobEvents;
  redis: Redis;
  testRedis: TestRedis;
  renderer: FakeRenderer;
  imagegen: FakeImagegen;
  worker: VideoWorker | undefined;
  /** Aborting it is what main.ts does at shutdown (open SSE streams end). */
  shutdown: AbortController;
  /** app.request with the API key (and JSON content type when a body is given). */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Polls GET /v1/videos/{id} until the status is one of `statuses`. */
  waitForStatus<T = Record<string, unknown>>(id: string, statuses: string[], timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/**
 * The gateway as main.ts wires it, around a private redis-server, a temp storage directory, the
 * real HTTP clients and protocol fakes of imagegen and renderer listening on real ports.
 */
export async function startHarness({
  env = {},
  runWorker = true,
  youtube,
}: {
  env?: Record<string, string>;
  runWorker?: boolean;
  /** Builds a YouTube publisher around the harness's store and Redis (publishing is off without it). */
  youtube?: (context: { store: ObjectStore; redis: Redis; jobs: JobStore }) => YoutubePublisher;
} = {}): Promise<Harness> {
  const testRedis = await startRedis();
  const storageDir = await mkdtemp(path.join(tmpdir(), "gateway-store-"));
  const config = gatewayConfigSchema.parse({
    API_KEYS: `${API_KEY},second-api-key-0123456789`,
    INTERNAL_TOKEN,
    STORAGE_SIGNING_SECRET: "test-signing-secret-0123456789",
    STORAGE_DIR: storageDir,
    REDIS_URL: testRedis.url,
    JOB_ATTEMPTS: "1",
    JOB_BACKOFF_MS: "100",
    LOG_LEVEL: "silent",
    ...env,
  });
  const logger = silentLogger();
  const store = createLocalObjectStore({
    root: storageDir,
    signingSecret: config.STORAGE_SIGNING_SECRET ?? "",
    publicBaseUrl: config.PUBLIC_BASE_URL,
  });
  const renderer = await startFakeRenderer({ store, token: INTERNAL_TOKEN });
  const imagegen = await startFakeImagegen({ store, token: INTERNAL_TOKEN });
  const redis = new Redis(config.REDIS_URL);
  const jobs = new JobStore({ redis });
  const events = createJobEvents({ redis });
  const queue = createVideoQueue({
    connection: redis,
    name: config.QUEUE_NAME,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  // Few retries with short timeouts: the fakes answer at once or not at all.
  const imagegenClient = createImagegenClient({ baseUrl: imagegen.url, token: INTERNAL_TOKEN, retries: 1 });
  const rendererClient = createRendererClient({ baseUrl: renderer.url, token: INTERNAL_TOKEN, retries: 1 });
  const webhooks = createWebhookSender({ secret: "test-webhook-secret-0123", timeoutMs: 2000, logger, backoffMs: 10 });
  const publisher = youtube?.({ store, redis, jobs });
  const worker = runWorker
    ? await createWorker({
        redis,
        queueName: config.QUEUE_NAME,
        concurrency: 2,
        failedRetentionSeconds: config.FAILED_JOB_RETENTION_SECONDS,
        jobs,
        events,
        store,
        imagegen: imagegenClient,
        renderer: rendererClient,
        sources: defaultStorySources,
        webhooks,
        logger,
        signedUrlTtlSeconds: config.SIGNED_URL_TTL_SECONDS,
        youtube: publisher,
      })
    : undefined;
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
    imagegen: imagegenClient,
    renderer: rendererClient,
    redis,
    youtube: publisher,
    files: { signingSecret: config.STORAGE_SIGNING_SECRET ?? "" },
    sseHeartbeatMs: 200,
    shutdownSignal: shutdown.signal,
    readinessTimeoutMs: 1000,
  });

  const call: Harness["call"] = async (method, urlPath, body, headers = {}) =>
    app.request(urlPath, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });

  const waitForStatus = async <T>(id: string, statuses: string[], timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = (await (await call("GET", `/v1/videos/${id}`)).json()) as Record<string, unknown>;
      if (statuses.includes(String(job.status))) return job as T;
      if (Date.now() > deadline) throw new Error(`job ${id} is still ${String(job.status)}: ${JSON.stringify(job)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    app,
    config,
    store,
    storageDir,
    jobs,
    events,
    redis,
    testRedis,
    renderer,
    imagegen,
    worker,
    shutdown,
    call,
    waitForStatus,
    async close() {
      await worker?.close();
      await queue.close();
      await events.close();
      redis.disconnect();
      await renderer.close();
      await imagegen.close();
      await testRedis.stop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

export const textStory = (title = "TIL octopuses have three hearts") => ({
  source: {
    type: "text",
    title,
    body: "Two of them pump blood to the gills. The third pumps it to the rest of the body.",
    comments: [{ author: "marine_bio", body: "And their blood is blue, thanks to copper." }],
  },
  format: "short",
});
