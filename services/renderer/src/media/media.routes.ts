import { type FormatSpec, type MediaIngestEvent, mediaIngestRequestSchema } from "@video-service/contracts";
import { AppError, parseJsonBody } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import type { RenderAdmission } from "../render/admission.ts";
import { NDJSON_CONTENT_TYPE, RETRY_AFTER_SECONDS } from "../render/render.routes.ts";
import { renderErrorEvent } from "../render/render.service.ts";
import { type PreparedIngest, prepareIngest, runIngest } from "./media-ingest.service.ts";

/** An ingest transcodes at most a few minutes of video once; past this it is abandoned. */
export const INGEST_TIMEOUT_MS = 20 * 60_000;

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
 * library's files (see media-ingest.service.ts). What can be refused quickly is refused with
 * problem+json (422 not what it claims, 503 + Retry-After when every slot is busy); then NDJSON
 * progress while FFmpeg works, and one `done` or `error` line. The caller going away cancels it.
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
    const controller = new AbortController();
    const cancel = () => controller.abort(new Error("ingest cancelled"));
    const timeout = setTimeout(cancel, INGEST_TIMEOUT_MS);
    c.req.raw.signal.addEventListener("abort", cancel, { once: true });
    slot.signal.addEventListener("abort", cancel, { once: true });
    // A caller gone before the listener was added would otherwise never cancel it.
    if (c.req.raw.signal.aborted) cancel();
    const release = () => {
      clearTimeout(timeout);
      c.req.raw.signal.removeEventListener("abort", cancel);
      slot.release();
    };
    let prepared: PreparedIngest;
    try {
      prepared = await prepareIngest({
        request,
        store: deps.store,
        scratchDir: deps.scratchDir,
        formats: deps.formats,
        signal: controller.signal,
      });
    } catch (error) {
      release();
      throw error;
    }
    const log = deps.logger.child({ kind: request.kind, sourceKey: request.sourceKey });
    c.header("content-type", NDJSON_CONTENT_TYPE);
    c.header("cache-control", "no-store");
    return stream(c, async (out) => {
      out.onAbort(cancel);
      const write = (event: MediaIngestEvent): Promise<unknown> =>
        out.aborted || out.closed ? Promise.resolve() : out.write(`${JSON.stringify(event)}\n`).catch(() => undefined);
      let reported = -1;
      try {
        await write({ type: "progress", progress: 0 });
        const result = await runIngest({
          request,
          prepared,
          store: deps.store,
          logger: log,
          signal: controller.signal,
          onProgress: (fraction) => {
            const rounded = Math.floor(fraction * 100) / 100;
            if (rounded <= reported) return;
            reported = rounded;
            void write({ type: "progress", progress: rounded });
          },
        });
        await write({ type: "done", result });
      } catch (error) {
        if (controller.signal.aborted) log.warn({ reason: String(controller.signal.reason) }, "ingest cancelled");
        else if (!(error instanceof AppError)) log.error({ err: error }, "ingest failed");
        await write(renderErrorEvent(error, { cancelled: controller.signal.aborted }));
      } finally {
        await prepared.cleanup();
        release();
      }
    });
  });
  return app;
}
