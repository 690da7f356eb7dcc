import os from "node:os";
import { env, serviceEnvShape, z } from "@video-service/config";
import { addressPolicy } from "@video-service/net-guard";
import { checkStorageEnv, reportWithOtherIssues, storageEnvShape } from "@video-service/object-store/storage-env";
import { userAgentProblem } from "./reddit/reddit.client.ts";
import { parseWebhookSecret } from "./webhooks/webhook-signature.ts";

/**
 * The gateway's environment. Parsed once by main.ts (loadConfig); everything else receives the
 * typed result. Names are flat (they are environment variables); values are typed and defaulted.
 */
export const gatewayConfigSchema = z
  .object({
    ...serviceEnvShape(3000),
    ...storageEnvShape,
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
    // Fail-fast bounds of the API's Redis connection: a stalled Redis is a 503 after this, never a hang.
    REDIS_COMMAND_TIMEOUT_MS: env.int(2000, 50),
    // Per API key: requests per minute (token bucket in Redis; the burst is the same number), and
    // unfinished (queued or running) jobs. 0 turns a limit off.
    RATE_LIMIT_PER_MINUTE: env.int(600, 0),
    MAX_UNFINISHED_JOBS_PER_KEY: env.int(100, 0),
    // A Reddit source is resolved at POST time: the request answers 503 rather than wait longer.
    REDDIT_CREATE_TIMEOUT_MS: env.int(5000, 100),
    // Standard Webhooks secrets, whsec_<base64 of 24–64 bytes>, comma-separated: every one signs
    // (rotation); without one, requests with a webhook are refused (422).
    WEBHOOK_SECRET: env.list().superRefine((secrets, ctx) => {
      for (const [index, value] of secrets.entries()) {
        try {
          parseWebhookSecret(value);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: `secret ${index + 1} ${(err as Error).message}` });
        }
      }
    }),
    WEBHOOK_TIMEOUT_MS: env.int(5000, 100),
    // Attempts per event, and the full-jitter backoff between them (bound doubles up to the cap).
    WEBHOOK_ATTEMPTS: env.int(5, 1),
    WEBHOOK_BACKOFF_MS: env.int(10_000, 0),
    WEBHOOK_BACKOFF_CAP_MS: env.int(120_000, 0),
    // Production: receivers must be https://.
    WEBHOOK_REQUIRE_HTTPS: env.bool(false),
    // Private addresses webhooks may reach anyway (local development): IPs, CIDRs or host names.
    WEBHOOK_ALLOW_HOSTS: env.list().superRefine((entries, ctx) => {
      try {
        addressPolicy(entries);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    }),
    // Reddit app-only OAuth (a "script" or "web app" at reddit.com/prefs/apps). Without them the
    // public JSON endpoints are used: heavily throttled, for development only.
    REDDIT_CLIENT_ID: z.string().min(1).optional(),
    REDDIT_CLIENT_SECRET: z.string().min(1).optional(),
    // Reddit's form <platform>:<app id>:<version> (by /u/<username>); required with credentials.
    REDDIT_USER_AGENT: z.string().trim().min(1).optional(),
    // Token endpoint and API base: Reddit's own by default; tests point them at a local fake.
    REDDIT_AUTH_URL: env.url().optional(),
    REDDIT_API_URL: env.url().optional(),
    // YouTube publishing (OAuth client of a Google Cloud project + the channel's refresh token from
    // `make youtube-auth`); without the three, requests with publish.youtube are refused (422).
    YOUTUBE_CLIENT_ID: z.string().min(1).optional(),
    YOUTUBE_CLIENT_SECRET: z.string().min(1).optional(),
    YOUTUBE_REFRESH_TOKEN: z.string().min(1).optional(),
    // Google's endpoints by default; tests point them at a local fake.
    YOUTUBE_TOKEN_URL: env.url().default("https://oauth2.googleapis.com/token"),
    YOUTUBE_UPLOAD_URL: env.url().default("https://www.googleapis.com/upload/youtube/v3"),
    YOUTUBE_API_URL: env.url().default("https://www.googleapis.com/youtube/v3"),
    // Uploads a day for all workers (videos.insert costs 1600 of the default 10 000 quota units).
    YOUTUBE_DAILY_UPLOADS: env.int(6, 1),
    // The quota day: YouTube's resets at midnight Pacific Time.
    YOUTUBE_QUOTA_TIMEZONE: z
      .string()
      .default("America/Los_Angeles")
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat("en-US", { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, "must be an IANA time zone such as America/Los_Angeles"),
    // Bytes per upload request: a multiple of 256 KiB (default 8 MiB).
    YOUTUBE_CHUNK_BYTES: env
      .int(8 * 1024 * 1024, 256 * 1024)
      .refine((bytes) => bytes % (256 * 1024) === 0, "must be a multiple of 262144 (256 KiB)"),
    // snippet.categoryId when a request gives none: 24 Entertainment (22 People & Blogs, 20 Gaming …).
    YOUTUBE_CATEGORY_ID: z
      .string()
      .regex(/^\d{1,3}$/)
      .default("24"),
    // Chunked rendering (docs/chunked-rendering.md): "auto" chunks only where it pays; a number
    // forces that many chunks for every video (1 = never chunk). A job's render.chunks wins.
    RENDER_CHUNKS: z.union([z.literal("auto"), z.coerce.number().int().min(1).max(64)]).default("auto"),
    // Render slots across all renderer tasks (tasks × RENDER_CONCURRENCY): chunks run side by side
    // only with more than one. Unset: discovered (RENDERER_URL's addresses, each task's /readyz).
    RENDER_CAPACITY: z.coerce.number().int().min(1).optional(),
    // auto: videos shorter than this render in one piece (every short does).
    RENDER_CHUNK_MIN_VIDEO_SECONDS: env.int(240, 1),
    // auto: about this much video per chunk (N = ceil(length / this), at most RENDER_CAPACITY).
    RENDER_CHUNK_SECONDS: env.int(60, 1),
    // Chunk jobs this task renders at once (each holds one renderer slot while it runs).
    CHUNK_WORKER_CONCURRENCY: env.int(1, 1),
    // Attempts per chunk: a failed chunk is retried alone, with exponential backoff.
    CHUNK_ATTEMPTS: env.int(3, 1),
    MAX_BODY_BYTES: env.int(256 * 1024, 1024),
    // Media library uploads (PUT /v1/media/…): streamed, refused with 413 past this many bytes.
    MEDIA_MAX_BYTES: env.int(200 * 1024 * 1024, 1024),
    // Uploads are spooled here before they go to storage (tmpfs in ECS: the root file system is read-only).
    SCRATCH_DIR: z.string().default(os.tmpdir()),
    // ECS stopTimeout is 120 s max; leave room for the renderer to be told and telemetry to flush.
    SHUTDOWN_TIMEOUT_MS: env.int(60_000, 1000),
    // Dependencies down ≠ job failed: while imagegen, the renderer or storage cannot take a call, a
    // job waits (back in the queue, attempts untouched) up to this long, then fails saying why.
    DEPENDENCY_WAIT_MS: env.int(30 * 60_000, 1000),
    // The longest pause between two tries of a waiting job (backoff with full jitter up to it).
    DEPENDENCY_BACKOFF_MAX_MS: env.int(30_000, 50),
    // How often the worker checks imagegen, the renderer and storage; it takes no job while one is down.
    DEPENDENCY_CHECK_INTERVAL_MS: env.int(5000, 100),
    // At shutdown a running stage may finish within this; then the job is handed back to the queue.
    WORKER_DRAIN_GRACE_MS: env.int(5000, 0),
    // How often "running" records are checked against the queue (a job whose worker died is requeued or failed).
    RECONCILE_INTERVAL_MS: env.int(60_000, 100),
  })
  .superRefine(checkStorageEnv, reportWithOtherIssues)
  .superRefine((config, ctx) => {
    const youtube = [config.YOUTUBE_CLIENT_ID, config.YOUTUBE_CLIENT_SECRET, config.YOUTUBE_REFRESH_TOKEN];
    if (youtube.some(Boolean) && !youtube.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["YOUTUBE_REFRESH_TOKEN"],
        message: "set all of YOUTUBE_CLIENT_ID, YOUTUBE_CLIENT_SECRET and YOUTUBE_REFRESH_TOKEN, or none",
      });
    }
    if (Boolean(config.REDDIT_CLIENT_ID) !== Boolean(config.REDDIT_CLIENT_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: [config.REDDIT_CLIENT_ID ? "REDDIT_CLIENT_SECRET" : "REDDIT_CLIENT_ID"],
        message: "set both REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET, or neither",
      });
    }
    // Reddit throttles generic User-Agents hard and asks every client to name itself and its operator.
    if (config.REDDIT_CLIENT_ID || config.REDDIT_USER_AGENT !== undefined) {
      const problem = userAgentProblem(config.REDDIT_USER_AGENT);
      if (problem) ctx.addIssue({ code: "custom", path: ["REDDIT_USER_AGENT"], message: problem });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Without credentials (public endpoints, development): a User-Agent that names the app honestly. */
export const DEFAULT_REDDIT_USER_AGENT = "server:video-service:1.0.0 (by /u/video-service)";
