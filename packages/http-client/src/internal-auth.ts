import { createHash, timingSafeEqual } from "node:crypto";
import { INTERNAL_TOKEN_HEADER } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { MiddlewareHandler } from "hono";

/** Hashing both sides gives equal lengths, so the comparison leaks neither content nor length. */
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** A constant-time check of a presented internal token. */
export function internalTokenMatcher(token: string): (given: string | undefined) => boolean {
  if (token.length === 0) throw new TypeError("internalAuth: token must not be empty");
  const expected = digest(token);
  return (given) => given !== undefined && timingSafeEqual(digest(given), expected);
}

/**
 * The servers' side of the internal token: a request without the right x-internal-token header is
 * answered 401 problem+json (AppError "unauthorized", rendered by createErrorHandler).
 */
export function internalAuth(token: string): MiddlewareHandler {
  const matches = internalTokenMatcher(token);
  return async (c, next) => {
    if (!matches(c.req.header(INTERNAL_TOKEN_HEADER))) {
      throw new AppError("unauthorized", `missing or invalid ${INTERNAL_TOKEN_HEADER} header`);
    }
    await next();
  };
}
