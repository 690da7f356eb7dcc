import { env, serviceEnvShape, z } from "@video-service/config";
import {
  checkStorageEnv,
  reportWithOtherIssues,
  storageConfigFromEnv,
  storageEnvShape,
} from "@video-service/object-store/storage-env";

/** The imagegen service's environment, parsed once in main.ts. */
export const imagegenConfigSchema = z
  .object({
    ...serviceEnvShape(3001),
    ...storageEnvShape,
    // Cards drawn at once (CPU-bound); 0 means one per core.
    RENDER_CONCURRENCY: env.int(0, 0),
    // Cards waiting for a drawing slot at most; beyond that requests answer 503 + Retry-After.
    MAX_QUEUED_CARDS: env.int(256, 1),
  })
  .superRefine(checkStorageEnv, reportWithOtherIssues)
  .transform((raw) => ({
    port: raw.PORT,
    host: raw.HOST,
    internalToken: raw.INTERNAL_TOKEN,
    storage: storageConfigFromEnv(raw),
    renderConcurrency: raw.RENDER_CONCURRENCY === 0 ? undefined : raw.RENDER_CONCURRENCY,
    maxQueuedCards: raw.MAX_QUEUED_CARDS,
    otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: raw.LOG_LEVEL,
  }));
export type ImagegenConfig = z.infer<typeof imagegenConfigSchema>;
