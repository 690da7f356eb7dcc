import os from "node:os";
import { env, serviceEnvShape, z } from "@video-service/config";
import {
  checkStorageEnv,
  reportWithOtherIssues,
  storageConfigFromEnv,
  storageEnvShape,
} from "@video-service/object-store/storage-env";
import { POLLY_ENGINES } from "./speech/polly.client.ts";

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
    // Amazon Polly: off unless enabled; credentials come from the default AWS chain (the task role).
    POLLY_ENABLED: env.bool(false),
    POLLY_REGION: z.string().min(1).optional(),
    AWS_REGION: z.string().min(1).optional(),
    POLLY_ENDPOINT: env.url().optional(),
    // The Polly engines this deployment may use, most natural first (long-form costs 6× neural).
    POLLY_ENGINES: env
      .list()
      .pipe(z.array(z.enum(POLLY_ENGINES)))
      .transform((engines) => (engines.length > 0 ? engines : [...POLLY_ENGINES])),
  })
  .superRefine(checkStorageEnv, reportWithOtherIssues)
  .superRefine((raw, ctx) => {
    if (raw.POLLY_ENABLED && !raw.POLLY_REGION && !raw.AWS_REGION) {
      ctx.addIssue({
        code: "custom",
        path: ["POLLY_REGION"],
        message: "POLLY_ENABLED needs POLLY_REGION (or AWS_REGION), e.g. us-east-1",
      });
    }
  })
  .transform((raw) => ({
    port: raw.PORT,
    host: raw.HOST,
    internalToken: raw.INTERNAL_TOKEN,
    storage: storageConfigFromEnv(raw),
    scratchDir: raw.SCRATCH_DIR,
    renderConcurrency: raw.RENDER_CONCURRENCY,
    renderDrainMs: raw.RENDER_DRAIN_MS,
    polly: raw.POLLY_ENABLED
      ? {
          region: raw.POLLY_REGION ?? raw.AWS_REGION ?? "us-east-1",
          endpoint: raw.POLLY_ENDPOINT,
          engines: raw.POLLY_ENGINES,
        }
      : undefined,
    otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: raw.LOG_LEVEL,
  }));
export type RendererConfig = z.infer<typeof rendererConfigSchema>;
