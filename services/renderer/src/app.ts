import { FORMATS, type Format, type FormatSpec } from "@video-service/contracts";
import { createErrorHandler, limitBody, notFoundHandler } from "@video-service/errors";
import { internalAuth } from "@video-service/http-client";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { telemetryMiddleware } from "@video-service/telemetry";
import { Hono } from "hono";
import type { FfmpegCapabilities } from "./ffmpeg/ffmpeg.runner.ts";
import { createMediaRoutes } from "./media/media.routes.ts";
import { createRenderAdmission, type RenderAdmission } from "./render/admission.ts";
import { createRenderRoutes } from "./render/render.routes.ts";
import { createSpeechRoutes, createVoiceRoutes } from "./speech/speech.routes.ts";
import type { TtsEngine } from "./speech/tts.ts";

export type { FfmpegCapabilities } from "./ffmpeg/ffmpeg.runner.ts";
export { createRenderAdmission, type RenderAdmission } from "./render/admission.ts";

/** Timelines are JSON of keys and word timings: 5 MB holds 20,000 words with room to spare. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface RendererDeps {
  store: ObjectStore;
  logger: Logger;
  internalToken: string;
  /** Per-render temp dirs are created here. */
  scratchDir: string;
  /** Renders at once; ignored when `admission` is given. */
  renderConcurrency: number;
  /** Shared with main.ts so shutdown can stop admitting and abort running renders. */
  admission?: RenderAdmission;
  /** Probed once at start-up (probeCapabilities); /readyz reports them. */
  capabilities?: FfmpegCapabilities;
  tts: TtsEngine | Record<string, TtsEngine>;
  /**
   * Canvas/encoder settings per format. FORMATS unless a test shrinks the canvas: the code path is
   * the same, only the numbers differ.
   */
  formats?: Readonly<Record<Format, FormatSpec>>;
}

/** The renderer's HTTP app: no port, no environment; main.ts wires and listens. */
export function createApp(deps: RendererDeps): Hono {
  const admission = deps.admission ?? createRenderAdmission({ concurrency: deps.renderConcurrency });
  const app = new Hono();
  app.use(telemetryMiddleware());
  app.onError(createErrorHandler(deps.logger));
  app.notFound(notFoundHandler);

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    let storage = "ok";
    try {
      await deps.store.ping();
    } catch (error) {
      storage = error instanceof Error ? error.message : String(error);
    }
    const ffmpegOk = deps.capabilities?.ok ?? false;
    const ready = storage === "ok" && ffmpegOk && !admission.draining;
    return c.json(
      {
        status: ready ? "ready" : "not-ready",
        storage,
        ffmpeg: deps.capabilities ?? { ok: false, missing: ["not probed"] },
        renders: { active: admission.active, capacity: admission.capacity, draining: admission.draining },
      },
      ready ? 200 : 503,
    );
  });

  app.use("/v1/*", internalAuth(deps.internalToken));
  app.use("/v1/*", limitBody(MAX_BODY_BYTES));
  app.route(
    "/v1/renders",
    createRenderRoutes({
      store: deps.store,
      logger: deps.logger,
      scratchDir: deps.scratchDir,
      admission,
      capabilities: deps.capabilities,
      formats: deps.formats ?? FORMATS,
    }),
  );
  app.route(
    "/v1/media",
    createMediaRoutes({
      store: deps.store,
      logger: deps.logger,
      scratchDir: deps.scratchDir,
      admission,
      formats: deps.formats ?? FORMATS,
    }),
  );
  app.route(
    "/v1/speech",
    createSpeechRoutes({ store: deps.store, tts: deps.tts, logger: deps.logger, scratchDir: deps.scratchDir }),
  );
  app.route("/v1/voices", createVoiceRoutes({ tts: deps.tts }));
  return app;
}
