import os from "node:os";
import { env, z } from "@video-service/config";
import {
  checkStorageEnv,
  reportWithOtherIssues,
  storageConfigFromEnv,
  storageEnvShape,
} from "@video-service/object-store/storage-env";

/** The renderer's environment, parsed once in main.ts. */
export const rendererConfigSchema = z
  .object({
    PORT: env.port(3002),
    // Internal service: loopback by default; 0.0.0.0 in a container.
    HOST: z.string().default("127.0.0.1"),
    // Shared secret every caller of /v1/* sends in x-internal-token.
    INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
    ...storageEnvShape,
    // Per-render temp dirs go here (tmpfs in ECS: the root file system is read-only).
    SCRATCH_DIR: z.string().default(os.tmpdir()),
    // x264 uses every core: more than one render per 2-core task only slows each down.
    RENDER_CONCURRENCY: env.int(1, 1),
    // Shutdown lets running renders finish for this long before aborting them (under ECS stopTimeout).
    RENDER_DRAIN_MS: env.int(30_000),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
    LOG_LEVEL: env.logLevel(),
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
    logLevel: raw.LOG_LEVEL,
  }));
export type RendererConfig = z.infer<typeof rendererConfigSchema>;
