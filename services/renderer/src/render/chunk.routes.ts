import { FORMATS, renderJoinRequestSchema, renderPartRequestSchema } from "@video-service/contracts";
import { AppError, parseJsonBody } from "@video-service/errors";
import { Hono } from "hono";
import { executeJoin, executePart, validateJoin, validatePart } from "./chunk.service.ts";
import { type RenderRoutesDeps, streamRender } from "./render.routes.ts";
import { prepareRender } from "./render.service.ts";

/**
 * Chunked rendering (mounted at /v1/renders), answered like POST /v1/renders (NDJSON progress,
 * then one `done` or `error`; refusals as problem+json before the stream):
 * - POST /parts: one part of a timeline — a frame range of the video (MPEG-TS, no audio) or the
 *   whole audio (AAC) — stored at `outputKey`;
 * - POST /join: the stored chunks (stream copy) + the audio → the final MP4, +faststart.
 * Each takes a render slot like a whole render, so a renderer task never runs more than it can.
 */
export function createChunkRoutes(deps: RenderRoutesDeps): Hono {
  const app = new Hono();
  const refuseWithoutFfmpeg = () => {
    if (deps.capabilities && !deps.capabilities.ok) {
      throw new AppError("unavailable", `this renderer's ffmpeg lacks: ${deps.capabilities.missing.join(", ")}`);
    }
  };

  app.post("/parts", async (c) => {
    const request = await parseJsonBody(c, renderPartRequestSchema);
    const spec = deps.formats[request.format] ?? FORMATS[request.format];
    const keys = validatePart(request, spec);
    refuseWithoutFfmpeg();
    const log = deps.logger.child({ outputKey: request.outputKey, format: request.format, part: request.part });
    return streamRender(c, deps, {
      log,
      prepare: () => prepareRender({ request: keys, store: deps.store, scratchDir: deps.scratchDir }),
      execute: (prepared, signal, onProgress) =>
        executePart({ request, prepared, spec, store: deps.store, logger: log, signal, onProgress }),
    });
  });

  app.post("/join", async (c) => {
    const request = await parseJsonBody(c, renderJoinRequestSchema);
    const spec = deps.formats[request.format] ?? FORMATS[request.format];
    const keys = validateJoin(request);
    refuseWithoutFfmpeg();
    const log = deps.logger.child({
      outputKey: request.outputKey,
      format: request.format,
      chunks: request.chunks.length,
    });
    return streamRender(c, deps, {
      log,
      prepare: () => prepareRender({ request: keys, store: deps.store, scratchDir: deps.scratchDir }),
      execute: (prepared, signal, onProgress) =>
        executeJoin({ request, prepared, spec, store: deps.store, logger: log, signal, onProgress }),
    });
  });

  return app;
}
