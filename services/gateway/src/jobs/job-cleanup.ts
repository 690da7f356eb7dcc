import { storageKeys } from "@video-service/contracts";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import type { WebhookSender } from "../pipeline/webhook.ts";
import type { JobStore } from "./job.store.ts";
import type { JobStatus } from "./job.types.ts";
import { signOutputs } from "./job-view.ts";

/** Removes a job's temporary objects (narration audio, per-job images, render chunks). Failures are logged only. */
export async function deleteTempObjects({
  store,
  jobId,
  logger,
}: {
  store: ObjectStore;
  jobId: string;
  logger: Logger;
}): Promise<void> {
  for (const prefix of [
    storageKeys.tempImagePrefix(jobId),
    storageKeys.tempAudioPrefix(jobId),
    storageKeys.tempRenderPrefix(jobId),
  ]) {
    try {
      await store.deletePrefix(prefix);
    } catch (err) {
      logger.warn({ err, jobId, prefix }, "could not delete temp objects");
    }
  }
}

/**
 * Tells the job's webhook (if any) how it ended: a `video.<status>` event with {id, status,
 * outputs, error?}, queued for delivery (a slow receiver never holds a job or a worker, and a
 * restart loses nothing); each attempt is recorded on the job. Resolves to whether a delivery was
 * queued; never throws.
 */
export async function notifyWebhook({
  jobs,
  store,
  webhooks,
  jobId,
  status,
  signedUrlTtlSeconds,
  logger,
}: {
  jobs: JobStore;
  store: ObjectStore;
  webhooks: WebhookSender;
  jobId: string;
  /** The outcome to report when it is not yet on the record (the notify stage runs before "succeeded" is written). */
  status?: JobStatus;
  signedUrlTtlSeconds: number;
  logger: Logger;
}): Promise<boolean> {
  try {
    const record = await jobs.get(jobId);
    const url = record?.request.webhook?.url;
    if (!record || !url) return false;
    const outcome = status ?? record.status;
    const data = {
      id: record.id,
      status: outcome,
      outputs: record.outputs ? await signOutputs(record.outputs, store, signedUrlTtlSeconds) : null,
      ...(record.error ? { error: record.error } : {}),
    };
    return await webhooks.send(jobId, url, { type: `video.${outcome}`, data });
  } catch (err) {
    logger.warn({ err, jobId }, "webhook notification failed");
    return false;
  }
}
