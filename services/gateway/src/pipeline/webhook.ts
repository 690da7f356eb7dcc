import { randomUUID } from "node:crypto";
import type { Logger } from "@video-service/logger";
import type { AddressPolicy, GuardedRequestOptions, Resolver } from "@video-service/net-guard";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type JobPayload, jobCatalog } from "../jobs/catalog.ts";
import { parseWebhookSecret } from "../webhooks/webhook-signature.ts";

/** One POST to the receiver, as the job shows it. */
export interface WebhookAttempt {
  at: string;
  durationMs: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed without an answer (refused address, timeout, connection error). */
  error?: string;
}

/**
 * One event and its attempts; `id` is the `webhook-id` header (the same on every attempt).
 * "abandoned" is only on records written before deliveries were queued (a shutdown then lost them).
 */
export interface WebhookDelivery {
  id: string;
  type: string;
  state: "pending" | "delivered" | "failed" | "abandoned";
  attempts: WebhookAttempt[];
}

export interface WebhookEvent {
  /** video.succeeded, video.failed, video.cancelled */
  type: string;
  data: unknown;
}

/** How deliveries are signed, sent and retried: the sender queues with it, the delivery worker sends with it. */
export interface WebhookSettings {
  /** `whsec_` secrets: every one signs (rotation). None: nothing is sent. */
  secrets: readonly string[];
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts in all (default 5). */
  attempts?: number;
  /** Full-jitter backoff: bound of the first wait, doubled each time up to backoffCapMs (also the cap of a Retry-After). */
  backoffMs?: number;
  backoffCapMs?: number;
  /** No attempt starts later than this after the first (default 10 min). */
  deadlineMs?: number;
  /** Which addresses receivers may have, and whether http:// is allowed. */
  policy: AddressPolicy;
  requireHttps: boolean;
  /** DNS resolution (tests: a stub) and the socket factory (tests: a loopback-only connector). */
  resolve?: Resolver;
  createConnection?: GuardedRequestOptions["createConnection"];
}

export interface WebhookSender {
  /** The queue the deliveries wait in; the delivery worker (webhook-delivery.worker.ts) takes them from it. */
  readonly queueName: string;
  readonly settings: WebhookSettings;
  /**
   * Queues the event for delivery to `url`; each attempt is recorded on the video job `videoId`.
   * Resolves to whether it was queued (false without a secret). The queue outlives restarts.
   */
  send(videoId: string, url: string, event: WebhookEvent): Promise<boolean>;
  close(): Promise<void>;
}

/** The deliveries' queue, beside the video queue. */
export const webhookQueueName = (videoQueueName: string) => `${videoQueueName}-webhooks`;

/** The name of the delivery worker's custom backoff strategy (BullMQ calls it between attempts). */
export const WEBHOOK_BACKOFF = "webhook";

/**
 * Webhooks are best effort and never fail a job: each event becomes one BullMQ job on its own
 * queue, with the exact body to sign and send, so a pending delivery waits in Redis (not in this
 * process) and survives a restart; the gateway's workers deliver it (webhook-delivery.worker.ts).
 */
export function createWebhookSender({
  connection,
  queueName,
  settings,
  logger,
}: {
  /** The worker's patient connection, or the API's fail-fast one. */
  connection: Redis;
  queueName: string;
  settings: WebhookSettings;
  logger: Logger;
}): WebhookSender {
  // Checked now (a bad secret stops the start); without one nothing is sent: never unsigned.
  const keys = settings.secrets.map(parseWebhookSecret);
  const queue = new Queue<JobPayload<"deliverWebhook">, void, "deliverWebhook">(queueName, { connection });
  return {
    queueName,
    settings,
    async send(videoId, url, event) {
      if (keys.length === 0) {
        logger.warn({ url }, "webhook not sent: WEBHOOK_SECRET is not set");
        return false;
      }
      const deliveryId = `msg_${randomUUID()}`;
      const body = JSON.stringify({ type: event.type, timestamp: new Date().toISOString(), data: event.data });
      const data = jobCatalog.deliverWebhook.schema.parse({ videoId, deliveryId, url, type: event.type, body });
      await queue.add("deliverWebhook", data, {
        jobId: deliveryId,
        attempts: settings.attempts ?? 5,
        backoff: { type: WEBHOOK_BACKOFF },
        // The job record keeps the attempts; BullMQ only needs a little, for debugging.
        removeOnComplete: { age: 86_400, count: 1000 },
        removeOnFail: { age: 7 * 86_400, count: 5000 },
      });
      return true;
    },
    close: () => queue.close(),
  };
}
