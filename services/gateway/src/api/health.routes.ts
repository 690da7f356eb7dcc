import { INTERNAL_TOKEN_HEADER } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import { internalTokenMatcher } from "@video-service/http-client";
import type { Env, Hono } from "hono";
import type { ApiDeps } from "./api.types.ts";
import { apiKeyIdentifier } from "./api-key.middleware.ts";

type Check = () => Promise<unknown>;

async function within<T>(ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /healthz: the process answers (no dependencies, so a Redis outage does not restart every task).
 * /readyz: dependencies. Anyone (the load balancer) learns only ready or not; which dependency
 * failed and why (internal host names, ports, error text) only a caller with an API key or the
 * internal token.
 */
export function registerHealthRoutes<E extends Env>(app: Hono<E>, deps: ApiDeps): void {
  const timeoutMs = deps.readinessTimeoutMs ?? 2000;
  const checks: Record<string, Check> = {
    redis: () => deps.redis.ping(),
    storage: () => deps.store.ping(),
    imagegen: () => deps.imagegen.ready({ signal: AbortSignal.timeout(timeoutMs) }),
    renderer: () => deps.renderer.ready({ signal: AbortSignal.timeout(timeoutMs) }),
  };

  const identify = apiKeyIdentifier(deps.config.API_KEYS);
  const isInternal = internalTokenMatcher(deps.config.INTERNAL_TOKEN);

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    const trusted =
      isInternal(c.req.header(INTERNAL_TOKEN_HEADER)) ||
      identify(c.req.header("authorization"), c.req.header("x-api-key")) !== undefined;
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          const answer = await within(timeoutMs, check);
          // A client's ready() may answer false instead of throwing.
          if (answer === false) return { name, ok: false, error: "not ready" };
          return { name, ok: true };
        } catch (err) {
          return { name, ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const failed = results.filter((result) => !result.ok);
    if (failed.length > 0) {
      if (!trusted) throw new AppError("unavailable", "not ready", { headers: { "retry-after": "5" } });
      throw new AppError("unavailable", `not ready: ${failed.map((f) => f.name).join(", ")}`, {
        extensions: { checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? "ok" : r.error])) },
        headers: { "retry-after": "5" },
      });
    }
    if (!trusted) return c.json({ status: "ready" });
    return c.json({ status: "ready", checks: Object.fromEntries(results.map((r) => [r.name, "ok"])) });
  });
}
