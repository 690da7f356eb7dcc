import { env, z } from "@video-service/config";
import {
  checkStorageEnv,
  reportWithOtherIssues,
  storageConfigFromEnv,
  storageEnvShape,
} from "@video-service/object-store/storage-env";

/** The imagegen service's environment, parsed once in main.ts. */
export const imagegenConfigSchema = z
  .object({
    PORT: env.port(3001),
    // Internal service: loopback by default; 0.0.0.0 in a container.
    HOST: z.string().default("127.0.0.1"),
    // Shared secret every caller of /v1/* sends in x-internal-token.
    INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
    ...storageEnvShape,
    // Cards drawn at once (CPU-bound); 0 means one per core.
    RENDER_CONCURRENCY: env.int(0, 0),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
    LOG_LEVEL: env.logLevel(),
  })
  .superRefine(checkStorageEnv, reportWithOtherIssues)
  .transform((raw) => ({
    port: raw.PORT,
    host: raw.HOST,
    internalToken: raw.INTERNAL_TOKEN,
    storage: storageConfigFromEnv(raw),
    renderConcurrency: raw.RENDER_CONCURRENCY === 0 ? undefined : raw.RENDER_CONCURRENCY,
    otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: raw.LOG_LEVEL,
  }));
export type ImagegenConfig = z.infer<typeof imagegenConfigSchema>;
