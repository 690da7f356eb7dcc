import {
  type RenderEvent,
  type RenderJoinRequest,
  type RenderPartRequestInput,
  type RenderRequestInput,
  renderEventSchema,
  type SpeechRequestInput,
  type SpeechResponse,
  speechResponseSchema,
} from "@video-service/contracts";
import { ndjsonLines } from "./ndjson.ts";
import { checkReady } from "./ready.ts";
import { isRetryableStatus } from "./retry-policy.ts";
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
  /** POST /v1/renders/parts: one chunk of the video or the whole audio of a chunked render; as render(). */
  renderPart(req: RenderPartRequestInput, opts?: RenderOptions): Promise<RenderDone>;
  /** POST /v1/renders/join: the chunks (stream copy) and the audio → the final MP4; as render(). */
  joinParts(req: RenderJoinRequest, opts?: RenderOptions): Promise<RenderDone>;
  /** GET /readyz; throws ServiceError when the renderer is not ready. */
  ready(opts?: { signal?: AbortSignal }): Promise<void>;
}

const SERVICE = "renderer";

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
    ready: (opts = {}) => checkReady(connection, opts.signal),
  };
}

async function render(
  connection: ServiceConnection,
  path: string,
  req: RenderRequestInput | RenderPartRequestInput | RenderJoinRequest,
  opts: RenderOptions,
): Promise<RenderDone> {
  const timeoutMs = opts.timeoutMs ?? connection.timeoutMs;
  // Retries cover only getting a 2xx answer; the stream is read outside the retry loop, under
  // the same attempt's deadline, so a render is never started twice.
  const { response, attempt } = await callService(connection, {
    method: "POST",
    path,
    body: req,
    accept: "application/x-ndjson",
    signal: opts.signal,
    timeoutMs,
    onSuccess: async (response, attempt, keepAttempt) => {
      keepAttempt();
      return { response, attempt };
    },
  });
  try {
    return await readRenderStream(response, opts.onProgress, connection.logger);
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
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

async function readRenderStream(
  response: Response,
  onProgress: RenderOptions["onProgress"],
  logger: ServiceConnection["logger"],
): Promise<RenderDone> {
  if (response.body === null) throw malformed("the render response has no body");
  for await (const line of ndjsonLines(response.body)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw malformed(`a render stream line is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
    }
    const parsed = renderEventSchema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(line)"}: ${issue.message}`);
      throw malformed(`unexpected render event: ${issues.slice(0, 5).join("; ")}`);
    }
    const event = parsed.data;
    switch (event.type) {
      case "progress":
        try {
          onProgress?.(event.progress, event.fps);
        } catch (err) {
          // A broken progress callback must not cost the render.
          logger?.warn({ service: SERVICE, err }, "render progress callback threw");
        }
        break;
      case "done":
        return event;
      case "error":
        throw new ServiceError({
          service: SERVICE,
          message: `renderer failed: ${event.problem.detail ?? event.problem.title}`,
          status: event.problem.status,
          problem: event.problem,
          retryable: isRetryableStatus(event.problem.status),
        });
    }
  }
  throw new ServiceError({
    service: SERVICE,
    message: "renderer stream ended before the render finished",
    retryable: true,
  });
}

function malformed(message: string): ServiceError {
  return new ServiceError({ service: SERVICE, message: `renderer: ${message}`, retryable: false });
}
