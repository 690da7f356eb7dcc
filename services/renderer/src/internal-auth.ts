import { timingSafeEqual } from "node:crypto";
import { INTERNAL_TOKEN_HEADER } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { MiddlewareHandler } from "hono";

/**
 * Temporary local guard for /v1/*: @video-service/http-client (which will export the shared
 * `internalAuth`) had no code when this was written. Replace the import in app.ts when it lands.
 * Compares in constant time so the token cannot be guessed byte by byte.
 */
export function internalAuth(token: string): MiddlewareHandler {
  const expected = Buffer.from(token);
  return async (c, next) => {
    const given = Buffer.from(c.req.header(INTERNAL_TOKEN_HEADER) ?? "");
    if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError("unauthorized", `send the internal token in ${INTERNAL_TOKEN_HEADER}`);
    }
    await next();
  };
}
