import { jobIdSchema, objectKeySchema, renderPartSchema, renderRequestSchema } from "@video-service/contracts";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { type Job, Queue, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { jobCatalog } from "./jobs/catalog.ts";
import { isTerminal, type JobStore } from "./jobs/job.store.ts";
import type { JobEvents } from "./jobs/job-events.ts";
import { abortedByDrain, drainWorker, handBackJob } from "./jobs/worker-drain.ts";
import type { RendererClient } from "./pipeline/pipeline.types.ts";
import { createProgressTracker } from "./pipeline/progress.ts";
import { RENDER_TIMEOUT_MS } from "./pipeline/stages/render.stage.ts";
import { type RenderFlow, type RenderPartJob, renderFractionOfParts } from "./pipeline/stages/render-chunks.stage.ts";
import { createRenderPartsProgress, type RenderPartsProgress } from "./pipeline/stages/render-parts-progress.ts";

/** The queue of chunk jobs beside a video queue. */
export const chunkQueueName = (videoQueueName: string): string => `${videoQueueName}-chunks`;

/** What a chunk job carries (validated when dequeued: the queue outlives deploys). */
export const renderPartJobSchema = z.object({
  videoId: jobIdSchema,
  run: z.number().int().positive(),
  name: z.string().regex(/^[a-z0-9-]{1,40}$/),
  key: objectKeySchema,
  timelineKey: objectKeySchema,
  part: renderPartSchema,
});

export interface ChunkQueue {
  queue: Queue<RenderPartJob>;
  /** Attempts per part (a failed part is retried alone) and the first backoff. */
  attempts: number;
  backoffMs: number;
  /** Where the parts' progress is combined (the chunk workers report, the video job plans). */
  progress: RenderPartsProgress;
}

export function createChunkQueue(options: {
  connection: Redis;
  videoQueueName: string;
  attempts: number;
  backoffMs: number;
}): ChunkQueue {
  return {
    queue: new Queue<RenderPartJob>(chunkQueueName(options.videoQueueName), { connection: options.connection }),
    attempts: options.attempts,
    backoffMs: options.backoffMs,
    progress: createRenderPartsProgress({ redis: options.connection }),
  };
}

/**
 * The running video job (`bullJob`, locked by `token`) as the parent of its part jobs. Part job
 * ids name the video, the run, the parent's attempt and the part: re-queueing within one attempt
 * (after a crash before the wait) adds nothing twice, and a new attempt queues fresh jobs for the
 * parts still missing. A part that fails for good is an "ignored" dependency, so the parent
 * resumes once every part has finished either way, and decides.
 */
export function createRenderFlow(bullJob: Job, token: string | undefined, chunks: ChunkQueue): RenderFlow {
  const attemptTag = `a${bullJob.attemptsMade}`;
  const partJobId = (part: RenderPartJob) => `${part.videoId}-r${part.run}-${attemptTag}-${part.name}`;
  return {
    async addParts(parts) {
      if (bullJob.id === undefined) throw new Error("the video job has no id");
      // A part job of this attempt that exists already is not added again: re-adding a finished
      // (failed) child would make the parent wait for it forever.
      const existing = await Promise.all(parts.map((part) => chunks.queue.getJob(partJobId(part))));
      const fresh = parts.filter((_, index) => existing[index] === undefined);
      if (fresh.length === 0) return;
      await chunks.queue.addBulk(
        fresh.map((part) => ({
          name: "renderPart",
          data: part,
          opts: {
            jobId: partJobId(part),
            parent: { id: bullJob.id as string, queue: bullJob.queueQualifiedName },
            attempts: chunks.attempts,
            backoff: { type: "exponential", delay: chunks.backoffMs },
            ignoreDependencyOnFailure: true,
            removeOnComplete: { age: 3600, count: 5000 },
            removeOnFail: { age: 7 * 86_400, count: 5000 },
          },
        })),
      );
    },
    async waitForParts() {
      if (token === undefined) throw new Error("the video job has no lock token");
      return bullJob.moveToWaitingChildren(token);
    },
    async planProgress(parts) {
      const { videoId, run } = jobCatalog.renderVideo.schema.parse(bullJob.data);
      await chunks.progress.plan(videoId, run, parts);
    },
    async partFailures() {
      const failures = await bullJob.getIgnoredChildrenFailures();
      return Object.entries(failures)
        .filter(([key]) => key.includes(`-${attemptTag}-`))
        .map(([key, reason]) => `${key.slice(key.indexOf(`-${attemptTag}-`) + attemptTag.length + 2)}: ${reason}`);
    },
  };
}

/** True when the job has had part jobs (it is a parent resumed after waiting for them). */
export async function hadParts(bullJob: Job): Promise<boolean> {
  const counts = await bullJob.getDependenciesCount();
  return Object.values(counts).some((count) => count > 0);
}

export interface ChunkWorkerDeps {
  redis: Redis;
  videoQueueName: string;
  concurrency: number;
  jobs: JobStore;
  events: JobEvents;
  store: ObjectStore;
  renderer: RendererClient;
  logger: Logger;
  stalledJobs?: Pick<WorkerOptions, "lockDuration" | "stalledInterval" | "maxStalledCount">;
  /** At close, how long a running part may finish before it is aborted and handed back (default 5 s). */
  drainGraceMs?: number;
}

export interface ChunkWorker {
  /**
   * Stops taking parts; a running part may finish within the drain grace, then it is aborted (the
   * renderer kills its FFmpeg) and handed back to the queue without spending an attempt.
   */
  close(): Promise<void>;
}

/**
 * Renders the parts of chunked renders: takes a part job, skips it when its video is gone,
 * finished, cancelled or superseded by a retry, or when the part is already stored; otherwise asks
 * a renderer for it (any renderer task behind RENDERER_URL). A cancel of the video (Redis pub/sub)
 * aborts every part of it running here, which disconnects the renderer and kills its FFmpeg.
 */
export async function createChunkWorker(deps: ChunkWorkerDeps): Promise<ChunkWorker> {
  const { jobs, store, logger } = deps;
  const partsProgress = createRenderPartsProgress({ redis: deps.redis });
  const running = new Map<string, Set<AbortController>>();
  const unsubscribeCancel = await deps.events.onCancel((id) => {
    for (const controller of running.get(id) ?? []) {
      controller.abort(new DOMException("the job was cancelled", "AbortError"));
    }
  });

  const processPart = async (bullJob: Job<RenderPartJob>, token?: string): Promise<string> => {
    const part = renderPartJobSchema.parse(bullJob.data);
    const record = await jobs.get(part.videoId);
    if (!record || record.run !== part.run || isTerminal(record.status)) return "skipped";
    if ((await store.head(part.key)) !== undefined) return "stored already";
    const timeline = renderRequestSchema.parse(JSON.parse((await store.get(part.timelineKey)).toString("utf8")));
    const controller = new AbortController();
    const mine = running.get(part.videoId) ?? new Set<AbortController>();
    mine.add(controller);
    running.set(part.videoId, mine);
    // The job's render progress moves with its parts (combined across every chunk worker).
    const progress = createProgressTracker({ id: part.videoId, jobs, events: deps.events });
    let reports = Promise.resolve();
    const report = (fraction: number) => {
      reports = reports
        .then(async () => {
          const combined = await partsProgress.report(part.videoId, part.run, part.name, fraction);
          if (combined && !controller.signal.aborted)
            progress.report("render", renderFractionOfParts(combined.fraction));
        })
        .catch((err: unknown) => logger.warn({ jobId: part.videoId, err }, "could not record a part's progress"));
    };
    try {
      const done = await deps.renderer.renderPart(
        { ...timeline, outputKey: part.key, part: part.part },
        { signal: controller.signal, timeoutMs: RENDER_TIMEOUT_MS[timeline.format], onProgress: report },
      );
      report(1);
      await reports;
      await progress.flush();
      logger.info({ jobId: part.videoId, part: part.name, seconds: done.elapsedSeconds }, "render part done");
      return "rendered";
    } catch (err) {
      // Not the part's fault: back to the queue for another worker, no attempt spent.
      if (abortedByDrain(controller.signal)) {
        logger.info({ jobId: part.videoId, part: part.name }, "handing the running part back to the queue");
        return handBackJob(bullJob, token, "chunk worker shutting down");
      }
      if (controller.signal.aborted && (await jobs.get(part.videoId))?.status === "cancelled") return "cancelled";
      logger.warn(
        { jobId: part.videoId, part: part.name, err, attempt: bullJob.attemptsMade + 1 },
        "render part failed",
      );
      throw err;
    } finally {
      mine.delete(controller);
      if (mine.size === 0) running.delete(part.videoId);
    }
  };

  const connection = deps.redis.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker<RenderPartJob, string>(chunkQueueName(deps.videoQueueName), processPart, {
    connection,
    concurrency: deps.concurrency,
    autorun: true,
    ...deps.stalledJobs,
  });
  worker.on("error", (err) => logger.error({ err }, "chunk worker error"));

  return {
    async close() {
      await drainWorker({
        worker,
        graceMs: deps.drainGraceMs ?? 5000,
        abortRunning: (reason) => {
          for (const controllers of running.values()) for (const controller of controllers) controller.abort(reason);
        },
      });
      await unsubscribeCancel();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
