import { getMeter, type Meter } from "@video-service/telemetry";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { JobStore, type TransitionOptions, type TransitionResult } from "../jobs/job.store.ts";
import type { StageName, StageState } from "../jobs/job.types.ts";

/**
 * The gateway's OpenTelemetry metrics (exported by @video-service/telemetry to the sidecar, then to
 * CloudWatch namespace VideoService as EMF). The names, units and attributes are what the alarms,
 * the dashboard and the workers' backlog scaling in infra/cdk read: change them together.
 */
export const METRIC_NAMES = {
  jobsCreated: "video.jobs.created",
  jobsSucceeded: "video.jobs.succeeded",
  jobsFailed: "video.jobs.failed",
  jobDuration: "video.job.duration",
  stageDuration: "video.stage.duration",
  queueDepth: "video.queue.depth",
  queueOldestWait: "video.queue.oldest_wait",
  renderSecondsPerVideoSecond: "video.render.seconds_per_video_second",
} as const;

const METER_NAME = "@video-service/gateway";

export interface JobMetrics {
  created(format: string): void;
  finished(outcome: "succeeded" | "failed", format: string, durationSeconds: number): void;
  stageFinished(stage: StageName, outcome: "succeeded" | "failed", durationSeconds: number): void;
  rendered(format: string, renderSeconds: number, videoSeconds: number): void;
}

/** Instruments on the global meter: call after initTelemetry (without it they record nothing). */
export function createJobMetrics(meter: Meter = getMeter(METER_NAME)): JobMetrics {
  const created = meter.createCounter(METRIC_NAMES.jobsCreated, { unit: "{job}", description: "Video jobs accepted" });
  const succeeded = meter.createCounter(METRIC_NAMES.jobsSucceeded, {
    unit: "{job}",
    description: "Video jobs that produced their video",
  });
  const failed = meter.createCounter(METRIC_NAMES.jobsFailed, {
    unit: "{job}",
    description: "Video jobs that failed for good (after their attempts)",
  });
  const jobDuration = meter.createHistogram(METRIC_NAMES.jobDuration, {
    unit: "s",
    description: "From creation to success or failure, queue wait included",
  });
  const stageDuration = meter.createHistogram(METRIC_NAMES.stageDuration, {
    unit: "s",
    description: "One run of a pipeline stage",
  });
  const renderRatio = meter.createHistogram(METRIC_NAMES.renderSecondsPerVideoSecond, {
    unit: "s/s",
    description: "Render wall time per second of video",
  });
  return {
    created: (format) => created.add(1, { format }),
    finished(outcome, format, durationSeconds) {
      (outcome === "succeeded" ? succeeded : failed).add(1, { format });
      jobDuration.record(durationSeconds, { format, outcome });
    },
    stageFinished: (stage, outcome, durationSeconds) => stageDuration.record(durationSeconds, { stage, outcome }),
    rendered(format, renderSeconds, videoSeconds) {
      if (videoSeconds > 0) renderRatio.record(renderSeconds / videoSeconds, { format });
    },
  };
}

/**
 * The JobStore, counting what passes through it: created jobs, jobs that end (with their
 * duration), stage runs, and the render's speed. Measuring here keeps the metrics out of the worker
 * and the pipeline: every status and stage change already goes through the store.
 */
export class MeteredJobStore extends JobStore {
  readonly #metrics: JobMetrics;
  readonly #clock: () => number;

  constructor(options: ConstructorParameters<typeof JobStore>[0] & { metrics: JobMetrics; clock?: () => number }) {
    super(options);
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? Date.now;
  }

  override async create(options: Parameters<JobStore["create"]>[0]) {
    const record = await super.create(options);
    this.#metrics.created(record.request.format);
    return record;
  }

  override async transition(options: TransitionOptions): Promise<TransitionResult> {
    const result = await super.transition(options);
    const { to } = options;
    for (const stage of result.ok ? (result.endedStages ?? []) : []) {
      const state = options.endRunningStages?.[stage];
      if (state?.durationMs != null && (state.status === "succeeded" || state.status === "failed")) {
        this.#metrics.stageFinished(stage, state.status, state.durationMs / 1000);
      }
    }
    if (result.ok && result.previous !== to && (to === "succeeded" || to === "failed")) {
      // Best effort: the change is made; a failed read must not make the caller think otherwise.
      const record = await this.get(options.id).catch(() => undefined);
      if (record) {
        const seconds = (this.#clock() - Date.parse(record.createdAt)) / 1000;
        this.#metrics.finished(to, record.request.format, Math.max(0, seconds));
      }
    }
    return result;
  }

  override async setStageState(id: string, stage: StageName, state: StageState): Promise<void> {
    await super.setStageState(id, stage, state);
    if ((state.status === "succeeded" || state.status === "failed") && state.durationMs !== null) {
      this.#metrics.stageFinished(stage, state.status, state.durationMs / 1000);
    }
  }

  override async setStageOutput(id: string, stage: StageName, output: unknown): Promise<void> {
    await super.setStageOutput(id, stage, output);
    if (stage === "render" && isRenderOutput(output)) {
      const record = await this.get(id).catch(() => undefined);
      this.#metrics.rendered(record?.request.format ?? "unknown", output.elapsedSeconds, output.video.durationSeconds);
    }
  }
}

function isRenderOutput(output: unknown): output is { elapsedSeconds: number; video: { durationSeconds: number } } {
  const candidate = output as { elapsedSeconds?: unknown; video?: { durationSeconds?: unknown } } | null;
  return typeof candidate?.elapsedSeconds === "number" && typeof candidate.video?.durationSeconds === "number";
}

export interface QueueMetrics {
  close(): Promise<void>;
}

/**
 * Queue depth (jobs waiting, prioritised included) and the age of the oldest waiting job, read
 * from BullMQ whenever metrics are collected. Every gateway task reports the same global values,
 * so CloudWatch readers use the Maximum statistic (a Sum would multiply them by the task count).
 */
export function observeQueue({
  connection,
  queueName,
  meter = getMeter(METER_NAME),
  clock = Date.now,
}: {
  connection: Redis;
  queueName: string;
  meter?: Meter;
  clock?: () => number;
}): QueueMetrics {
  const queue = new Queue(queueName, { connection });
  const depth = meter.createObservableGauge(METRIC_NAMES.queueDepth, {
    unit: "{job}",
    description: "Video jobs waiting for a worker",
  });
  const oldestWait = meter.createObservableGauge(METRIC_NAMES.queueOldestWait, {
    unit: "s",
    description: "How long the oldest waiting video job has waited",
  });
  const observe = async (result: { observe(gauge: typeof depth, value: number): void }): Promise<void> => {
    const counts = await queue.getJobCounts("wait", "prioritized");
    const [oldest] = await queue.getJobs(["wait"], 0, 0, true);
    result.observe(depth, (counts.wait ?? 0) + (counts.prioritized ?? 0));
    result.observe(oldestWait, oldest ? Math.max(0, (clock() - oldest.timestamp) / 1000) : 0);
  };
  meter.addBatchObservableCallback(observe, [depth, oldestWait]);
  return {
    async close() {
      meter.removeBatchObservableCallback(observe, [depth, oldestWait]);
      await queue.close();
    },
  };
}
