import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@video-service/errors";
import type { MiddlewareHandler } from "hono";

export interface ApiKeyVariables {
  /** A stable, non-secret id of the caller's key (scopes idempotency keys). */
  apiKeyId: string;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedApiKey(headers: { authorization?: string | undefined; apiKey?: string | undefined }) {
  const bearer = headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return bearer ?? headers.apiKey?.trim() ?? undefined;
}

/**
 * API-key authentication. Keys are compared as SHA-256 digests with timingSafeEqual (equal
 * lengths, constant time), against every configured key, so timing reveals neither which key
 * matched nor how much of a guess was right.
 */
export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler<{ Variables: ApiKeyVariables }> {
  const known = keys.map((key) => ({ digest: digest(key), id: digest(key).toString("hex").slice(0, 16) }));
  return async (c, next) => {
    const presented = presentedApiKey({
      authorization: c.req.header("authorization"),
      apiKey: c.req.header("x-api-key"),
    });
    let matched: string | undefined;
    if (presented) {
      const candidate = digest(presented);
      for (const key of known) if (timingSafeEqual(candidate, key.digest)) matched = key.id;
    }
    if (!matched) {
      throw new AppError(
        "unauthorized",
        "send a valid API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
        {
          headers: { "www-authenticate": 'Bearer realm="video-service"' },
        },
      );
    }
    c.set("apiKeyId", matched);
    await next();
  };
}
