import { env, z } from "@video-service/config";

const secret = () => z.string().min(16, "must be at least 16 characters");

/**
 * The gateway's environment. Parsed once by main.ts (loadConfig); everything else receives the
 * typed result. Names are flat (they are environment variables); values are typed and defaulted.
 */
export const gatewayConfigSchema = z
  .object({
    PORT: env.port(3000),
    // Loopback by default: the container sets 0.0.0.0 behind the ALB.
    HOST: z.string().min(1).default("127.0.0.1"),
    // Comma-separated; every key is equal. Required so a gateway is never started open.
    API_KEYS: env
      .list()
      .refine((keys) => keys.length > 0, "set at least one API key (comma-separated)")
      .refine((keys) => keys.every((key) => key.length >= 16), "every API key must be at least 16 characters"),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .default("redis://127.0.0.1:6379/0"),
    IMAGEGEN_URL: env.url().default("http://127.0.0.1:3001"),
    RENDERER_URL: env.url().default("http://127.0.0.1:3002"),
    // Shared secret on every call to imagegen and renderer.
    INTERNAL_TOKEN: secret(),
    // Base of the /files URLs the local store signs; the address clients reach the gateway at.
    PUBLIC_BASE_URL: env.url().default("http://127.0.0.1:3000"),
    STORAGE_DIR: z.string().min(1).default("./.data/storage"),
    // HMAC key of the local store's expiring download URLs.
    STORAGE_SIGNING_SECRET: secret(),
    // When set, objects live in S3 (or an S3-compatible endpoint) instead of STORAGE_DIR.
    S3_BUCKET: z.string().min(3).optional(),
    S3_REGION: z.string().min(1).optional(),
    S3_ENDPOINT: env.url().optional(),
    // How long download links in job responses stay valid.
    SIGNED_URL_TTL_SECONDS: env.int(3600, 60),
    // Jobs processed at once by this task; rendering is CPU-bound, so 1 per renderer task is sane.
    WORKER_CONCURRENCY: env.int(1, 1),
    // false: this task only serves the API (workers run elsewhere).
    RUN_WORKER: env.bool(true),
    QUEUE_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default("videos"),
    // BullMQ attempts per run of a job (transient failures are retried with exponential backoff).
    JOB_ATTEMPTS: env.int(3, 1),
    JOB_BACKOFF_MS: env.int(5000, 0),
    // Finished jobs stay readable this long, then expire from Redis.
    JOB_RETENTION_DAYS: env.int(30, 1),
    // Failed jobs keep their temp objects this long so a retry can resume; then they are removed.
    FAILED_JOB_RETENTION_SECONDS: env.int(86_400, 0),
    // Signs webhook bodies (X-Signature: sha256=<hex>); webhooks are sent unsigned without it.
    WEBHOOK_SECRET: secret().optional(),
    WEBHOOK_TIMEOUT_MS: env.int(5000, 100),
    OTEL_EXPORTER_OTLP_ENDPOINT: env.url().optional(),
    LOG_LEVEL: env.logLevel(),
    MAX_BODY_BYTES: env.int(256 * 1024, 1024),
    // ECS stopTimeout is 120 s max; leave room for the renderer to be told and telemetry to flush.
    SHUTDOWN_TIMEOUT_MS: env.int(60_000, 1000),
  })
  .superRefine((config, ctx) => {
    if (config.S3_ENDPOINT && !config.S3_BUCKET) {
      ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "S3_ENDPOINT is set but S3_BUCKET is not" });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
