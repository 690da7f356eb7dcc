import { jobIdSchema } from "@video-service/contracts";
import { z } from "zod";

/**
 * Every kind of queued job, with the schema of its payload: enqueueing and the worker's handler
 * are typed from it, and the worker validates what it dequeues (the queue outlives deploys).
 */
export const jobCatalog = {
  renderVideo: {
    schema: z.object({
      videoId: jobIdSchema,
      /** Which run of the video this is (1, then +1 per retry): one BullMQ job per run. */
      run: z.number().int().positive(),
    }),
  },
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]["schema"]>;

/** BullMQ job ids must be unique per queue and may not contain ":". */
export const queueJobId = (videoId: string, run: number): string => `${videoId}-${run}`;
