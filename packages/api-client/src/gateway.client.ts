import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type {
  acceptedVideoSchema,
  createScheduleSchema,
  createVideoRequestSchema,
  JobEvent,
  JobStatus,
  problemSchema,
  StageName,
  scheduleRunSchema,
  scheduleSchema,
  trendCandidateSchema,
  trendsQuerySchema,
  videoJobSchema,
  videoListSchema,
} from "@video-service/gateway/api-schemas";
import type { z } from "zod";
import { readSse } from "./sse.ts";

// The shapes are the gateway's own zod schemas (type-only imports: nothing of the gateway loads here).
export type Video = z.infer<typeof videoJobSchema>;
export type VideoList = z.infer<typeof videoListSchema>;
export type AcceptedVideo = z.infer<typeof acceptedVideoSchema>;
export type CreateVideoInput = z.input<typeof createVideoRequestSchema>;
export type Schedule = z.infer<typeof scheduleSchema>;
export type CreateScheduleInput = z.input<typeof createScheduleSchema>;
export type ScheduleRun = z.infer<typeof scheduleRunSchema>;
export type TrendCandidate = z.infer<typeof trendCandidateSchema>;
export type TrendsQuery = Partial<z.output<typeof trendsQuerySchema>> & { subreddits: string };
export type Problem = z.infer<typeof problemSchema>;
export type { JobEvent, JobStatus, StageName };

/** One event of GET /v1/videos/{id}/events: the whole job (`state`) or what changed. */
export type VideoEvent = { event: "state"; data: Video } | { event: JobEvent["type"]; data: JobEvent };

/** The gateway answered with a problem (RFC 9457): `status` and `problem` say which and why. */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.status = problem.status;
    this.problem = problem;
  }
}

/** The gateway could not be reached, or did not answer in time. */
export class GatewayUnreachableError extends Error {
  override readonly name = "GatewayUnreachableError";
}

export interface GatewayClientOptions {
  /** Where the gateway listens, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  apiKey: string;
  /** Per request (for event streams: until the answer starts, then between two chunks). Default 30 s. */
  timeoutMs?: number;
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" && value !== null && typeof (value as Problem).title === "string";

/** The typed client of the gateway's /v1 API. */
export function createGatewayClient({ baseUrl, apiKey, timeoutMs = 30_000 }: GatewayClientOptions) {
  const base = baseUrl.replace(/\/+$/, "");
  const url = (path: string, query: RequestOptions["query"] = {}) => {
    const target = new URL(path, `${base}/`);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) target.searchParams.set(name, String(value));
    return target;
  };

  /** fetch that turns network failures and timeouts into GatewayUnreachableError. */
  const send = async (target: URL, init: RequestInit, signal: AbortSignal): Promise<Response> => {
    try {
      return await fetch(target, { ...init, signal });
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason;
      const reason = signal.aborted
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : ((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message);
      throw new GatewayUnreachableError(`cannot reach the gateway at ${base} (${reason})`, { cause: err });
    }
  };

  const failure = async (response: Response): Promise<GatewayError> => {
    const text = await response.text().catch(() => "");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (isProblem(body)) return new GatewayError({ ...body, status: response.status });
    return new GatewayError({
      type: "about:blank",
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: text.slice(0, 200) || `the gateway at ${base} answered ${response.status}`,
    });
  };

  const request = async <T>(method: string, path: string, options: RequestOptions = {}): Promise<T> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const response = await send(
      url(path, options.query),
      {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: "application/json",
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      signal,
    );
    if (!response.ok) throw await failure(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  };

  const id = (value: string) => encodeURIComponent(value);

  return {
    baseUrl: base,
    createVideo: (body: CreateVideoInput, options: { idempotencyKey?: string; signal?: AbortSignal } = {}) =>
      request<AcceptedVideo>("POST", "/v1/videos", {
        body,
        signal: options.signal,
        ...(options.idempotencyKey ? { headers: { "idempotency-key": options.idempotencyKey } } : {}),
      }),
    getVideo: (videoId: string, signal?: AbortSignal) => request<Video>("GET", `/v1/videos/${id(videoId)}`, { signal }),
    listVideos: (query: { status?: JobStatus; limit?: number; cursor?: string } = {}, signal?: AbortSignal) =>
      request<VideoList>("GET", "/v1/videos", { query, signal }),
    retryVideo: (videoId: string) => request<Video>("POST", `/v1/videos/${id(videoId)}/retry`),
    cancelVideo: (videoId: string) => request<Video>("DELETE", `/v1/videos/${id(videoId)}`),
    trends: (query: TrendsQuery, signal?: AbortSignal) =>
      request<{ data: TrendCandidate[] }>("GET", "/v1/trends", { query, signal }),
    listSchedules: () => request<{ data: Schedule[] }>("GET", "/v1/schedules"),
    getSchedule: (scheduleId: string) => request<Schedule>("GET", `/v1/schedules/${id(scheduleId)}`),
    createSchedule: (body: CreateScheduleInput) => request<Schedule>("POST", "/v1/schedules", { body }),
    runSchedule: (scheduleId: string) => request<ScheduleRun>("POST", `/v1/schedules/${id(scheduleId)}/run`),
    deleteSchedule: (scheduleId: string) => request<void>("DELETE", `/v1/schedules/${id(scheduleId)}`),
    /** The stages in order and each one's share of a job's progress (for per-stage bars). */
    stages: () => request<{ stages: StageName[]; weights: Record<StageName, number> }>("GET", "/app/stages.json"),

    /**
     * The job's events until it ends: first its whole state, then progress, stage and status
     * changes, and a final state. Ends when the server ends the stream or `signal` aborts; fails
     * when nothing (not even a heartbeat) arrives for `timeoutMs`.
     */
    async *events(videoId: string, signal?: AbortSignal): AsyncGenerator<VideoEvent> {
      const idle = new AbortController();
      let timer = setTimeout(() => idle.abort(), timeoutMs);
      const keepAlive = () => {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), timeoutMs);
      };
      const combined = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
      try {
        const response = await send(
          url(`/v1/videos/${id(videoId)}/events`),
          {
            headers: { authorization: `Bearer ${apiKey}`, accept: "text/event-stream" },
            ...(signal ? { signal } : {}),
          },
          combined,
        );
        if (!response.ok) throw await failure(response);
        // Every chunk, heartbeats included, proves the stream is alive.
        const watched = response.body?.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              keepAlive();
              controller.enqueue(chunk);
            },
          }),
        );
        try {
          for await (const event of readSse(new Response(watched))) {
            yield { event: event.event, data: JSON.parse(event.data) } as VideoEvent;
          }
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          if (idle.signal.aborted) {
            throw new GatewayUnreachableError(`the event stream of ${videoId} went silent for ${timeoutMs / 1000} s`);
          }
          throw err;
        }
      } finally {
        clearTimeout(timer);
      }
    },

    /**
     * Downloads a signed output URL (relative URLs are the gateway's own /files) to `destination`,
     * through a temporary file renamed at the end, so a failed download leaves nothing half-written.
     */
    async download(
      fileUrl: string,
      destination: string,
      options: { onProgress?: (received: number, total: number | undefined) => void; signal?: AbortSignal } = {},
    ): Promise<{ bytes: number }> {
      const controller = new AbortController();
      const abort = () => controller.abort();
      options.signal?.addEventListener("abort", abort, { once: true });
      let idleTimer = setTimeout(abort, timeoutMs);
      const partial = `${destination}.part`;
      try {
        const response = await send(url(fileUrl), {}, controller.signal);
        if (!response.ok || !response.body) throw await failure(response);
        const length = Number(response.headers.get("content-length"));
        const total = Number.isFinite(length) && length > 0 ? length : undefined;
        let received = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            clearTimeout(idleTimer);
            idleTimer = setTimeout(abort, timeoutMs);
            received += chunk.length;
            options.onProgress?.(received, total);
            callback(null, chunk);
          },
        });
        await pipeline(
          Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>),
          counter,
          createWriteStream(partial),
        );
        await rename(partial, destination);
        return { bytes: received };
      } catch (err) {
        await rm(partial, { force: true });
        if (options.signal?.aborted) throw options.signal.reason;
        if (controller.signal.aborted && !(err instanceof GatewayError)) {
          throw new GatewayUnreachableError(`the download stalled for ${timeoutMs / 1000} s`, { cause: err });
        }
        throw err;
      } finally {
        clearTimeout(idleTimer);
        options.signal?.removeEventListener("abort", abort);
      }
    },
  };
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;
