import type { TaskProtection } from "@video-service/task-protection";
import { withParentCarrier, withSpan } from "@video-service/telemetry";
import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import { type ChunkQueue, createRenderFlow, hadParts } from "./chunk.worker.ts";
import { type JobPayload, jobCatalog } from "./jobs/catalog.ts";
import { monitorDependencies } from "./jobs/dependency-monitor.ts";
import { isTerminal, type JobRecord, type TransitionOptions } from "./jobs/job.store.ts";
import type { StageName, StageState } from "./jobs/job.types.ts";
import { deleteTempObjects, notifyWebhook } from "./jobs/job-cleanup.ts";
import { createJobReconciler } from "./jobs/job-reconciler.ts";
import { abortedByDrain, drainWorker, handBackJob } from "./jobs/worker-drain.ts";
import { DeferredError } from "./pipeline/deferred-error.ts";
import {
  type DependencyWaitPolicy,
  type DependencyWaitState,
  decideDependencyWait,
  unavailableDependency,
} from "./pipeline/dependency-wait.ts";
import { toJobError } from "./pipeline/job-error.ts";
import type { PipelineDeps } from "./pipeline/pipeline.types.ts";
import { DrainingError, runPipeline, StageError } from "./pipeline/run-pipeline.ts";
import { createWebhookDeliveryWorker } from "./webhooks/webhook-delivery.worker.ts";

export interface WorkerDeps extends PipelineDeps {
  /** BullMQ's blocking connection is duplicated from it (with maxRetriesPerRequest: null). */
  redis: Redis;
  queueName: string;
  concurrency: number;
  /** How long a failed job keeps its temp objects for a retry. */
  failedRetentionSeconds: number;
  /** How often expired temp objects of failed jobs are swept; default one minute. */
  sweepIntervalMs?: number;
  /** BullMQ's stalled-job timings (BullMQ's defaults otherwise); the tests shorten them to simulate a crash. */
  stalledJobs?: Pick<WorkerOptions, "lockDuration" | "stalledInterval" | "maxStalledCount">;
  /** How long a job waits for an unavailable dependency, and its longest pause (default 30 min, 30 s). */
  dependencyWait?: DependencyWaitPolicy;
  /** How often imagegen, the renderer and storage are checked (default 5 s); no job is taken while one is down. */
  dependencyCheckIntervalMs?: number;
  /** At close, how long a running stage may finish before the job is handed back (default 5 s). */
  drainGraceMs?: number;
  /** How often "running" records are reconciled with the queue (default one minute). */
  reconcileIntervalMs?: number;
  /** ECS scale-in protection, held while a job runs (a no-op outside ECS). */
  taskProtection?: TaskProtection;
  /** The chunks queue: with it (and deps.chunkPolicy), long videos render as chunk jobs. */
  chunks?: ChunkQueue | undefined;
  /** Webhook deliveries sent at once by this worker (they wait on the network); default 10. */
  webhookConcurrency?: number;
}

export interface VideoWorker {
  /**
   * Stops taking jobs; a running stage may finish within the drain grace, then running jobs are
   * aborted and handed back to the queue (no attempt spent) for another worker to resume.
   */
  close(): Promise<void>;
  /** Checks the "running" records against the queue now (also done periodically). */
  reconcile(): Promise<{ requeued: string[]; failed: string[] }>;
}

const DEFAULT_DEPENDENCY_WAIT: DependencyWaitPolicy = { maxWaitMs: 30 * 60_000, maxBackoffMs: 30_000 };

/**
 * The BullMQ worker that runs video jobs. One job's whole run is a "video.job" span, child of the
 * trace of the POST that created it (the carrier stored on the job). Cancel requests arrive on
 * Redis pub/sub and abort the job's AbortSignal, which every downstream call carries.
 */
export async function createWorker(deps: WorkerDeps): Promise<VideoWorker> {
  const { jobs, events, store, logger } = deps;
  const running = new Map<string, AbortController>();
  let draining = false;
  /** Dependencies whose last readiness check failed (the monitor below keeps it current). */
  let notReady: ReadonlyMap<string, string> = new Map();
  const checkIntervalMs = deps.dependencyCheckIntervalMs ?? 5000;

  const unsubscribeCancel = await events.onCancel((id) => {
    const controller = running.get(id);
    if (controller) {
      logger.info({ jobId: id }, "cancelling running job");
      controller.abort(new DOMException("the job was cancelled", "AbortError"));
    }
  });

  const finishFailed = async (record: JobRecord, err: unknown, bullJob: Job, token: string | undefined) => {
    const stage = err instanceof StageError ? err.stage : record.stage;
    const cause = err instanceof StageError ? err.cause : err;
    if (cause instanceof DrainingError) {
      // Not the job's fault: back to the queue without spending an attempt.
      await jobs.transition({ id: record.id, from: ["running"], to: "queued" });
      await events.publish(record.id, { type: "status", status: "queued" });
      return handBackJob(bullJob, token, "worker shutting down");
    }
    if (cause instanceof DeferredError) {
      // Not a failure either (the daily YouTube upload budget is spent): wait for the next window.
      const error = { stage, title: cause.title, detail: cause.message, retryable: true };
      await jobs.transition({ id: record.id, from: ["running"], to: "queued", set: { error } });
      await events.publish(record.id, { type: "status", status: "queued" });
      logger.info({ jobId: record.id, stage, retryAt: cause.retryAt.toISOString() }, "video job deferred");
      await bullJob.moveToDelayed(Date.now() + cause.delayMs, token);
      throw new DelayedError(cause.message);
    }
    const unavailable = unavailableDependency(cause);
    let dependencyGaveUp: ReturnType<typeof decideDependencyWait> | undefined;
    if (unavailable) {
      // Not the job's fault either: wait for the dependency without spending an attempt, up to the deadline.
      const data = bullJob.data as JobPayload<"renderVideo"> & { dependencyWait?: DependencyWaitState };
      const decision = decideDependencyWait({
        unavailable,
        stage,
        previous: data.dependencyWait,
        policy: deps.dependencyWait ?? DEFAULT_DEPENDENCY_WAIT,
        now: Date.now(),
      });
      if (decision.wait) {
        await bullJob.updateData({ ...data, dependencyWait: decision.state });
        await jobs.transition({ id: record.id, from: ["running"], to: "queued", set: { error: decision.error } });
        await events.publish(record.id, { type: "status", status: "queued" });
        logger.warn(
          {
            jobId: record.id,
            stage,
            dependency: unavailable.dependency,
            delayMs: decision.delayMs,
            err: unavailable.detail,
          },
          "video job waits for a dependency",
        );
        await bullJob.moveToDelayed(Date.now() + decision.delayMs, token);
        throw new DelayedError(decision.error.title);
      }
      dependencyGaveUp = decision;
    }
    const error = dependencyGaveUp?.error ?? toJobError(cause, stage);
    const attempts = bullJob.opts.attempts ?? 1;
    const final = dependencyGaveUp !== undefined || !error.retryable || bullJob.attemptsMade + 1 >= attempts;
    logger.warn(
      { jobId: record.id, stage, err: cause, attempt: bullJob.attemptsMade + 1, attempts, final },
      "video job failed",
    );
    if (!final) {
      // Queued for another attempt: the failure is history now (lastError), not the job's state.
      const moved = await jobs.transition({
        id: record.id,
        from: ["running"],
        to: "queued",
        set: { lastError: error },
        unset: ["error"],
      });
      if (moved.ok) await events.publish(record.id, { type: "status", status: "queued" });
      throw cause instanceof Error ? cause : new Error(String(cause));
    }
    const failed = await jobs.transition({ id: record.id, from: ["running", "queued"], to: "failed", set: { error } });
    if (failed.ok) {
      await events.publish(record.id, { type: "status", status: "failed" });
      await jobs.scheduleTempCleanup(record.id, new Date(Date.now() + deps.failedRetentionSeconds * 1000));
      await notifyWebhook({ ...deps, jobId: record.id });
    }
    throw new UnrecoverableError(`${error.title}: ${error.detail}`);
  };

  const finishCancelled = async (id: string) => {
    await deleteTempObjects({ store, jobId: id, logger });
    await notifyWebhook({ ...deps, jobId: id });
    logger.info({ jobId: id }, "video job cancelled");
  };

  const processJob = async (bullJob: Job<JobPayload<"renderVideo">>, token?: string): Promise<void> => {
    const { videoId, run } = jobCatalog.renderVideo.schema.parse(bullJob.data);
    const record = await jobs.get(videoId);
    // Cancelled while it waited for its chunk jobs: nobody held it to clean up, so this resumption does.
    if (record?.status === "cancelled" && record.run === run && deps.chunks && (await hadParts(bullJob))) {
      await finishCancelled(videoId);
      return;
    }
    // Gone, or superseded by a retry: nothing to do.
    if (!record || record.run !== run || isTerminal(record.status)) return;
    if (notReady.size > 0) {
      // Paused BullMQ workers may still take the one job their blocking fetch was waiting for: hand
      // it straight back, untouched but for a note of why it waits.
      const [dependency, why] = [...notReady][0] ?? ["a dependency", "not ready"];
      const error = { stage: record.stage, title: `Waiting for the ${dependency}`, detail: why, retryable: true };
      await jobs.transition({ id: videoId, from: ["queued"], to: "queued", set: { error } });
      await bullJob.moveToDelayed(Date.now() + checkIntervalMs, token);
      throw new DelayedError(`waiting for the ${dependency}`);
    }
    const controller = new AbortController();
    running.set(videoId, controller);
    const protection = deps.taskProtection?.hold();
    try {
      // A new attempt: why it waited (a dependency, the upload budget) no longer holds.
      const started = await jobs.transition({
        id: videoId,
        from: ["queued", "running"],
        to: "running",
        unset: ["error"],
      });
      if (!started.ok) return;
      await events.publish(videoId, { type: "status", status: "running" });
      await withParentCarrier(record.traceCarrier, () =>
        withSpan("video.job", { "video.id": videoId, "video.format": record.request.format, "video.run": run }, () =>
          runJob({ ...record, status: "running" }, controller.signal, bullJob, token),
        ),
      );
    } finally {
      running.delete(videoId);
      protection?.release();
    }
  };

  const runJob = async (record: JobRecord, signal: AbortSignal, bullJob: Job, token: string | undefined) => {
    try {
      const flow = deps.chunks ? createRenderFlow(bullJob, token, deps.chunks) : undefined;
      const outputs = await runPipeline({ record, signal, deps, shouldDrain: () => draining, flow });
      const done = await jobs.transition({
        id: record.id,
        from: ["running"],
        to: "succeeded",
        set: { progress: 1, outputs },
        unset: ["error"],
      });
      if (done.ok) {
        await events.publish(record.id, { type: "status", status: "succeeded" });
        logger.info({ jobId: record.id, key: outputs.video.key }, "video job succeeded");
      } else if (done.current === "cancelled") {
        await finishCancelled(record.id);
      }
    } catch (err) {
      // Handed back to BullMQ until its chunk jobs finish (the job stays "running").
      if (err instanceof WaitingChildrenError) throw err;
      const current = await jobs.get(record.id);
      // Cancelled through the API (the abort that failed the stage came from there): not a failure.
      if (current?.status === "cancelled") {
        await finishCancelled(record.id);
        return;
      }
      if (!current) return;
      // Aborted by the shutdown: whatever the stage threw, the job goes back to the queue.
      await finishFailed(current, abortedByDrain(signal) ? signal.reason : err, bullJob, token);
    }
  };

  // Every video worker also delivers the queued webhooks (of any job, queued by any task).
  const webhookDelivery = createWebhookDeliveryWorker({
    connection: deps.redis,
    sender: deps.webhooks,
    jobs,
    logger,
    concurrency: deps.webhookConcurrency ?? 10,
  });

  // BullMQ blocks on this connection: commands must wait for a reconnect rather than fail.
  const connection = deps.redis.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker<JobPayload<"renderVideo">, void, "renderVideo">(deps.queueName, processJob, {
    connection,
    concurrency: deps.concurrency,
    autorun: true,
    ...deps.stalledJobs,
  });

  /** A job that stopped outside its processor (BullMQ gave it up, or its worker died): failed, stage ended, webhook told. */
  /** Fails run `run` of a job whose worker is gone; a job retried since (another run) is left alone. */
  const failStoppedJob = async (id: string, detail: string, run?: number) => {
    const record = await jobs.get(id);
    if (!record || isTerminal(record.status) || (run !== undefined && record.run !== run)) return;
    const error = { stage: record.stage, title: "The job stopped", detail, retryable: true };
    // The stages the dead worker was running end in the same atomic step as the status, so no
    // reader of a failed job sees one "running".
    const finishedAt = new Date();
    const endRunningStages: NonNullable<TransitionOptions["endRunningStages"]> = {};
    for (const [stage, state] of Object.entries(record.stages) as [StageName, StageState][]) {
      if (state.status !== "running") continue;
      const startedAt = state.startedAt ? Date.parse(state.startedAt) : finishedAt.getTime();
      endRunningStages[stage] = {
        ...state,
        status: "failed",
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt,
      };
    }
    const failed = await jobs.transition({
      id: record.id,
      from: ["queued", "running"],
      to: "failed",
      set: { error },
      endRunningStages,
      // Atomic with the status: a retry between the read above and here makes this a no-op.
      run: record.run,
    });
    if (!failed.ok) return;
    for (const stage of failed.endedStages ?? []) {
      await events.publish(record.id, { type: "stage", stage, status: "failed" });
    }
    await events.publish(record.id, { type: "status", status: "failed" });
    await jobs.scheduleTempCleanup(record.id, new Date(Date.now() + deps.failedRetentionSeconds * 1000));
    await notifyWebhook({ ...deps, jobId: record.id });
  };

  // When BullMQ gives up on a job on its own (stalled too often, or a failure outside the
  // processor), the record must not stay "running" forever.
  worker.on("failed", (bullJob, err) => {
    if (!bullJob) return;
    void (async () => {
      if (!(await bullJob.isFailed())) return;
      const parsed = jobCatalog.renderVideo.schema.safeParse(bullJob.data);
      if (!parsed.success) return;
      await failStoppedJob(parsed.data.videoId, err.message, parsed.data.run);
    })().catch((failure: unknown) => logger.error({ err: failure }, "could not record a failed job"));
  });
  worker.on("error", (err) => logger.error({ err }, "queue worker error"));

  const sweep = setInterval(() => {
    void (async () => {
      for (const id of await jobs.takeDueTempCleanups(new Date())) {
        const record = await jobs.get(id);
        if (record?.status === "failed") await deleteTempObjects({ store, jobId: id, logger });
      }
    })().catch((err: unknown) => logger.warn({ err }, "temp cleanup sweep failed"));
  }, deps.sweepIntervalMs ?? 60_000);
  sweep.unref();

  // No new job while imagegen, the renderer or storage is down: it could only wait or fail.
  const monitor = monitorDependencies({
    checks: [
      { name: "imagegen", check: (signal) => deps.imagegen.ready({ signal }) },
      { name: "renderer", check: (signal) => deps.renderer.ready({ signal }) },
      { name: "storage", check: () => store.ping() },
    ],
    intervalMs: checkIntervalMs,
    logger,
    onChange: (ready) => {
      if (draining) return;
      if (ready) worker.resume();
      else void worker.pause(true).catch((err: unknown) => logger.warn({ err }, "could not pause the worker"));
    },
  });
  notReady = monitor.failing;
  void monitor.checkNow();

  const reconciler = createJobReconciler({
    connection: deps.redis,
    queueName: deps.queueName,
    jobs,
    logger,
    onFailed: failStoppedJob,
  });
  const reconcile = setInterval(() => {
    void reconciler.reconcile().catch((err: unknown) => logger.warn({ err }, "reconciling running jobs failed"));
  }, deps.reconcileIntervalMs ?? 60_000);
  reconcile.unref();

  return {
    async close() {
      draining = true;
      clearInterval(sweep);
      clearInterval(reconcile);
      monitor.stop();
      // Deliveries stop at once (the attempts in flight finish): what is waiting, or queued by the
      // video jobs still finishing here, stays in the queue for the next worker.
      const deliveriesClosed = webhookDelivery.close();
      // A running stage may finish within the grace (the job then parks at the next stage boundary);
      // a long one (a render) is aborted and its job handed back for another worker to resume.
      await drainWorker({
        worker,
        graceMs: deps.drainGraceMs ?? 5000,
        abortRunning: (reason) => {
          for (const [id, controller] of running) {
            logger.info({ jobId: id }, "handing the running job back to the queue");
            controller.abort(reason);
          }
        },
      });
      await deliveriesClosed;
      await reconciler.close();
      await unsubscribeCancel();
      await connection.quit().catch(() => connection.disconnect());
    },
    reconcile: () => reconciler.reconcile(),
  };
}
