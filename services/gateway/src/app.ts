import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, createErrorHandler, limitBody, validationError } from "@video-service/errors";
import { telemetryMiddleware } from "@video-service/telemetry";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ApiDeps } from "./api/api.types.ts";
import { type ApiKeyVariables, apiKeyAuth } from "./api/api-key.middleware.ts";
import { registerDashboardRoutes } from "./api/dashboard.routes.ts";
import { registerDocsRoutes } from "./api/docs.routes.ts";
import { registerFileRoutes } from "./api/files.routes.ts";
import { registerHealthRoutes } from "./api/health.routes.ts";
import { registerMediaRoutes } from "./api/media.routes.ts";
import { rateLimit } from "./api/rate-limit.middleware.ts";
import {
  isRedisUnavailable,
  notFoundOrMethodNotAllowed,
  rejectBadPercentEncoding,
} from "./api/request-hygiene.middleware.ts";
import { registerScheduleRoutes } from "./api/schedules.routes.ts";
import { registerTrendRoutes } from "./api/trends.routes.ts";
import { registerVideoRoutes } from "./api/videos.routes.ts";
import { registerVoiceRoutes } from "./api/voices.routes.ts";
import { createVoiceCatalog } from "./voices/voice-catalog.ts";

export type { ApiDeps as AppDeps } from "./api/api.types.ts";

export const API_VERSION = "1.0.0";

/** Where a failing value was, in the words of the problem's `errors[].path`. */
const TARGET_NAMES: Readonly<Record<string, string>> = {
  json: "body",
  query: "query",
  param: "path",
  header: "header",
};

/** One line per request (health checks excepted: the ALB polls them every few seconds). */
function accessLog(logger: ApiDeps["logger"]): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path === "/healthz" || c.req.path === "/readyz") return next();
    const started = performance.now();
    await next();
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
      },
      "request",
    );
  };
}

const requireJson: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError("unsupported-media-type", "send the body as application/json");
  }
  await next();
};

/**
 * The gateway's HTTP API: pure wiring of routes around the dependencies given (no listening, no
 * environment), so tests drive it with app.request().
 */
export function createApp(apiDeps: ApiDeps) {
  const deps: ApiDeps = { ...apiDeps, voices: apiDeps.voices ?? createVoiceCatalog({ source: apiDeps.renderer }) };
  const app = new OpenAPIHono<{ Variables: ApiKeyVariables }>({
    // The same zod schemas that generate /openapi.json validate requests: failures are 422 problems.
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, TARGET_NAMES[result.target] ?? result.target);
    },
  });
  const handleError = createErrorHandler(deps.logger);

  app.onError((err, c) => {
    // Hono's JSON validator reports unparsable bodies as a bare 400.
    if (err instanceof HTTPException && err.status === 400 && /malformed json/i.test(err.message)) {
      return handleError(new AppError("malformed-json", "the request body is not valid JSON"), c);
    }
    // Redis down or stalled: the API's connection fails fast; the client is told to come back.
    if (!(err instanceof AppError) && isRedisUnavailable(err)) {
      deps.logger.warn({ err: err.message, path: c.req.path }, "redis unavailable; answered 503");
      const unavailable = new AppError("unavailable", "the job store is not answering; try again shortly", {
        headers: { "retry-after": "5" },
      });
      return handleError(unavailable, c);
    }
    return handleError(err, c);
  });
  app.notFound(notFoundOrMethodNotAllowed(() => app.routes));

  app.use("*", telemetryMiddleware());
  app.use("*", accessLog(deps.logger));
  app.use("*", rejectBadPercentEncoding);
  app.use("/v1/*", apiKeyAuth(deps.config.API_KEYS));
  if (deps.rateLimiter) app.use("/v1/*", rateLimit(deps.rateLimiter));
  const limitJsonBodies = limitBody(deps.config.MAX_BODY_BYTES);
  // Media uploads are streamed to storage under their own limit (MEDIA_MAX_BYTES, see media-upload.service.ts).
  app.use("/v1/*", (c, next) =>
    c.req.method === "PUT" && c.req.path.startsWith("/v1/media/") ? next() : limitJsonBodies(c, next),
  );
  app.on("POST", "/v1/videos", requireJson);
  app.on("POST", "/v1/schedules", requireJson);

  registerVideoRoutes(app, deps);
  registerTrendRoutes(app, deps);
  registerVoiceRoutes(app, deps.voices ?? createVoiceCatalog({ source: deps.renderer }));
  registerScheduleRoutes(app, deps);
  registerMediaRoutes(app, deps);
  registerHealthRoutes(app, deps);
  registerDocsRoutes(app, { version: API_VERSION });
  registerDashboardRoutes(app);
  if (deps.files) registerFileRoutes(app, { store: deps.store, signingSecret: deps.files.signingSecret });
  return app;
}

export type GatewayApp = ReturnType<typeof createApp>;
