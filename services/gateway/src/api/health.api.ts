import { AppError } from "@video-service/errors";
import type { Env, Hono } from "hono";
import type { ApiDeps } from "./api.types.ts";

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

/** /healthz: the process answers (no dependencies, so a Redis outage does not restart every task). /readyz: dependencies. */
export function registerHealthRoutes<E extends Env>(app: Hono<E>, deps: ApiDeps): void {
  const timeoutMs = deps.readinessTimeoutMs ?? 2000;
  const checks: Record<string, Check> = {
    redis: () => deps.redis.ping(),
    storage: () => deps.store.ping(),
    imagegen: () => deps.imagegen.ready({ signal: AbortSignal.timeout(timeoutMs) }),
    renderer: () => deps.renderer.ready({ signal: AbortSignal.timeout(timeoutMs) }),
  };

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
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
      throw new AppError("unavailable", `not ready: ${failed.map((f) => f.name).join(", ")}`, {
        extensions: { checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? "ok" : r.error])) },
      });
    }
    return c.json({ status: "ready", checks: Object.fromEntries(results.map((r) => [r.name, "ok"])) });
  });
}
