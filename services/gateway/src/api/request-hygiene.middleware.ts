import { AppError, notFoundHandler, problemResponse } from "@video-service/errors";
import type { Context, MiddlewareHandler, NotFoundHandler } from "hono";

/**
 * A path whose percent-encoding does not decode (%zz, a lone %, %ff%fe, the overlong %c0%ae) is the
 * client's mistake: 400, before any route decodes it (and throws).
 */
export const rejectBadPercentEncoding: MiddlewareHandler = async (c, next) => {
  const raw = c.req.url.slice(c.req.url.indexOf("/", c.req.url.indexOf("//") + 2));
  const path = raw.split(/[?#]/, 1)[0] ?? "";
  try {
    decodeURIComponent(path);
  } catch {
    throw new AppError("bad-request", "the URL path has invalid percent-encoding");
  }
  await next();
};

const routePattern = (path: string): RegExp =>
  new RegExp(
    `^${path
      .split("/")
      .map((part) =>
        part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/")}/?$`,
  );

/**
 * Not found, unless the path is known with other methods: then 405 with Allow (RFC 9110 §15.5.6).
 * `routes` is read when a request comes, so routes registered later count.
 */
export function notFoundOrMethodNotAllowed(routes: () => readonly { method: string; path: string }[]): NotFoundHandler {
  const patterns = new Map<string, RegExp>();
  return (c: Context) => {
    const allowed = new Set<string>();
    for (const route of routes()) {
      if (route.method === "ALL") continue;
      let pattern = patterns.get(route.path);
      if (!pattern) {
        pattern = routePattern(route.path);
        patterns.set(route.path, pattern);
      }
      if (pattern.test(c.req.path)) allowed.add(route.method);
    }
    // The method is known here too: the route itself found nothing (a missing file under /docs/*).
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    if (allowed.size === 0 || allowed.has(method)) return notFoundHandler(c);
    if (allowed.has("GET")) allowed.add("HEAD");
    const allow = [...allowed].sort().join(", ");
    const problem = new AppError("method-not-allowed", `${c.req.method} is not allowed here; use ${allow}`);
    return problemResponse(c, problem.toProblem(c.req.path), { allow });
  };
}

/** ioredis failures that mean "Redis is not answering now" (down, stalled, reconnecting). */
export function isRedisUnavailable(err: unknown): boolean {
  for (let current = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.name === "MaxRetriesPerRequestError") return true;
    if (/Command timed out|Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET/.test(current.message)) {
      return true;
    }
  }
  return false;
}
