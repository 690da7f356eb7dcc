import { type FormatSpec, mediaIngestRequestSchema } from "@video-service/contracts";
import { AppError, parseJsonBody } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { Hono } from "hono";
import type { RenderAdmission } from "../render/admission.ts";
import { RETRY_AFTER_SECONDS } from "../render/render.routes.ts";
import { ingestMedia } from "./media-ingest.service.ts";

/** An ingest transcodes at most a few minutes of video once; past this it is abandoned. */
export const INGEST_TIMEOUT_MS = 10 * 60_000;

export interface MediaRoutesDeps {
  store: ObjectStore;
  logger: Logger;
  scratchDir: string;
  /** Ingests are FFmpeg runs like renders: they take a render slot. */
  admission: RenderAdmission;
  formats: Readonly<Record<string, FormatSpec>>;
}

/**
 * POST /ingest (mounted at /v1/media): probe an uploaded object and normalise it into the
 * library's files (see media-ingest.service.ts). 200 with the files; 422 when the upload is not
 * what it claims; 503 + Retry-After when every slot is busy.
 */
export function createMediaRoutes(deps: MediaRoutesDeps): Hono {
  const app = new Hono();
  app.post("/ingest", async (c) => {
    const request = await parseJsonBody(c, mediaIngestRequestSchema);
    const slot = deps.admission.tryAcquire();
    if (!slot) {
      throw new AppError("unavailable", "every render slot is busy; try the ingest again shortly", {
        headers: { "retry-after": String(RETRY_AFTER_SECONDS) },
      });
    }
    try {
      const signal = AbortSignal.any([c.req.raw.signal, slot.signal, AbortSignal.timeout(INGEST_TIMEOUT_MS)]);
      const result = await ingestMedia({
        request,
        store: deps.store,
        scratchDir: deps.scratchDir,
        formats: deps.formats,
        logger: deps.logger.child({ kind: request.kind, sourceKey: request.sourceKey }),
        signal,
      });
      return c.json(result);
    } finally {
      slot.release();
    }
  });
  return app;
}
