import { randomUUID } from "node:crypto";
import type { Logger } from "@video-service/logger";
import {
  type AddressPolicy,
  type GuardedRequestOptions,
  guardedRequest,
  type Resolver,
  UnsafeUrlError,
} from "@video-service/net-guard";
import { retry } from "@video-service/retry";
import { parseWebhookSecret, signWebhook } from "../webhooks/webhook-signature.ts";

/** One POST to the receiver, as the job shows it. */
export interface WebhookAttempt {
  at: string;
  durationMs: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed without an answer (refused address, timeout, connection error). */
  error?: string;
}

/** One event and its attempts; `id` is the `webhook-id` header (the same on every attempt). */
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

export interface WebhookSender {
  /**
   * Delivers the event with retries; resolves to whether the receiver took it. Never throws.
   * `onUpdate` hears the delivery after every attempt (to record it on the job).
   */
  send(
    url: string,
    event: WebhookEvent,
    options?: { onUpdate?: (delivery: WebhookDelivery) => Promise<void> },
  ): Promise<boolean>;
  /** Stops waiting between attempts (pending deliveries end "abandoned") and waits for them to settle. */
  close(): Promise<void>;
}

export interface WebhookSenderOptions {
  /** `whsec_` secrets: every one signs (rotation). None: nothing is sent. */
  secrets: readonly string[];
  /** Per attempt. */
  timeoutMs: number;
  logger: Logger;
  /** Attempts in all (default 5). */
  attempts?: number;
  /** Full-jitter backoff: bound of the first wait, doubled each time up to backoffCapMs. */
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

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Webhooks are best effort and never fail a job: each event is signed the Standard Webhooks way
 * and POSTed through the address guard (public addresses only, no redirects: a 3xx is a failure),
 * retried through the shared retry module with full-jitter backoff on network errors, timeouts,
 * 408, 429 and 5xx (honouring Retry-After), not on other 4xx. Every attempt is reported.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { timeoutMs, logger, attempts = 5, backoffMs = 10_000, backoffCapMs = 120_000 } = options;
  // Without a secret nothing is sent (POST /v1/videos refuses webhooks then): never unsigned.
  const keys = options.secrets.map(parseWebhookSecret);
  const closing = new AbortController();
  const pending = new Set<Promise<boolean>>();

  /** One POST; resolves to the receiver's 2xx status. */
  const attemptOnce = async (url: string, id: string, body: string): Promise<number> => {
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
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), closing.signal]),
      policy: options.policy,
      requireHttps: options.requireHttps,
      maxResponseBytes: 1024,
      ...(options.resolve ? { resolve: options.resolve } : {}),
      ...(options.createConnection ? { createConnection: options.createConnection } : {}),
    });
    if (response.status < 200 || response.status >= 300) {
      throw new ReceiverError(response.status, retryAfterMs(response.headers["retry-after"]));
    }
    return response.status;
  };

  const deliver = async (
    url: string,
    event: WebhookEvent,
    onUpdate: ((delivery: WebhookDelivery) => Promise<void>) | undefined,
  ): Promise<boolean> => {
    const delivery: WebhookDelivery = { id: `msg_${randomUUID()}`, type: event.type, state: "pending", attempts: [] };
    const body = JSON.stringify({ type: event.type, timestamp: new Date().toISOString(), data: event.data });
    const report = async () => {
      await onUpdate?.(structuredClone(delivery)).catch((err: unknown) =>
        logger.warn({ err, webhookId: delivery.id }, "could not record a webhook attempt"),
      );
    };
    try {
      await retry(
        async () => {
          const started = performance.now();
          const attempt: WebhookAttempt = { at: new Date().toISOString(), durationMs: 0 };
          try {
            attempt.status = await attemptOnce(url, delivery.id, body);
          } catch (err) {
            if (err instanceof ReceiverError) attempt.status = err.status;
            else attempt.error = err instanceof Error ? err.message : String(err);
            throw err;
          } finally {
            attempt.durationMs = Math.round(performance.now() - started);
            delivery.attempts.push(attempt);
            if (attempt.error === undefined && attempt.status !== undefined && attempt.status < 300) {
              delivery.state = "delivered";
            }
            await report();
          }
        },
        {
          retries: attempts - 1,
          deadlineMs: options.deadlineMs ?? 600_000,
          baseMs: backoffMs,
          capMs: backoffCapMs,
          maxDelayMs: backoffCapMs,
          signal: closing.signal,
          classify: (err) => {
            if (err instanceof UnsafeUrlError) return { retry: false };
            if (err instanceof ReceiverError) {
              const { status } = err;
              const retryable = status >= 500 || status === 408 || status === 429;
              return retryable ? { retry: true, delayMs: err.retryAfterMs } : { retry: false };
            }
            return { retry: true };
          },
          onRetry: ({ attempt, delayMs, error }) =>
            logger.warn(
              { url, webhookId: delivery.id, attempt, delayMs, err: (error as Error).message },
              "webhook attempt failed; retrying",
            ),
        },
      );
      return true;
    } catch (err) {
      delivery.state = closing.signal.aborted ? "abandoned" : "failed";
      await report();
      logger.warn(
        { url, webhookId: delivery.id, attempts: delivery.attempts.length, err: (err as Error).message },
        delivery.state === "abandoned" ? "webhook abandoned at shutdown" : "webhook not delivered; giving up",
      );
      return false;
    }
  };

  return {
    send(url, event, { onUpdate } = {}) {
      if (keys.length === 0) {
        logger.warn({ url }, "webhook not sent: WEBHOOK_SECRET is not set");
        return Promise.resolve(false);
      }
      if (closing.signal.aborted) return Promise.resolve(false);
      const delivery = deliver(url, event, onUpdate);
      pending.add(delivery);
      void delivery.finally(() => pending.delete(delivery));
      return delivery;
    },
    async close() {
      closing.abort(new Error("the gateway is shutting down"));
      await Promise.allSettled([...pending]);
    },
  };
}
