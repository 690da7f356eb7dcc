/**
 * A chunk worker in a process of its own, so that a test can kill it mid-part (SIGKILL: no drain,
 * no lock release) the way a crashed task dies, or stop it (SIGTERM: the worker drains, as
 * start-gateway.ts closes it at shutdown, and the process exits). Run with
 * `node test/chunk-worker-process.ts '<json ChunkWorkerProcessOptions>'`; prints "ready" once it takes jobs.
 */
import { createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore } from "@video-service/object-store";
import { Redis } from "ioredis";
import { createChunkWorker } from "../src/chunk.worker.ts";
import { JobStore } from "../src/jobs/job.store.ts";
import { createJobEvents } from "../src/jobs/job-events.ts";

export interface ChunkWorkerProcessOptions {
  redisUrl: string;
  queueName: string;
  storageDir: string;
  signingSecret: string;
  publicBaseUrl: string;
  rendererUrl: string;
  internalToken: string;
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
  /** At SIGTERM, how long a running part may finish before it is handed back. */
  drainGraceMs?: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as ChunkWorkerProcessOptions;
const redis = new Redis(options.redisUrl);
const worker = await createChunkWorker({
  redis,
  videoQueueName: options.queueName,
  concurrency: options.concurrency,
  jobs: new JobStore({ redis }),
  events: createJobEvents({ redis }),
  store: createLocalObjectStore({
    root: options.storageDir,
    signingSecret: options.signingSecret,
    publicBaseUrl: options.publicBaseUrl,
  }),
  renderer: createRendererClient({ baseUrl: options.rendererUrl, token: options.internalToken, retries: 0 }),
  logger: silentLogger(),
  stalledJobs: { lockDuration: options.lockDuration, stalledInterval: options.stalledInterval },
  ...(options.drainGraceMs === undefined ? {} : { drainGraceMs: options.drainGraceMs }),
});
process.once("SIGTERM", () => {
  void worker
    .close()
    .then(() => redis.quit())
    .then(() => process.exit(0));
});
process.stdout.write("ready\n");
