import os from "node:os";
import { env, serviceEnvShape, z } from "@video-service/config";
import {
  checkStorageEnv,
  reportWithOtherIssues,
  storageConfigFromEnv,
  storageEnvShape,
} from "@video-service/object-store/storage-env";

/** The renderer's environment, parsed once in main.ts. */
export const rendererConfigSchema = z
  .object({
    ...serviceEnvShape(3002),
    ...storageEnvShape,
    // Per-render temp dirs go here (tmpfs in ECS: the root file system is read-only).
    SCRATCH_DIR: z.string().default(os.tmpdir()),
    // x264 uses every core: more than one render per 2-core task only slows each down.
    RENDER_CONCURRENCY: env.int(1, 1),
    // Shutdown lets running renders finish for this long before aborting them (under ECS stopTimeout).
    RENDER_DRAIN_MS: env.int(30_000),
  })
  .superRefine(checkStorageEnv, reportWithOtherIssues)
  .transform((raw) => ({
    port: raw.PORT,
    host: raw.HOST,
    internalToken: raw.INTERNAL_TOKEN,
    storage: storageConfigFromEnv(raw),
    scratchDir: raw.SCRATCH_DIR,
    renderConcurrency: raw.RENDER_CONCURRENCY,
    renderDrainMs: raw.RENDER_DRAIN_MS,
    otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
    ecsAgentUri: raw.ECS_AGENT_URI,
    logLevel: raw.LOG_LEVEL,
  }));
export type RendererConfig = z.infer<typeof rendererConfigSchema>;
