import type { Logger } from "@video-service/logger";
import { guardedRequest, UnsafeUrlError } from "@video-service/net-guard";
import { backoffDelayMs } from "@video-service/retry";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type JobPayload, jobCatalog } from "../jobs/catalog.ts";
import type { JobStore } from "../jobs/job.store.ts";
import type { WebhookAttempt, WebhookDelivery, WebhookSender, WebhookSettings } from "../pipeline/webhook.ts";
import { parseWebhookSecret, signWebhook } from "./webhook-signature.ts";

/** A receiver's answer that is not a success. */
class ReceiverError extends Error {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, retryAfterMs: number | undefined) {
    super(`the receiver answered ${status}`);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** This worker has no secret to sign with (its configuration differs from the sender's): nothing is sent unsigned. */
class NoSecretError extends Error {
  override readonly name = "NoSecretError";
  constructor() {
    super("WEBHOOK_SECRET is not set on this worker: nothing is sent unsigned");
  }
}

/** A failed attempt worth another one, after `delayMs` (read by the queue's backoff strategy). */
class RetryWebhookError extends Error {
  override readonly name = "RetryWebhookError";
  readonly delayMs: number;
  constructor(message: string, delayMs: number) {
    super(message);
    this.delayMs = delayMs;
  }
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Network errors, timeouts, 408, 429 and 5xx are worth another attempt (after the receiver's Retry-After, if any). */
function retryDecision(err: unknown): { retry: false } | { retry: true; delayMs?: number | undefined } {
  if (err instanceof UnsafeUrlError || err instanceof NoSecretError) return { retry: false };
  if (err instanceof ReceiverError) {
    const { status } = err;
    const retryable = status >= 500 || status === 408 || status === 429;
    return retryable ? { retry: true, delayMs: err.retryAfterMs } : { retry: false };
  }
  return { retry: true };
}

export interface WebhookDeliveryWorker {
  /** Stops taking deliveries and waits for the attempts in flight (each bounded by its timeout); waiting ones stay queued. */
  close(): Promise<void>;
}

/**
 * Delivers the queued webhook events (createWebhookSender queues them): one BullMQ job per event,
 * one attempt per run of the job. Each attempt is signed the Standard Webhooks way (a fresh
 * timestamp over the same id and body) and POSTed through the address guard (public addresses
 * only, checked on every attempt; no redirects: a 3xx is a failure), then recorded on the video
 * job. A retryable failure goes back to the queue for BullMQ to run again after the backoff
 * (full jitter from the shared retry module, or the receiver's Retry-After): the wait is in Redis,
 * so a worker that stops meanwhile loses nothing and any gateway worker continues the delivery.
 */
export function createWebhookDeliveryWorker({
  connection,
  sender,
  jobs,
  logger,
  concurrency = 10,
}: {
  /** Duplicated for BullMQ's blocking reads (with maxRetriesPerRequest: null). */
  connection: Redis;
  sender: Pick<WebhookSender, "queueName" | "settings">;
  jobs: Pick<JobStore, "getWebhookDelivery" | "setWebhookDelivery">;
  logger: Logger;
  concurrency?: number;
}): WebhookDeliveryWorker {
  const settings: WebhookSettings = sender.settings;
  const { timeoutMs, backoffMs = 10_000, backoffCapMs = 120_000, deadlineMs = 600_000 } = settings;
  const keys = settings.secrets.map(parseWebhookSecret);

  /** One POST; resolves to the receiver's 2xx status. */
  const post = async (url: string, id: string, body: string): Promise<number> => {
    if (keys.length === 0) throw new NoSecretError();
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await guardedRequest(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "video-service-webhook/2",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook({ id, timestamp, body, keys }),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      policy: settings.policy,
      requireHttps: settings.requireHttps,
      maxResponseBytes: 1024,
      ...(settings.resolve ? { resolve: settings.resolve } : {}),
      ...(settings.createConnection ? { createConnection: settings.createConnection } : {}),
    });
    if (response.status < 200 || response.status >= 300) {
      throw new ReceiverError(response.status, retryAfterMs(response.headers["retry-after"]));
    }
    return response.status;
  };

  const record = async (videoId: string, delivery: WebhookDelivery) => {
    await jobs
      .setWebhookDelivery(videoId, delivery)
      .catch((err: unknown) => logger.warn({ err, webhookId: delivery.id }, "could not record a webhook attempt"));
  };

  const deliver = async (job: Job<JobPayload<"deliverWebhook">>): Promise<void> => {
    const parsed = jobCatalog.deliverWebhook.schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`not a webhook delivery: ${parsed.error.message}`);
    const { videoId, deliveryId, url, type, body } = parsed.data;
    const delivery: WebhookDelivery = (await jobs.getWebhookDelivery(videoId, deliveryId)) ?? {
      id: deliveryId,
      type,
      state: "pending",
      attempts: [],
    };
    const started = performance.now();
    const attempt: WebhookAttempt = { at: new Date().toISOString(), durationMs: 0 };
    let failure: unknown;
    try {
      attempt.status = await post(url, deliveryId, body);
    } catch (err) {
      failure = err;
      if (err instanceof ReceiverError) attempt.status = err.status;
      else attempt.error = err instanceof Error ? err.message : String(err);
    }
    attempt.durationMs = Math.round(performance.now() - started);
    delivery.attempts.push(attempt);
    if (failure === undefined) {
      delivery.state = "delivered";
      await record(videoId, delivery);
      return;
    }

    const decision = retryDecision(failure);
    const attemptsAllowed = job.opts.attempts ?? 1;
    let delayMs: number | undefined;
    if (decision.retry && job.attemptsMade + 1 < attemptsAllowed) {
      delayMs =
        decision.delayMs === undefined
          ? backoffDelayMs(job.attemptsMade + 1, { baseMs: backoffMs, capMs: backoffCapMs })
          : Math.min(decision.delayMs, backoffCapMs);
      const firstAt = Date.parse(delivery.attempts[0]?.at ?? attempt.at);
      if (Date.now() + delayMs > firstAt + deadlineMs) delayMs = undefined;
    }
    const message = (failure as Error).message;
    if (delayMs === undefined) {
      delivery.state = "failed";
      await record(videoId, delivery);
      logger.warn(
        { url, webhookId: deliveryId, attempts: delivery.attempts.length, err: message },
        "webhook not delivered; giving up",
      );
      throw new UnrecoverableError(message);
    }
    delivery.state = "pending";
    await record(videoId, delivery);
    logger.warn(
      { url, webhookId: deliveryId, attempt: delivery.attempts.length, delayMs, err: message },
      "webhook attempt failed; retrying",
    );
    throw new RetryWebhookError(message, delayMs);
  };

  const blocking = connection.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker<JobPayload<"deliverWebhook">, void, "deliverWebhook">(sender.queueName, deliver, {
    connection: blocking,
    concurrency,
    settings: {
      // The wait the failed attempt chose (backoff or Retry-After); a failure outside it (Redis) backs off alike.
      backoffStrategy: (attemptsMade, _type, err) =>
        err instanceof RetryWebhookError
          ? err.delayMs
          : backoffDelayMs(attemptsMade, { baseMs: backoffMs, capMs: backoffCapMs }),
    },
  });
  worker.on("error", (err) => logger.error({ err }, "webhook delivery worker error"));
  // BullMQ gave a delivery up outside an attempt's own decision (stalled too often, Redis errors
  // until its attempts ran out): the record must not stay "pending".
  worker.on("failed", (job) => {
    if (!job) return;
    void (async () => {
      if (!(await job.isFailed())) return;
      const parsed = jobCatalog.deliverWebhook.schema.safeParse(job.data);
      if (!parsed.success) return;
      const { videoId, deliveryId, url } = parsed.data;
      const delivery = await jobs.getWebhookDelivery(videoId, deliveryId);
      if (delivery?.state !== "pending") return;
      await record(videoId, { ...delivery, state: "failed" });
      logger.warn({ url, webhookId: deliveryId, err: job.failedReason }, "webhook not delivered; the queue gave it up");
    })().catch((err: unknown) => logger.warn({ err }, "could not record a webhook given up"));
  });
  return {
    async close() {
      await worker.close();
      await blocking.quit().catch(() => blocking.disconnect());
    },
  };
}
