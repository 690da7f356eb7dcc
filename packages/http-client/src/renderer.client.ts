import {
  type MediaIngestRequest,
  type MediaIngestResponse,
  mediaIngestEventSchema,
  type RenderEvent,
  type RenderJoinRequest,
  type RenderPartRequestInput,
  type RenderRequestInput,
  renderEventSchema,
  type SpeechRequestInput,
  type SpeechResponse,
  speechResponseSchema,
  type VoiceList,
  voiceListSchema,
} from "@video-service/contracts";
import type { z } from "zod";
import { ndjsonLines } from "./ndjson.ts";
import { checkReady } from "./ready.ts";
import { isRetryableStatus, isUnavailableStatus } from "./retry-policy.ts";
import {
  type Attempt,
  callService,
  connect,
  readJson,
  type ServiceClientOptions,
  type ServiceConnection,
  toServiceError,
} from "./service-call.ts";
import { ServiceError } from "./service-error.ts";

export type RenderDone = Extract<RenderEvent, { type: "done" }>;

export interface RenderOptions {
  signal?: AbortSignal;
  /** Called for every progress line, progress 0..1. */
  onProgress?: (progress: number, fps?: number) => void;
  /** The whole render's budget (request and stream); defaults to the client's timeoutMs. */
  timeoutMs?: number;
}

export interface RendererClient {
  /** POST /v1/speech: narration audio written to req.outputKey, with word timings. */
  speak(req: SpeechRequestInput, opts?: { signal?: AbortSignal }): Promise<SpeechResponse>;
  /**
   * POST /v1/renders: streams NDJSON progress until the one `done` (returned) or `error` (thrown
   * as ServiceError) line. Retried only while nothing of the render has been received (an
   * admission 503 with Retry-After, a refused connection); once the stream has started, a failure
   * is thrown, marked retryable when the stream was cut short.
   */
  render(req: RenderRequestInput, opts?: RenderOptions): Promise<RenderDone>;
  /** GET /v1/voices: every voice of every engine the renderer has. */
  voices(opts?: { signal?: AbortSignal }): Promise<VoiceList>;
  /**
   * POST /v1/media/ingest: probe an uploaded object and normalise it into library files. A 422
   * (not a video, truncated…) is thrown as a ServiceError carrying the renderer's problem.
   */
  ingestMedia(
    req: MediaIngestRequest,
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<MediaIngestResponse>;
  /** POST /v1/renders/parts: one chunk of the video or the whole audio of a chunked render; as render(). */
  renderPart(req: RenderPartRequestInput, opts?: RenderOptions): Promise<RenderDone>;
  /** POST /v1/renders/join: the chunks (stream copy) and the audio → the final MP4; as render(). */
  joinParts(req: RenderJoinRequest, opts?: RenderOptions): Promise<RenderDone>;
  /** GET /readyz; throws ServiceError when the renderer is not ready. */
  ready(opts?: { signal?: AbortSignal }): Promise<void>;
}

const SERVICE = "renderer";

/** An ingest transcodes a clip of up to a few minutes once (the renderer gives up after 20 min). */
export const INGEST_TIMEOUT_MS = 21 * 60_000;

export function createRendererClient(options: ServiceClientOptions): RendererClient {
  const connection = connect(SERVICE, options);
  return {
    speak: (req, opts = {}) =>
      callService(connection, {
        method: "POST",
        path: "/v1/speech",
        body: req,
        signal: opts.signal,
        onSuccess: (response) => readJson(SERVICE, response, speechResponseSchema),
      }),
    render: (req, opts = {}) => render(connection, "/v1/renders", req, opts),
    renderPart: (req, opts = {}) => render(connection, "/v1/renders/parts", req, opts),
    joinParts: (req, opts = {}) => render(connection, "/v1/renders/join", req, opts),
    voices: (opts = {}) =>
      callService(connection, {
        method: "GET",
        path: "/v1/voices",
        signal: opts.signal,
        onSuccess: (response) => readJson(SERVICE, response, voiceListSchema),
      }),
    ingestMedia: async (req, opts = {}) => {
      const done = await streamedCall(connection, {
        path: "/v1/media/ingest",
        body: req,
        schema: mediaIngestEventSchema,
        signal: opts.signal,
        timeoutMs: opts.timeoutMs ?? INGEST_TIMEOUT_MS,
        what: "ingest",
      });
      return done.result;
    },
    ready: (opts = {}) => checkReady(connection, opts.signal),
  };
}

function render(
  connection: ServiceConnection,
  path: string,
  req: RenderRequestInput | RenderPartRequestInput | RenderJoinRequest,
  opts: RenderOptions,
): Promise<RenderDone> {
  return streamedCall(connection, {
    path,
    body: req,
    schema: renderEventSchema,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? connection.timeoutMs,
    onProgress: opts.onProgress,
    what: "render",
  });
}

/** The NDJSON protocol of renders and ingests: progress lines, then one `done` or `error`. */
type StreamEvent =
  | { type: "progress"; progress: number; fps?: number | undefined }
  | { type: "done" }
  | { type: "error"; problem: { type: string; title: string; status: number; detail?: string | undefined } };

async function streamedCall<E extends StreamEvent>(
  connection: ServiceConnection,
  options: {
    path: string;
    body: unknown;
    schema: z.ZodType<E>;
    signal?: AbortSignal | undefined;
    timeoutMs: number;
    onProgress?: RenderOptions["onProgress"];
    what: string;
  },
): Promise<Extract<E, { type: "done" }>> {
  const { timeoutMs, signal } = options;
  // Retries cover only getting a 2xx answer; the stream is read outside the retry loop, under
  // the same attempt's deadline, so a render or ingest is never started twice.
  const { response, attempt } = await callService(connection, {
    method: "POST",
    path: options.path,
    body: options.body,
    accept: "application/x-ndjson",
    signal,
    timeoutMs,
    onSuccess: async (response, attempt, keepAttempt) => {
      keepAttempt();
      return { response, attempt };
    },
  });
  try {
    return await readEventStream(response, options.schema, options.onProgress, connection.logger, options.what);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw streamFailure(err, attempt, timeoutMs);
  } finally {
    attempt.dispose();
  }
}

function streamFailure(err: unknown, attempt: Attempt, timeoutMs: number): ServiceError {
  const failure = toServiceError(SERVICE, err, attempt, timeoutMs);
  if (failure !== err && !attempt.timedOut()) {
    return new ServiceError({
      service: SERVICE,
      message: `renderer stream broke off: ${failure.message}`,
      retryable: true,
      cause: err,
    });
  }
  return failure;
}

async function readEventStream<E extends StreamEvent>(
  response: Response,
  schema: z.ZodType<E>,
  onProgress: RenderOptions["onProgress"],
  logger: ServiceConnection["logger"],
  what: string,
): Promise<Extract<E, { type: "done" }>> {
  if (response.body === null) throw malformed(`the ${what} response has no body`);
  for await (const line of ndjsonLines(response.body)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw malformed(`a ${what} stream line is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(line)"}: ${issue.message}`);
      throw malformed(`unexpected ${what} event: ${issues.slice(0, 5).join("; ")}`);
    }
    const event: StreamEvent = parsed.data;
    switch (event.type) {
      case "progress":
        try {
          onProgress?.(event.progress, event.fps);
        } catch (err) {
          // A broken progress callback must not cost the work.
          logger?.warn({ service: SERVICE, err }, `${what} progress callback threw`);
        }
        break;
      case "done":
        return parsed.data as Extract<E, { type: "done" }>;
      case "error":
        throw new ServiceError({
          service: SERVICE,
          message: `renderer ${what} failed: ${event.problem.detail ?? event.problem.title}`,
          status: event.problem.status,
          problem: event.problem,
          retryable: isRetryableStatus(event.problem.status),
          // A 503 line: the renderer gave the render up (shutting down, storage unreachable), not the job's fault.
          unavailable: isUnavailableStatus(event.problem.status),
        });
    }
  }
  throw new ServiceError({
    service: SERVICE,
    message: `renderer stream ended before the ${what} finished`,
    retryable: true,
  });
}

function malformed(message: string): ServiceError {
  return new ServiceError({ service: SERVICE, message: `renderer: ${message}`, retryable: false });
}
