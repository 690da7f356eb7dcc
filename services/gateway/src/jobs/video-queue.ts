import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type JobPayload, jobCatalog, queueJobId } from "./catalog.ts";

export interface VideoQueue {
  /** Queues one run of a video. Idempotent per (videoId, run). */
  enqueue(payload: JobPayload<"renderVideo">): Promise<void>;
  /** Removes a run that is still waiting or delayed; false when it is running (or gone). */
  remove(payload: JobPayload<"renderVideo">): Promise<boolean>;
  close(): Promise<void>;
}

export interface VideoQueueOptions {
  connection: Redis;
  name: string;
  attempts: number;
  backoffMs: number;
}

/** The BullMQ queue of video jobs; the payload is only the id and run, the job lives in the JobStore. */
export function createVideoQueue({ connection, name, attempts, backoffMs }: VideoQueueOptions): VideoQueue {
  const queue = new Queue<JobPayload<"renderVideo">, void, "renderVideo">(name, {
    connection,
    defaultJobOptions: {
      attempts,
      backoff: { type: "exponential", delay: backoffMs },
      // The JobStore keeps the history; BullMQ only needs a little, for debugging.
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 86_400, count: 5000 },
    },
  });
  return {
    async enqueue(payload) {
      const data = jobCatalog.renderVideo.schema.parse(payload);
      await queue.add("renderVideo", data, { jobId: queueJobId(data.videoId, data.run) });
    },
    async remove({ videoId, run }) {
      try {
        return (await queue.remove(queueJobId(videoId, run))) === 1;
      } catch {
        // A locked (active) job cannot be removed; the worker is told to abort instead.
        return false;
      }
    },
    close: () => queue.close(),
  };
}
