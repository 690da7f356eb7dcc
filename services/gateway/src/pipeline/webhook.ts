import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@video-service/logger";

export interface WebhookSender {
  /** POSTs the payload; resolves to whether it was delivered. Never throws. */
  send(url: string, payload: unknown): Promise<boolean>;
}

export interface WebhookSenderOptions {
  /** Signs the body: X-Signature: sha256=<hex HMAC-SHA256 of the body>. Unsigned without it. */
  secret: string | undefined;
  timeoutMs: number;
  logger: Logger;
  attempts?: number;
  /** Base delay between attempts; doubled each time. */
  backoffMs?: number;
}

export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Webhooks are best effort: a receiver that is down or slow must not fail a finished video, so
 * delivery is retried a few times with a timeout per attempt and failure is only logged.
 * 4xx answers (other than 408/429) are not retried: the receiver rejected the call.
 */
export function createWebhookSender({
  secret,
  timeoutMs,
  logger,
  attempts = 3,
  backoffMs = 500,
}: WebhookSenderOptions): WebhookSender {
  return {
    async send(url, payload) {
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "video-service-webhook/1",
      };
      if (secret) headers["x-signature"] = signWebhookBody(body, secret);
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const response = await fetch(url, {
            method: "POST",
            headers,
            body,
            redirect: "manual",
            signal: AbortSignal.timeout(timeoutMs),
          });
          await response.body?.cancel();
          if (response.ok) return true;
          const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
          logger.warn({ url, status: response.status, attempt }, "webhook answered with an error");
          if (!retryable) return false;
        } catch (err) {
          logger.warn({ url, attempt, err: (err as Error).message }, "webhook delivery failed");
        }
        if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
      }
      logger.error({ url, attempts }, "webhook not delivered; giving up");
      return false;
    },
  };
}
