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

/** The id of the key presented in the headers, or undefined when none matches. */
export function apiKeyIdentifier(
  keys: readonly string[],
): (authorization: string | undefined, apiKey: string | undefined) => string | undefined {
  const known = keys.map((key) => ({ digest: digest(key), id: digest(key).toString("hex").slice(0, 16) }));
  return (authorization, apiKey) => {
    const presented = presentedApiKey({ authorization, apiKey });
    let matched: string | undefined;
    if (presented) {
      const candidate = digest(presented);
      for (const key of known) if (timingSafeEqual(candidate, key.digest)) matched = key.id;
    }
    return matched;
  };
}

/**
 * API-key authentication. Keys are compared as SHA-256 digests with timingSafeEqual (equal
 * lengths, constant time), against every configured key, so timing reveals neither which key
 * matched nor how much of a guess was right.
 */
export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler<{ Variables: ApiKeyVariables }> {
  const identify = apiKeyIdentifier(keys);
  return async (c, next) => {
    const matched = identify(c.req.header("authorization"), c.req.header("x-api-key"));
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
