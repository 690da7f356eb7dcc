import type { OpenAPIHono } from "@hono/zod-openapi";
import { AppError } from "@video-service/errors";
import { addressPolicy, checkUrl, UnsafeUrlError } from "@video-service/net-guard";
import { captureTraceCarrier } from "@video-service/telemetry";
import { createVideoJob, NothingNewError } from "../jobs/create-video-job.ts";
import type { JobRecord } from "../jobs/job.store.ts";
import { deleteTempObjects, notifyWebhook } from "../jobs/job-cleanup.ts";
import { newJobId } from "../jobs/job-id.ts";
import { toVideoView, videoLinks } from "../jobs/job-view.ts";
import { createMediaLibrary } from "../media/media-library.store.ts";
import { createVoiceCatalog } from "../voices/voice-catalog.ts";
import type { ApiDeps } from "./api.types.ts";
import type { ApiKeyVariables } from "./api-key.middleware.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { hashRequest } from "./idempotency.store.ts";
import {
  cancelVideoRoute,
  createVideoRoute,
  getVideoRoute,
  listVideosRoute,
  retryVideoRoute,
  videoEventsRoute,
} from "./video.openapi.ts";
import type { CreateVideoRequest } from "./video.schemas.ts";
import { streamVideoEvents } from "./video-events.sse.ts";
import { checkVoice } from "./voices.routes.ts";

type VideosApp = OpenAPIHono<{ Variables: ApiKeyVariables }>;

const notFound = (id: string) => new AppError("not-found", `no video job ${id}`);

/** The /v1/videos routes: create (idempotent), read, list, events, retry, cancel. */
export function registerVideoRoutes(app: VideosApp, deps: ApiDeps): void {
  const { jobs, queue, store, events, idempotency, logger, config } = deps;
  const ttl = config.SIGNED_URL_TTL_SECONDS;
  const webhookRules = {
    policy: addressPolicy(config.WEBHOOK_ALLOW_HOSTS),
    requireHttps: config.WEBHOOK_REQUIRE_HTTPS,
  };
  const refuse = (path: string, message: string) =>
    new AppError("validation-failed", `${path}: ${message}`, { extensions: { errors: [{ path, message }] } });

  const load = async (id: string): Promise<JobRecord> => {
    const record = await jobs.get(id);
    if (!record) throw notFound(id);
    return record;
  };

  /** Client mistakes the schema cannot see: they need the server's configuration or storage. */
  const voices = deps.voices ?? createVoiceCatalog({ source: deps.renderer });
  const checkRequest = async (request: CreateVideoRequest, signal: AbortSignal) => {
    if (request.voice) await checkVoice(voices, request.voice, signal);
    if (request.webhook) {
      if (config.WEBHOOK_SECRET.length === 0) {
        throw refuse("body.webhook", "webhooks are not configured on this server (WEBHOOK_SECRET)");
      }
      // Scheme, credentials and IP literals now; names are checked again when they are resolved, at delivery.
      try {
        checkUrl(request.webhook.url, webhookRules);
      } catch (err) {
        if (err instanceof UnsafeUrlError) throw refuse("body.webhook.url", err.reason);
        throw err;
      }
    }
    if (request.publish?.youtube && !deps.youtube) {
      throw new AppError("validation-failed", "YouTube publishing is not configured on this server", {
        extensions: {
          errors: [{ path: "body.publish.youtube", message: "YouTube publishing is not configured on this server" }],
        },
      });
    }
    if (request.music?.key !== undefined && !(await store.head(request.music.key))) {
      throw new AppError("validation-failed", `body.music.key: no object ${request.music.key} in storage`, {
        extensions: { errors: [{ path: "body.music.key", message: `no object ${request.music.key} in storage` }] },
      });
    }
  };

  const accepted = (record: Pick<JobRecord, "id" | "status">) => ({
    id: record.id,
    status: record.status,
    links: videoLinks(record.id),
  });

  app.openapi(createVideoRoute, async (c) => {
    const request = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    await checkRequest(request, c.req.raw.signal);
    const id = newJobId();
    const scope = c.get("apiKeyId");
    if (idempotencyKey) {
      const claim = await idempotency
        .claim({ scope, idempotencyKey, requestHash: hashRequest(request), jobId: id })
        .catch((err: unknown) => {
          // Redis may still run the claim late: the release goes out after it, on the same connection.
          void idempotency.release({ scope, idempotencyKey }).catch(() => undefined);
          throw err;
        });
      if (claim.kind === "mismatch") {
        throw new AppError("conflict", "this Idempotency-Key was already used with a different request body", {
          extensions: { videoId: claim.jobId },
        });
      }
      if (claim.kind === "replay") {
        const existing = await jobs.get(claim.jobId);
        if (!existing) {
          // The first request with this key is still creating its job.
          throw new AppError("conflict", "a request with this Idempotency-Key is in progress; try again", {
            headers: { "retry-after": "1" },
          });
        }
        c.header("location", videoLinks(existing.id).self);
        c.header("idempotent-replayed", "true");
        return c.json(accepted(existing), 200);
      }
    }
    let record: JobRecord;
    try {
      ({ record } = await createVideoJob(
        {
          jobs,
          queue,
          logger,
          reddit: deps.reddit,
          media: createMediaLibrary(store),
          redditTimeoutMs: config.REDDIT_CREATE_TIMEOUT_MS,
          // Redis must run the create within the API connection's command timeout, or not at all.
          acceptWithinMs: config.REDIS_COMMAND_TIMEOUT_MS,
        },
        {
          id,
          request,
          traceCarrier: captureTraceCarrier(),
          owner: scope,
          maxUnfinished: config.MAX_UNFINISHED_JOBS_PER_KEY,
        },
      ));
    } catch (err) {
      // Nothing was created: the key may be used again.
      // Not awaited: with Redis stalled it would only delay the answer (it runs after the claim anyway).
      if (idempotencyKey) void idempotency.release({ scope, idempotencyKey }).catch(() => undefined);
      if (err instanceof NothingNewError) {
        throw new AppError("conflict", `${err.message}: every candidate post was already made into a video`, {
          extensions: { subreddits: err.subreddits },
        });
      }
      throw err;
    }
    // The job exists: from here on the answer is a success. A failed confirm only shortens how long
    // the key is remembered (IDEMPOTENCY_CLAIM_SECONDS).
    if (idempotencyKey) {
      await idempotency
        .confirm({ scope, idempotencyKey })
        .catch((err: unknown) => logger.warn({ err, jobId: id }, "could not extend the Idempotency-Key"));
    }
    c.header("location", videoLinks(id).self);
    return c.json(accepted(record), 202);
  });

  app.openapi(getVideoRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await toVideoView(await load(id), store, ttl), 200);
  });

  app.openapi(listVideosRoute, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const after = cursor === undefined ? undefined : decodeCursor(cursor, status);
    const page = await jobs.list({ status, limit, after });
    const data = await Promise.all(page.jobs.map((record) => toVideoView(record, store, ttl)));
    return c.json({ data, nextCursor: page.next === undefined ? null : encodeCursor(page.next, status) }, 200);
  });

  app.openapi(videoEventsRoute, async (c) => {
    const { id } = c.req.valid("param");
    await load(id);
    return streamVideoEvents(c, { id, deps });
  });

  app.openapi(retryVideoRoute, async (c) => {
    const { id } = c.req.valid("param");
    const record = await load(id);
    if (record.status !== "failed" && record.status !== "cancelled") {
      throw new AppError("conflict", `only failed or cancelled jobs can be retried; this one is ${record.status}`);
    }
    const run = record.run + 1;
    const moved = await jobs.transition({
      id,
      from: ["failed", "cancelled"],
      to: "queued",
      // The failure that ended the previous run stays readable as history, apart from the new run's state.
      set: { run, ...(record.error ? { lastError: record.error } : {}) },
      unset: ["error"],
    });
    if (!moved.ok) throw new AppError("conflict", `the job is ${moved.current ?? "gone"}; it was retried already`);
    await jobs.cancelTempCleanup(id);
    await queue.enqueue({ videoId: id, run });
    await events.publish(id, { type: "status", status: "queued" });
    logger.info({ jobId: id, run }, "video job retried");
    return c.json(await toVideoView(await load(id), store, ttl), 202);
  });

  app.openapi(cancelVideoRoute, async (c) => {
    const { id } = c.req.valid("param");
    const record = await load(id);
    if (record.status === "cancelled") return c.json(await toVideoView(record, store, ttl), 200);
    const moved = await jobs.transition({ id, from: ["queued", "running"], to: "cancelled" });
    if (!moved.ok) {
      if (moved.current === "cancelled") return c.json(await toVideoView(await load(id), store, ttl), 200);
      throw new AppError("conflict", `the job already ${moved.current ?? "ended"}; nothing to cancel`);
    }
    await events.publish(id, { type: "status", status: "cancelled" });
    // Running: the worker that has it aborts its downstream calls and cleans up.
    await events.publishCancel(id);
    if (moved.previous === "queued") {
      await queue.remove({ videoId: id, run: record.run });
      await deleteTempObjects({ store, jobId: id, logger });
      void notifyWebhook({ ...deps, jobId: id, signedUrlTtlSeconds: ttl });
    }
    logger.info({ jobId: id, was: moved.previous }, "video job cancelled");
    return c.json(await toVideoView(await load(id), store, ttl), 202);
  });
}
