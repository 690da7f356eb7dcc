import { FORMATS, type Format, type FormatSpec, type RenderEvent, renderRequestSchema } from "@video-service/contracts";
import { AppError, parseJsonBody } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { type Context, Hono } from "hono";
import { stream } from "hono/streaming";
import type { FfmpegCapabilities } from "../ffmpeg/ffmpeg.runner.ts";
import type { RenderAdmission } from "./admission.ts";
import { executeRender, prepareRender, renderErrorEvent, validateTimeline } from "./render.service.ts";

export interface RenderRoutesDeps {
  store: ObjectStore;
  logger: Logger;
  scratchDir: string;
  admission: RenderAdmission;
  /** Probed at start-up; when a required encoder or filter is missing, renders are refused (503). */
  capabilities?: FfmpegCapabilities | undefined;
  /** Canvas and encoder settings per format; FORMATS in production (tests may shrink the canvas). */
  formats: Readonly<Record<Format, FormatSpec>>;
}

/** Seconds a refused caller should wait: a short render takes about half a minute on 2 cores. */
export const RETRY_AFTER_SECONDS = 15;

export const NDJSON_CONTENT_TYPE = "application/x-ndjson";

/**
 * POST / (mounted at /v1/renders): a timeline → one MP4 at `outputKey`, answered as NDJSON
 * progress lines and then one `done` or `error` line. Everything that can be refused is refused
 * with problem+json before the stream starts: bad input (422), unknown keys (422), no capacity (503).
 */
export function createRenderRoutes(deps: RenderRoutesDeps): Hono {
  const app = new Hono();

  app.post("/", async (c) => {
    const request = await parseJsonBody(c, renderRequestSchema);
    const spec = deps.formats[request.format] ?? FORMATS[request.format];
    validateTimeline(request, spec);
    if (deps.capabilities && !deps.capabilities.ok) {
      // Impossible on this FFmpeg build: refuse before spawning rather than fail mid-render.
      throw new AppError("unavailable", `this renderer's ffmpeg lacks: ${deps.capabilities.missing.join(", ")}`);
    }

    const log = deps.logger.child({ outputKey: request.outputKey, format: request.format });
    return streamRender(c, deps, {
      log,
      prepare: () => prepareRender({ request, store: deps.store, scratchDir: deps.scratchDir }),
      execute: (prepared, signal, onProgress) =>
        executeRender({ request, prepared, spec, store: deps.store, logger: log, signal, onProgress }),
    });
  });

  return app;
}

/**
 * The streamed part of every render endpoint: takes a render slot (503 + Retry-After when none is
 * free), prepares the inputs (a refusal such as an unknown key is still problem+json), then streams
 * NDJSON progress and one `done` or `error` line. Cancelled when the caller goes away or the
 * renderer shuts down; the work dir and the slot are always released.
 */
export async function streamRender<P extends { cleanup(): Promise<void> }>(
  c: Context,
  deps: Pick<RenderRoutesDeps, "admission">,
  job: {
    log: Logger;
    prepare: () => Promise<P>;
    execute: (
      prepared: P,
      signal: AbortSignal,
      onProgress: (event: Extract<RenderEvent, { type: "progress" }>) => void,
    ) => Promise<Extract<RenderEvent, { type: "done" }>>;
  },
): Promise<Response> {
  const { log } = job;
  const slot = deps.admission.tryAcquire();
  if (!slot) {
    throw new AppError(
      "unavailable",
      deps.admission.draining
        ? "the renderer is shutting down"
        : `${deps.admission.active} render(s) already running (capacity ${deps.admission.capacity})`,
      { headers: { "retry-after": String(RETRY_AFTER_SECONDS) } },
    );
  }
  let prepared: P;
  try {
    prepared = await job.prepare();
  } catch (error) {
    slot.release();
    throw error;
  }

  // Cancelled by the caller going away (request signal / stream abort) or by shutdown (slot).
  const controller = new AbortController();
  const cancel = () => controller.abort(new Error("render cancelled"));
  c.req.raw.signal.addEventListener("abort", cancel, { once: true });
  slot.signal.addEventListener("abort", cancel, { once: true });
  if (c.req.raw.signal.aborted || slot.signal.aborted) cancel();

  c.header("content-type", NDJSON_CONTENT_TYPE);
  c.header("cache-control", "no-store");
  return stream(c, async (out) => {
    out.onAbort(cancel);
    // A caller that went away cannot be written to; the render is being cancelled anyway.
    const write = (event: RenderEvent): Promise<unknown> =>
      out.aborted || out.closed ? Promise.resolve() : out.write(`${JSON.stringify(event)}\n`).catch(() => undefined);
    try {
      await write({ type: "progress", progress: 0 });
      const done = await job.execute(prepared, controller.signal, (event) => void write(event));
      await write(done);
    } catch (error) {
      const event = renderErrorEvent(error, { cancelled: controller.signal.aborted });
      if (controller.signal.aborted) log.warn({ reason: String(controller.signal.reason) }, "render cancelled");
      else log.error({ err: error }, "render failed");
      await write(event);
    } finally {
      c.req.raw.signal.removeEventListener("abort", cancel);
      await prepared.cleanup();
      slot.release();
    }
  });
}
