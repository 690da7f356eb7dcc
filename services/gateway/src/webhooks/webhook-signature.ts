import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, spec v1): the secret is
 * `whsec_<base64 of 24–64 random bytes>`; a delivery carries `webhook-id` (the same on every
 * attempt), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`:
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret, space-separated, so a
 * secret can be rotated while receivers still hold the old one.
 */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** The key bytes of a `whsec_` secret; throws with what is wrong. */
export function parseWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error(`must start with ${WEBHOOK_SECRET_PREFIX}`);
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error("must be whsec_ followed by base64");
  const key = Buffer.from(encoded, "base64");
  if (key.length < 24 || key.length > 64) throw new Error(`must encode 24 to 64 bytes (this one has ${key.length})`);
  return key;
}

/** A new secret for `make dev` and for rotation: 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

export function signWebhook({
  id,
  timestamp,
  body,
  keys,
}: {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  body: string;
  keys: readonly Buffer[];
}): string {
  const content = `${id}.${timestamp}.${body}`;
  return keys.map((key) => `v1,${createHmac("sha256", key).update(content).digest("base64")}`).join(" ");
}
