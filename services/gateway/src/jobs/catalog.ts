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
  deliverWebhook: {
    schema: z.object({
      /** The video job the event is about; each attempt is recorded on it. */
      videoId: jobIdSchema,
      /** The `webhook-id` header, the same on every attempt; also the BullMQ job id. */
      deliveryId: z.string().regex(/^msg_[0-9a-f-]{36}$/),
      url: z.string().url(),
      type: z.string().min(1).max(100),
      /** The exact bytes signed and sent on every attempt. */
      body: z.string(),
    }),
  },
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]["schema"]>;

/** BullMQ job ids must be unique per queue and may not contain ":". */
export const queueJobId = (videoId: string, run: number): string => `${videoId}-${run}`;
