import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createImagegenClient, createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { IdempotencyStore } from "../src/api/idempotency.ts";
import { createApp, type GatewayApp } from "../src/app.ts";
import { type GatewayConfig, gatewayConfigSchema } from "../src/config.ts";
import { createJobEvents } from "../src/jobs/job-events.ts";
import { JobStore } from "../src/jobs/job-store.ts";
import { createVideoQueue } from "../src/jobs/video-queue.ts";
import { createWebhookSender } from "../src/pipeline/webhook.ts";
import { createScheduleWorker, type ScheduleWorker } from "../src/schedules/schedule.service.ts";
import { defaultStorySources } from "../src/sources/index.ts";
import { createRedditFeatures, type RedditFeatures, scheduleQueueName } from "../src/trends/reddit-setup.ts";
import { createWorker, type VideoWorker } from "../src/worker.ts";
import { type FakeImagegen, startFakeImagegen } from "./fakes/fake-imagegen.ts";
import { type FakeReddit, startFakeReddit } from "./fakes/fake-reddit.ts";
import { type FakeRenderer, startFakeRenderer } from "./fakes/fake-renderer.ts";
import { startRedis, type TestRedis } from "./redis.ts";

export const API_KEY = "test-api-key-0123456789";
const INTERNAL_TOKEN = "test-internal-token-0123456789";

/** One gateway process's worth of objects; `restart` replaces it on the same Redis. */
interface GatewayInstance {
  app: GatewayApp;
  redis: Redis;
  jobs: JobStore;
  reddit: RedditFeatures;
  worker: VideoWorker | undefined;
  scheduleWorker: ScheduleWorker | undefined;
  close(): Promise<void>;
}

export interface RedditHarness {
  readonly app: GatewayApp;
  readonly jobs: JobStore;
  readonly reddit: RedditFeatures;
  readonly redis: Redis;
  config: GatewayConfig;
  store: ObjectStore;
  fakeReddit: FakeReddit;
  renderer: FakeRenderer;
  imagegen: FakeImagegen;
  /** A BullMQ Queue handle on the schedules queue, to look at its job schedulers and fire them. */
  scheduleQueue(): Queue;
  /** Closes the gateway's objects (worker, queues, Redis connection) and builds new ones on the same Redis. */
  restart(): Promise<void>;
  call(method: string, path: string, body?: unknown): Promise<Response>;
  waitForStatus<T = Record<string, unknown>>(id: string, statuses: string[], timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/**
 * The gateway wired as start-gateway.ts wires it, with Reddit: a private redis-server, the fake
 * Reddit (token endpoint, listings, comments), fakes of imagegen and renderer, the real clients.
 */
export async function startRedditHarness({ runWorker = true }: { runWorker?: boolean } = {}): Promise<RedditHarness> {
  const testRedis: TestRedis = await startRedis();
  const storageDir = await mkdtemp(path.join(tmpdir(), "gateway-reddit-"));
  const fakeReddit = await startFakeReddit();
  const config = gatewayConfigSchema.parse({
    API_KEYS: API_KEY,
    INTERNAL_TOKEN,
    STORAGE_SIGNING_SECRET: "test-signing-secret-0123456789",
    STORAGE_DIR: storageDir,
    REDIS_URL: testRedis.url,
    JOB_ATTEMPTS: "1",
    JOB_BACKOFF_MS: "100",
    LOG_LEVEL: "silent",
    REDDIT_CLIENT_ID: fakeReddit.clientId,
    REDDIT_CLIENT_SECRET: fakeReddit.clientSecret,
    REDDIT_USER_AGENT: "test:video-service-tests:1.0.0 (by /u/video_service_tests)",
    REDDIT_AUTH_URL: fakeReddit.url,
    REDDIT_API_URL: fakeReddit.url,
  });
  const logger = silentLogger();
  const store = createLocalObjectStore({
    root: storageDir,
    signingSecret: config.STORAGE_SIGNING_SECRET ?? "",
    publicBaseUrl: config.PUBLIC_BASE_URL,
  });
  const renderer = await startFakeRenderer({ store, token: INTERNAL_TOKEN });
  const imagegen = await startFakeImagegen({ store, token: INTERNAL_TOKEN });
  const imagegenClient = createImagegenClient({ baseUrl: imagegen.url, token: INTERNAL_TOKEN, retries: 1 });
  const rendererClient = createRendererClient({ baseUrl: renderer.url, token: INTERNAL_TOKEN, retries: 1 });
  const webhooks = createWebhookSender({ secret: undefined, timeoutMs: 2000, logger, backoffMs: 10 });
  const queues: Queue[] = [];

  const build = async (): Promise<GatewayInstance> => {
    const redis = new Redis(config.REDIS_URL);
    const jobs = new JobStore({ redis });
    const events = createJobEvents({ redis });
    const queue = createVideoQueue({ connection: redis, name: config.QUEUE_NAME, attempts: 1, backoffMs: 100 });
    // Reddit's waits (rate limit, backoff) take a few milliseconds here.
    const reddit = createRedditFeatures({
      config,
      redis,
      jobs,
      queue,
      logger,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))),
    });
    await reddit.schedules.reconcile();
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
          sources: { ...defaultStorySources, reddit: reddit.source },
          webhooks,
          logger,
          signedUrlTtlSeconds: config.SIGNED_URL_TTL_SECONDS,
        })
      : undefined;
    const scheduleWorker = runWorker
      ? createScheduleWorker({
          connection: redis,
          queueName: scheduleQueueName(config.QUEUE_NAME),
          service: reddit.schedules,
          logger,
        })
      : undefined;
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
      files: { signingSecret: config.STORAGE_SIGNING_SECRET ?? "" },
      reddit,
      schedules: reddit.schedules,
      readinessTimeoutMs: 1000,
    });
    return {
      app,
      redis,
      jobs,
      reddit,
      worker,
      scheduleWorker,
      async close() {
        await scheduleWorker?.close();
        await worker?.close();
        await reddit.schedules.close();
        await queue.close();
        await events.close();
        redis.disconnect();
      },
    };
  };

  let current = await build();

  const call: RedditHarness["call"] = async (method, urlPath, body) =>
    current.app.request(urlPath, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  return {
    get app() {
      return current.app;
    },
    get jobs() {
      return current.jobs;
    },
    get reddit() {
      return current.reddit;
    },
    get redis() {
      return current.redis;
    },
    config,
    store,
    fakeReddit,
    renderer,
    imagegen,
    scheduleQueue() {
      const queue = new Queue(scheduleQueueName(config.QUEUE_NAME), { connection: { url: config.REDIS_URL } });
      queues.push(queue);
      return queue;
    },
    async restart() {
      await current.close();
      current = await build();
    },
    call,
    async waitForStatus<T>(id: string, statuses: string[], timeoutMs = 20_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = (await (await call("GET", `/v1/videos/${id}`)).json()) as Record<string, unknown>;
        if (statuses.includes(String(job.status))) return job as T;
        if (Date.now() > deadline) throw new Error(`job ${id} is still ${String(job.status)}: ${JSON.stringify(job)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      for (const queue of queues) await queue.close();
      await current.close();
      await fakeReddit.close();
      await renderer.close();
      await imagegen.close();
      await testRedis.stop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}
