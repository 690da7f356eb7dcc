import { createHmac, timingSafeEqual } from "node:crypto";
import { isValidObjectKey } from "@video-service/contracts";

/** The signature of a local download URL: hex HMAC-SHA256 of `${key}\n${expires}`. */
export function signObjectKey({ key, expires, secret }: { key: string; expires: number; secret: string }): string {
  return createHmac("sha256", secret).update(`${key}\n${expires}`).digest("hex");
}

/** `${publicBaseUrl}/files/${key}?expires=<unix seconds>&sig=<hex>`; keys need no escaping (safe characters only). */
export function createSignedFileUrl({
  publicBaseUrl,
  key,
  expires,
  secret,
}: {
  publicBaseUrl: string;
  key: string;
  expires: number;
  secret: string;
}): string {
  const base = publicBaseUrl.replace(/\/+$/, "");
  return `${base}/files/${key}?expires=${expires}&sig=${signObjectKey({ key, expires, secret })}`;
}

export interface VerifySignedUrlInput {
  key: string;
  /** The `expires` query parameter as received (unix seconds). */
  expires: string | number | undefined | null;
  /** The `sig` query parameter as received. */
  sig: string | undefined | null;
  secret: string;
  /** Current time in milliseconds since the epoch; defaults to Date.now(). */
  now?: number;
}

/**
 * Checks a local download URL (the gateway's GET /files/*): the key is valid, the link has not
 * expired and the signature matches. The comparison is constant-time so the signature cannot be
 * guessed byte by byte.
 */
export function verifySignedUrl({ key, expires, sig, secret, now = Date.now() }: VerifySignedUrlInput): boolean {
  if (!isValidObjectKey(key) || secret.length === 0) return false;
  const expiresText = typeof expires === "number" ? String(expires) : expires;
  if (typeof expiresText !== "string" || !/^[1-9]\d{0,11}$/.test(expiresText)) return false;
  if (typeof sig !== "string" || !/^[0-9a-f]{64}$/.test(sig)) return false;
  const expiresSeconds = Number(expiresText);
  if (expiresSeconds * 1000 <= now) return false;
  const expected = Buffer.from(signObjectKey({ key, expires: expiresSeconds, secret }), "hex");
  return timingSafeEqual(expected, Buffer.from(sig, "hex"));
}
