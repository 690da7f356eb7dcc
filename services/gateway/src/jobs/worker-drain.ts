import { DelayedError, type Job } from "bullmq";
import { DrainingError } from "../pipeline/run-pipeline.ts";

/**
 * A worker's shutdown (SIGTERM, a deploy, Spot's two-minute notice): BullMQ stops taking jobs and
 * the running ones may finish within `graceMs`; past it, `abortRunning` aborts them with a
 * DrainingError, and their processors hand them back (handBackJob). Resolves once the worker is
 * closed. Shared by the video worker and the chunk worker.
 */
export async function drainWorker(options: {
  /** The BullMQ worker (only its close is used). */
  worker: { close(): Promise<void> };
  graceMs: number;
  abortRunning: (reason: DrainingError) => void;
}): Promise<void> {
  const closed = options.worker.close();
  const finished = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.graceMs).unref()),
  ]);
  if (!finished) {
    options.abortRunning(new DrainingError("the worker is shutting down; the job resumes on another worker"));
  }
  await closed;
}

/** True when `signal` was aborted by drainWorker (not by a cancel or a timeout). */
export const abortedByDrain = (signal: AbortSignal): boolean =>
  signal.aborted && signal.reason instanceof DrainingError;

/**
 * Puts a running job straight back on its queue without spending an attempt (it was not the job's
 * fault), for another worker to take; throws the DelayedError that tells BullMQ so.
 */
export async function handBackJob(bullJob: Job, token: string | undefined, why: string): Promise<never> {
  await bullJob.moveToDelayed(Date.now(), token);
  throw new DelayedError(why);
}
