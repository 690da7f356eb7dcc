import type { Logger } from "@video-service/logger";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { queueJobId } from "./catalog.ts";
import type { JobStore } from "./job.store.ts";

export interface ReconcileOutcome {
  requeued: string[];
  failed: string[];
}

/**
 * Makes "running" records agree with the queue. A record stays "running" when its worker died
 * between BullMQ's bookkeeping and ours; this finds every such record and sets it to what the queue
 * says: back to "queued" when BullMQ holds the run as waiting or delayed (a stalled job BullMQ put
 * back), "failed" when the run is gone or failed (and its failure was never written).
 * `onFailed` finishes a failed job (its stage, webhook, temp cleanup), as the worker does.
 */
export function createJobReconciler({
  connection,
  queueName,
  jobs,
  logger,
  onFailed,
}: {
  connection: Redis;
  queueName: string;
  jobs: JobStore;
  logger: Logger;
  /** Fails that run of the job (not a later one: the job may be retried meanwhile). */
  onFailed: (id: string, detail: string, run: number) => Promise<void>;
}): { reconcile(): Promise<ReconcileOutcome>; close(): Promise<void> } {
  const queue = new Queue(queueName, { connection });
  return {
    async reconcile() {
      const outcome: ReconcileOutcome = { requeued: [], failed: [] };
      let after: string | undefined;
      do {
        const page = await jobs.list({ status: "running", limit: 100, after });
        for (const record of page.jobs) {
          const bullJob = await queue.getJob(queueJobId(record.id, record.run));
          const state = bullJob ? await bullJob.getState() : "unknown";
          if (state === "active") continue;
          if (state === "waiting" || state === "delayed" || state === "prioritized") {
            const moved = await jobs.transition({ id: record.id, from: ["running"], to: "queued", run: record.run });
            if (moved.ok) outcome.requeued.push(record.id);
            continue;
          }
          if (state === "completed") continue; // the worker is writing the outcome right now
          await onFailed(
            record.id,
            state === "failed"
              ? `the queue gave the job up (${bullJob?.failedReason ?? "no reason recorded"})`
              : "the job's run is no longer in the queue (its worker stopped without recording an outcome)",
            record.run,
          );
          outcome.failed.push(record.id);
        }
        after = page.next;
      } while (after !== undefined);
      if (outcome.requeued.length > 0 || outcome.failed.length > 0) logger.warn(outcome, "reconciled running jobs");
      return outcome;
    },
    close: () => queue.close(),
  };
}
