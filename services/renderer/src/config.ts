import os from "node:os";
import { env, z } from "@video-service/config";

/** The renderer's environment, parsed once in main.ts. */
export const rendererConfigSchema = z
  .object({
    PORT: env.port(3002),
    // Internal service: loopback by default; 0.0.0.0 in a container.
    HOST: z.string().default("127.0.0.1"),
    // Shared secret every caller of /v1/* sends in x-internal-token.
    INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
    // The local object store's directory (used when S3_BUCKET is unset).
    STORAGE_DIR: z.string().default("./.data/storage"),
    // HMAC key of the local store's download URLs.
    STORAGE_SIGNING_SECRET: z.string().min(16, "must be at least 16 characters"),
    // Where the gateway serves local files; only used to build signed URLs.
    PUBLIC_BASE_URL: env.url().default("http://127.0.0.1:3000"),
    S3_BUCKET: z.string().optional(),
    S3_REGION: z.string().default("us-east-1"),
    // An S3-compatible endpoint (MinIO, s3rver); unset for AWS.
    S3_ENDPOINT: env.url().optional(),
    S3_FORCE_PATH_STYLE: env.bool(false),
    // Per-render temp dirs go here (tmpfs in ECS: the root file system is read-only).
    SCRATCH_DIR: z.string().default(os.tmpdir()),
    // x264 uses every core: more than one render per 2-core task only slows each down.
    RENDER_CONCURRENCY: env.int(1, 1),
    // Shutdown lets running renders finish for this long before aborting them (under ECS stopTimeout).
    RENDER_DRAIN_MS: env.int(30_000),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
    LOG_LEVEL: env.logLevel(),
  })
  .transform((raw) => ({
    port: raw.PORT,
    host: raw.HOST,
    internalToken: raw.INTERNAL_TOKEN,
    storage: raw.S3_BUCKET
      ? {
          kind: "s3" as const,
          bucket: raw.S3_BUCKET,
          region: raw.S3_REGION,
          ...(raw.S3_ENDPOINT ? { endpoint: raw.S3_ENDPOINT } : {}),
          forcePathStyle: raw.S3_FORCE_PATH_STYLE,
        }
      : {
          kind: "local" as const,
          root: raw.STORAGE_DIR,
          signingSecret: raw.STORAGE_SIGNING_SECRET,
          publicBaseUrl: raw.PUBLIC_BASE_URL,
        },
    scratchDir: raw.SCRATCH_DIR,
    renderConcurrency: raw.RENDER_CONCURRENCY,
    renderDrainMs: raw.RENDER_DRAIN_MS,
    otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: raw.LOG_LEVEL,
  }));
export type RendererConfig = z.infer<typeof rendererConfigSchema>;
