import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createImagegenClient, createRendererClient } from "@video-service/http-client";
import { type Logger, silentLogger } from "@video-service/logger";
import { addressPolicy } from "@video-service/net-guard";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import { withTimeout } from "@video-service/retry";
import { listen } from "@video-service/shutdown";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { GatewayApp } from "../src/app.ts";
import { type GatewayConfig, gatewayConfigSchema } from "../src/config.ts";
import type { JobStore } from "../src/jobs/job.store.ts";
import type { JobEvents } from "../src/jobs/job-events.ts";
import { createWebhookSender, webhookQueueName } from "../src/pipeline/webhook.ts";
import { defaultStorySources } from "../src/sources/index.ts";
import { type RedditFeatures, scheduleQueueName } from "../src/trends/reddit-setup.ts";
import { createWorker, type VideoWorker, type WorkerDeps } from "../src/video.worker.ts";
import { createGatewayServices, type GatewayOverrides, type GatewayServices } from "../src/wiring.ts";
import { type FakeImagegen, startFakeImagegen } from "./fakes/fake-imagegen.ts";
import { type FakeReddit, startFakeReddit } from "./fakes/fake-reddit.ts";
import { type FakeRenderer, startFakeRenderer } from "./fakes/fake-renderer.ts";
import { startRedis, type TestRedis } from "./redis.ts";

export const API_KEY = "test-api-key-0123456789";
/** A Standard Webhooks secret (whsec_ + base64 of 32 bytes). */
export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from("test-webhook-secret-0123456789ab").toString("base64")}`;
const INTERNAL_TOKEN = "test-internal-token-0123456789";

export interface Harness {
  /** The current gateway process's objects; `restart` replaces them. */
  readonly app: GatewayApp;
  readonly jobs: JobStore;
  readonly events: JobEvents;
  readonly redis: Redis;
  readonly worker: VideoWorker | undefined;
  /** Undefined unless the harness was started with the fake Reddit. */
  readonly reddit: RedditFeatures | undefined;
  config: GatewayConfig;
  store: ObjectStore;
  storageDir: string;
  testRedis: TestRedis;
  renderer: FakeRenderer;
  imagegen: FakeImagegen;
  fakeReddit: FakeReddit | undefined;
  /** Aborting it is what main.ts does at shutdown (open SSE streams end). */
  shutdown: AbortController;
  /** A BullMQ Queue handle on the schedules queue, to look at its job schedulers and fire them. */
  scheduleQueue(): Queue;
  /**
   * Closes the gateway's objects (workers, queues, Redis connection) and builds new ones on the
   * same Redis; `whileStopped` runs in between (nothing of the gateway runs then).
   */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  /** app.request with the API key (and JSON content type when a body is given). */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Polls GET /v1/videos/{id} until the status is one of `statuses`. */
  waitForStatus<T = Record<string, unknown>>(id: string, statuses: string[], timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** A harness with Reddit: the fake Reddit (token endpoint, listings, comments) behind the real client. */
export interface RedditHarness extends Harness {
  readonly reddit: RedditFeatures;
  fakeReddit: FakeReddit;
}

/**
 * The gateway as start-gateway.ts wires it (createGatewayServices), around a private redis-server,
 * a temp storage directory, the real HTTP clients and protocol fakes of imagegen and renderer (and,
 * with `reddit`, of Reddit) listening on real ports. Without `reddit` the gateway has no Reddit.
 */
export async function startHarness({
  env = {},
  runWorker = true,
  reddit = false,
  youtube,
  webhookNetwork,
  logger = silentLogger(),
  redisAppendonly = false,
  realRenderer,
  realImagegen,
}: {
  env?: Record<string, string>;
  runWorker?: boolean;
  reddit?: boolean;
  /** Webhook DNS and sockets (a resolver stub, a loopback-only connector). */
  webhookNetwork?: GatewayOverrides["webhookNetwork"];
  /** The gateway's logger (tests that read the log pass one writing to a stream). */
  logger?: Logger;
  /** Run the private Redis with AOF persistence (crash and restart tests). */
  redisAppendonly?: boolean;
  /**
   * Starts a real renderer on the harness's store (the media library's ingest needs FFmpeg); the
   * gateway then talks to it instead of the fake renderer.
   */
  realRenderer?: (options: { store: ObjectStore; token: string }) => Promise<{ url: string; close(): Promise<void> }>;
  /** Starts a real imagegen on the harness's store (real PNG cards, for a real renderer); used instead of the fake. */
  realImagegen?: (options: { store: ObjectStore; token: string }) => Promise<{ url: string; close(): Promise<void> }>;
  /** Builds a YouTube publisher around the harness's store and Redis (publishing is off without it). */
  youtube?: GatewayOverrides["youtube"];
} = {}): Promise<Harness> {
  const testRedis = await startRedis({ appendonly: redisAppendonly });
  const storageDir = await mkdtemp(path.join(tmpdir(), "gateway-store-"));
  const fakeReddit = reddit ? await startFakeReddit() : undefined;
  const parsed = gatewayConfigSchema.parse({
    API_KEYS: `${API_KEY},second-api-key-0123456789`,
    INTERNAL_TOKEN,
    STORAGE_SIGNING_SECRET: "test-signing-secret-0123456789",
    STORAGE_DIR: storageDir,
    REDIS_URL: testRedis.url,
    JOB_ATTEMPTS: "1",
    JOB_BACKOFF_MS: "100",
    LOG_LEVEL: "silent",
    RUN_WORKER: String(runWorker),
    WORKER_CONCURRENCY: "2",
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    // The tests' receivers listen on loopback.
    WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    WEBHOOK_TIMEOUT_MS: "2000",
    // Webhook retries a few milliseconds apart (full jitter under 10 ms, unless the receiver asks for a wait).
    WEBHOOK_BACKOFF_MS: "10",
    ...(fakeReddit
      ? {
          REDDIT_CLIENT_ID: fakeReddit.clientId,
          REDDIT_CLIENT_SECRET: fakeReddit.clientSecret,
          REDDIT_USER_AGENT: "test:video-service-tests:1.0.0 (by /u/video_service_tests)",
          REDDIT_AUTH_URL: fakeReddit.url,
          REDDIT_API_URL: fakeReddit.url,
        }
      : {}),
    ...env,
  });
  // The fakes write their outputs into the gateway's store.
  const store = createLocalObjectStore({
    root: storageDir,
    signingSecret: parsed.STORAGE_SIGNING_SECRET ?? "",
    publicBaseUrl: parsed.PUBLIC_BASE_URL,
  });
  const renderer = await startFakeRenderer({ store, token: INTERNAL_TOKEN });
  const imagegen = await startFakeImagegen({ store, token: INTERNAL_TOKEN });
  const real = realRenderer ? await realRenderer({ store, token: INTERNAL_TOKEN }) : undefined;
  const realCards = realImagegen ? await realImagegen({ store, token: INTERNAL_TOKEN }) : undefined;
  const config: GatewayConfig = {
    ...parsed,
    IMAGEGEN_URL: realCards?.url ?? imagegen.url,
    RENDERER_URL: real?.url ?? renderer.url,
  };
  const shutdown = new AbortController();
  const overrides: GatewayOverrides = {
    store,
    // Few retries: the fakes answer at once or not at all.
    serviceClients: { retries: 1 },
    // Reddit's waits (rate limit, backoff) take a few milliseconds here.
    reddit: fakeReddit ? { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))) } : false,
    ...(youtube ? { youtube } : {}),
    ...(webhookNetwork ? { webhookNetwork } : {}),
    app: { shutdownSignal: shutdown.signal, sseHeartbeatMs: 200, readinessTimeoutMs: 1000 },
  };
  const queues: Queue[] = [];

  const build = async (): Promise<GatewayServices> => {
    const services = await createGatewayServices({ config, logger, overrides });
    await services.reddit?.schedules.reconcile();
    return services;
  };
  const closeServices = async (services: GatewayServices) => {
    for (const step of services.closeSteps) await step.run();
    services.redis.disconnect();
  };

  let current = await build();

  const call: Harness["call"] = async (method, urlPath, body, headers = {}) =>
    current.app.request(urlPath, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });

  return {
    get app() {
      return current.app;
    },
    get jobs() {
      return current.jobs;
    },
    get events() {
      return current.events;
    },
    get redis() {
      return current.redis;
    },
    get worker() {
      return current.worker;
    },
    get reddit() {
      return current.reddit;
    },
    config,
    store,
    storageDir,
    testRedis,
    renderer,
    imagegen,
    fakeReddit,
    shutdown,
    scheduleQueue() {
      const queue = new Queue(scheduleQueueName(config.QUEUE_NAME), { connection: { url: config.REDIS_URL } });
      queues.push(queue);
      return queue;
    },
    async restart(whileStopped) {
      await closeServices(current);
      await whileStopped?.();
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
      // Every step is bounded: a step that hangs is named on stderr and the rest still close.
      const step = (name: string, run: () => Promise<unknown>) =>
        withTimeout(20_000, undefined, `harness close: ${name}`, run).catch((err: unknown) => {
          process.stderr.write(`${(err as Error).message}\n`);
        });
      for (const queue of queues) await step("queue", () => queue.close());
      await step("gateway services", () => closeServices(current));
      await step("fake Reddit", async () => fakeReddit?.close());
      await step("fake renderer", () => renderer.close());
      await step("real renderer", async () => real?.close());
      await step("real imagegen", async () => realCards?.close());
      await step("fake imagegen", () => imagegen.close());
      await testRedis.stop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** startHarness with the fake Reddit. */
export async function startRedditHarness({ runWorker = true }: { runWorker?: boolean } = {}): Promise<RedditHarness> {
  return (await startHarness({ runWorker, reddit: true })) as RedditHarness;
}

/**
 * A second video worker on the harness's Redis, queue, store and fakes (for drain and crash
 * tests); the caller closes it.
 */
export function startExtraWorker(h: Harness, options: Partial<WorkerDeps> = {}): Promise<VideoWorker> {
  const logger = silentLogger();
  const token = h.config.INTERNAL_TOKEN;
  return createWorker({
    redis: h.redis,
    queueName: h.config.QUEUE_NAME,
    concurrency: 1,
    failedRetentionSeconds: 60,
    jobs: h.jobs,
    events: h.events,
    store: h.store,
    imagegen: createImagegenClient({ baseUrl: h.imagegen.url, token }),
    renderer: createRendererClient({ baseUrl: h.renderer.url, token }),
    sources: defaultStorySources,
    webhooks: createWebhookSender({
      connection: h.redis,
      queueName: webhookQueueName(h.config.QUEUE_NAME),
      settings: {
        secrets: h.config.WEBHOOK_SECRET,
        timeoutMs: 1000,
        backoffMs: 10,
        policy: addressPolicy(h.config.WEBHOOK_ALLOW_HOSTS),
        requireHttps: false,
      },
      logger,
    }),
    logger,
    signedUrlTtlSeconds: 60,
    ...options,
  });
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

export interface ServedHarness {
  harness: Harness;
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/**
 * startHarness behind a real HTTP server on 127.0.0.1 (for browsers and child processes). The port
 * is chosen first, so the gateway's signed download URLs (PUBLIC_BASE_URL) point at this server.
 */
export async function startServedHarness(options: Parameters<typeof startHarness>[0] = {}): Promise<ServedHarness> {
  let gateway: Harness | undefined;
  const server = await listen(
    { fetch: (request: Request) => (gateway ? gateway.app.fetch(request) : new Response("starting", { status: 503 })) },
    { port: 0, hostname: "127.0.0.1" },
  );
  try {
    gateway = await startHarness({ ...options, env: { ...options.env, PUBLIC_BASE_URL: server.url } });
  } catch (err) {
    await server.close();
    throw err;
  }
  const harness = gateway;
  return {
    harness,
    url: server.url,
    async close() {
      await server.close();
      await harness.close();
    },
  };
}
