import { env, z } from "@video-service/config";

/** The imagegen service's environment, parsed once in main.ts. */
export const imagegenConfigSchema = z
  .object({
    PORT: env.port(3001),
    // Internal service: loopback by default; 0.0.0.0 in a container.
    HOST: z.string().default("127.0.0.1"),
    // Shared secret every caller of /v1/* sends in x-internal-token.
    INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
    // The local object store's directory (used when S3_BUCKET is unset).
    STORAGE_DIR: z.string().default("./.data/storage"),
    // HMAC key of the local store's download URLs; required when S3_BUCKET is unset.
    STORAGE_SIGNING_SECRET: z.string().optional(),
    // Where the gateway serves local files; only used to build signed URLs.
    PUBLIC_BASE_URL: env.url().default("http://127.0.0.1:3000"),
    S3_BUCKET: z.string().optional(),
    S3_REGION: z.string().default("us-east-1"),
    // An S3-compatible endpoint (MinIO, s3rver); unset for AWS.
    S3_ENDPOINT: env.url().optional(),
    S3_FORCE_PATH_STYLE: env.bool(false),
    // Cards drawn at once (CPU-bound); 0 means one per core.
    RENDER_CONCURRENCY: env.int(0, 0),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
    LOG_LEVEL: env.logLevel(),
  })
  .superRefine((raw, ctx) => {
    if (!raw.S3_BUCKET && (raw.STORAGE_SIGNING_SECRET ?? "").length < 16) {
      ctx.addIssue({
        code: "custom",
        path: ["STORAGE_SIGNING_SECRET"],
        message: "must be at least 16 characters when S3_BUCKET is unset (local storage)",
      });
    }
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
          signingSecret: raw.STORAGE_SIGNING_SECRET ?? "",
          publicBaseUrl: raw.PUBLIC_BASE_URL,
        },
    renderConcurrency: raw.RENDER_CONCURRENCY === 0 ? undefined : raw.RENDER_CONCURRENCY,
    otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: raw.LOG_LEVEL,
  }));
export type ImagegenConfig = z.infer<typeof imagegenConfigSchema>;
