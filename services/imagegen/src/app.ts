import { createErrorHandler, limitBody, notFoundHandler } from "@video-service/errors";
import { internalAuth } from "@video-service/http-client";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { telemetryMiddleware } from "@video-service/telemetry";
import { Hono } from "hono";
import { createCardService } from "./cards/card.service.ts";
import { createCardRoutes } from "./cards/cards.routes.ts";
import { defaultRenderConcurrency } from "./cards/sharp.engine.ts";

export { RENDERER_VERSION } from "./cards/cache-key.ts";
export { type CardService, createCardService } from "./cards/card.service.ts";

/** 64 cards of at most 10,000 characters each fit well inside 1 MB. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ImagegenDeps {
  store: ObjectStore;
  logger: Logger;
  internalToken: string;
  /** Cards drawn at once across all requests; defaults to one per core. */
  concurrency?: number;
  /** Cards waiting for a slot at most (MAX_QUEUED_CARDS); default 256. */
  maxQueuedCards?: number;
}

/** The imagegen HTTP app: no port, no environment; main.ts wires and listens. */
export function createApp({ store, logger, internalToken, concurrency, maxQueuedCards }: ImagegenDeps): Hono {
  const cards = createCardService({
    store,
    logger,
    concurrency: concurrency ?? defaultRenderConcurrency(),
    ...(maxQueuedCards === undefined ? {} : { maxQueuedCards }),
  });
  const app = new Hono();
  app.use(telemetryMiddleware());
  app.onError(createErrorHandler(logger));
  app.notFound(notFoundHandler);

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await store.ping();
      return c.json({ status: "ready", storage: "ok" });
    } catch (err) {
      logger.warn({ err }, "readiness: storage unreachable");
      return c.json({ status: "not-ready", storage: "unavailable" }, 503);
    }
  });

  app.use("/v1/*", internalAuth(internalToken));
  app.use("/v1/*", limitBody(MAX_BODY_BYTES));
  app.route("/v1", createCardRoutes({ cards }));
  return app;
}
