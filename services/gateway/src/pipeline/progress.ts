import type { JobStore } from "../jobs/job.store.ts";
import { STAGE_NAMES, type StageName } from "../jobs/job.types.ts";
import type { JobEvents } from "../jobs/job-events.ts";

/**
 * How much of the job's 0..1 progress each stage accounts for, roughly in proportion to the time
 * it takes: rendering dominates, narration (TTS per segment) is next.
 */
export const STAGE_WEIGHTS: Readonly<Record<StageName, number>> = {
  source: 0.02,
  script: 0.01,
  narration: 0.2,
  visuals: 0.1,
  render: 0.62,
  publish: 0.03,
  notify: 0.02,
};

/** Progress at the start of a stage: the weights of every stage before it. */
export function progressAtStart(stage: StageName): number {
  let total = 0;
  for (const name of STAGE_NAMES) {
    if (name === stage) return total;
    total += STAGE_WEIGHTS[name];
  }
  return total;
}

export interface ProgressTracker {
  /** Progress within the stage, 0..1. Throttled: at most one write and publish per interval. */
  report(stage: StageName, fraction: number): void;
  /** Writes the latest value now (at stage boundaries). */
  flush(): Promise<void>;
}

/** Keeps job progress moving forward only, and keeps Redis writes few while FFmpeg reports many. */
export function createProgressTracker({
  id,
  jobs,
  events,
  intervalMs = 250,
  initial = 0,
}: {
  id: string;
  jobs: JobStore;
  events: JobEvents;
  intervalMs?: number;
  initial?: number;
}): ProgressTracker {
  let latest = { stage: null as StageName | null, progress: initial };
  let written = initial;
  let lastWrite = 0;
  let pending: Promise<void> = Promise.resolve();

  const write = (): Promise<void> => {
    const snapshot = latest;
    written = snapshot.progress;
    lastWrite = Date.now();
    pending = pending
      .then(async () => {
        await jobs.setProgress(id, {
          progress: snapshot.progress,
          ...(snapshot.stage ? { stage: snapshot.stage } : {}),
        });
        await events.publish(id, { type: "progress", progress: snapshot.progress, stage: snapshot.stage });
      })
      // Progress is informative; a failed write must not fail the render.
      .catch(() => undefined);
    return pending;
  };

  return {
    report(stage, fraction) {
      const clamped = Math.max(0, Math.min(1, fraction));
      const progress = Math.min(1, progressAtStart(stage) + STAGE_WEIGHTS[stage] * clamped);
      if (progress < latest.progress) return;
      latest = { stage, progress: Math.round(progress * 10_000) / 10_000 };
      if (Date.now() - lastWrite >= intervalMs) void write();
    },
    async flush() {
      if (latest.progress !== written) await write();
      await pending;
    },
  };
}
