import { AppError } from "@video-service/errors";
import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { ApiKeyVariables } from "./api-key.middleware.ts";

/**
 * A token bucket per API key in Redis (shared by every gateway task): `perMinute` tokens, refilled
 * continuously; each request takes one. Redis's clock is the only clock, so tasks agree.
 * Returns {allowed, tokens left (a float, as a string: Lua numbers become integers in replies)}.
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local per_ms = capacity / 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 61000)
return {allowed, tostring(tokens)}
`;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Undefined when rate limiting is off. */
  take(keyId: string): Promise<RateLimitDecision | undefined>;
}

export function createRateLimiter({
  redis,
  perMinute,
  prefix = "vs:",
}: {
  redis: Redis;
  /** 0 turns it off. */
  perMinute: number;
  prefix?: string;
}): RateLimiter {
  const perSecond = perMinute / 60;
  return {
    async take(keyId) {
      if (perMinute <= 0) return undefined;
      const [allowed, left] = (await redis.eval(TAKE_SCRIPT, 1, `${prefix}ratelimit:${keyId}`, String(perMinute))) as [
        number,
        string,
      ];
      const tokens = Number(left);
      return {
        allowed: allowed === 1,
        limit: perMinute,
        remaining: Math.floor(tokens),
        resetSeconds: Math.ceil((perMinute - tokens) / perSecond),
        retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond)),
      };
    },
  };
}

/**
 * Answers 429 with Retry-After when the caller's key is out of tokens. Every answer carries the
 * RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset headers (the widely used form of the
 * IETF httpapi draft) and RateLimit-Policy "<limit>;w=60".
 */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<{ Variables: ApiKeyVariables }> {
  return async (c, next) => {
    const decision = await limiter.take(c.get("apiKeyId"));
    if (!decision) return next();
    const headers = {
      "ratelimit-policy": `${decision.limit};w=60`,
      "ratelimit-limit": String(decision.limit),
      "ratelimit-remaining": String(decision.remaining),
      "ratelimit-reset": String(decision.resetSeconds),
    };
    if (!decision.allowed) {
      throw new AppError(
        "too-many-requests",
        `this API key may make ${decision.limit} requests a minute; try again in ${decision.retryAfterSeconds} s`,
        { headers: { ...headers, "retry-after": String(decision.retryAfterSeconds) } },
      );
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
