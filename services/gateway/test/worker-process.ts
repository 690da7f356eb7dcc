/**
 * A video worker in a process of its own, so that a test can kill it mid-job (SIGKILL: no
 * drain, no lock release) the way a crashed or OOM-killed task dies. Run with
 * `node test/worker-process.ts '<json WorkerProcessOptions>'`; prints "ready" once it takes jobs.
 */
import { createImagegenClient, createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { addressPolicy } from "@video-service/net-guard";
import { createLocalObjectStore } from "@video-service/object-store";
import { Redis } from "ioredis";
import { JobStore } from "../src/jobs/job.store.ts";
import { createJobEvents } from "../src/jobs/job-events.ts";
import { createWebhookSender, webhookQueueName } from "../src/pipeline/webhook.ts";
import { defaultStorySources } from "../src/sources/index.ts";
import { createWorker } from "../src/video.worker.ts";

export interface WorkerProcessOptions {
  redisUrl: string;
  queueName: string;
  storageDir: string;
  signingSecret: string;
  publicBaseUrl: string;
  imagegenUrl: string;
  rendererUrl: string;
  internalToken: string;
  webhookSecret: string;
  /** BullMQ's lock of a running job; short, so that the job is found stalled soon after the kill. */
  lockDuration: number;
  /**
   * How often it checks for stalled jobs: every worker's check blocks the others' for this long
   * (BullMQ's "stalled-check" key), so the workers of a queue share it, as in a deployment.
   */
  stalledInterval: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as WorkerProcessOptions;
const logger = silentLogger();
const redis = new Redis(options.redisUrl);
const jobs = new JobStore({ redis });
const store = createLocalObjectStore({
  root: options.storageDir,
  signingSecret: options.signingSecret,
  publicBaseUrl: options.publicBaseUrl,
});
await createWorker({
  redis,
  queueName: options.queueName,
  concurrency: 1,
  failedRetentionSeconds: 60,
  jobs,
  events: createJobEvents({ redis }),
  store,
  imagegen: createImagegenClient({ baseUrl: options.imagegenUrl, token: options.internalToken, retries: 0 }),
  renderer: createRendererClient({ baseUrl: options.rendererUrl, token: options.internalToken, retries: 0 }),
  sources: defaultStorySources,
  webhooks: createWebhookSender({
    connection: redis,
    queueName: webhookQueueName(options.queueName),
    settings: {
      secrets: [options.webhookSecret],
      timeoutMs: 1000,
      backoffMs: 10,
      policy: addressPolicy(["127.0.0.1"]),
      requireHttps: false,
    },
    logger,
  }),
  logger,
  signedUrlTtlSeconds: 60,
  stalledJobs: { lockDuration: options.lockDuration, stalledInterval: options.stalledInterval },
});
process.stdout.write("ready\n");
