import { setTimeout as sleep } from "node:timers/promises";
import {
  FORMATS,
  INTERNAL_TOKEN_HEADER,
  type MediaInfo,
  type RenderPart,
  type RenderPartRequest,
  type RenderRequest,
  renderJoinRequestSchema,
  renderPartRequestSchema,
  renderRequestSchema,
  type SpeechRequest,
  speechRequestSchema,
  type VoiceList,
} from "@video-service/contracts";
import type { ObjectStore } from "@video-service/object-store";
import { listen, type RunningServer } from "@video-service/shutdown";
import { Hono } from "hono";

export type RenderBehaviour = "ok" | "fail" | "hang";

export interface FakeRenderer {
  url: string;
  token: string;
  /** Changed by tests between jobs. */
  /** `unavailableRenders`: that many render calls are answered 502 first (a dependency hiccup). */
  /** `cutRenders`: that many render calls stream a little and end without a result (a transient failure of the job). */
  /** `video`: the bytes written as the MP4 (default: a few dummy bytes; a test that plays it sets a real MP4). */
  behaviour: {
    render: RenderBehaviour;
    ready: boolean;
    unavailableRenders: number;
    cutRenders: number;
    speechDelayMs: number;
    video?: Buffer;
    /** Parts for which this returns true stream until the caller disconnects (a render in progress). */
    hangPart: (part: RenderPart) => boolean;
    /** Parts for which this returns true are answered with a 500 problem. */
    failPart: (part: RenderPart) => boolean;
    /** Progress a part streams after its first event (before it hangs or finishes). */
    partProgress: (part: RenderPart) => number[];
    /** A part finishes once this resolves (default at once). */
    holdPart: (part: RenderPart) => Promise<void>;
  };
  calls: { speech: number; render: number };
  /** Every speech request, as received. */
  speechRequests: SpeechRequest[];
  /** What GET /v1/voices answers (espeak-ng voices and two Polly voices by default); tests may change it. */
  voices: VoiceList;
  /** The last render request, as the real contract parsed it. */
  lastRender: RenderRequest | undefined;
  /** Every part request, as "audio" or "video:<start>+<count>", in arrival order. */
  partCalls: string[];
  /** The last part request, as the real contract parsed it. */
  lastPart: RenderPartRequest | undefined;
  /** Part streams whose caller went away before the end. */
  readonly partDisconnects: number;
  joins: unknown[];
  /** Resolves when a render request has started streaming. */
  renderStarted(): Promise<void>;
  /** Resolves when a streaming render's caller disconnected. */
  renderDisconnected(): Promise<void>;
  close(): Promise<void>;
}

const problem = (status: number, title: string, detail: string) => ({
  type: "https://video-service.dev/problems/internal",
  title,
  status,
  detail,
});

/** A few bytes of RIFF header: enough to be an object, not real audio (the fake renderer never decodes it). */
const DUMMY_WAV = Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1");
const DUMMY_MP4 = Buffer.concat([Buffer.from("\x00\x00\x00\x18ftypmp42", "latin1"), Buffer.alloc(4096, 7)]);

/**
 * A protocol fake of our renderer, on a real port: /v1/speech writes a dummy WAV and answers
 * word timings; /v1/renders streams NDJSON progress then writes a dummy MP4 at outputKey and
 * answers `done` — or answers a 500 problem ("fail"), or streams until the caller disconnects
 * ("hang"). It validates requests with the real contracts.
 */
export async function startFakeRenderer({
  store,
  token,
}: {
  store: ObjectStore;
  token: string;
}): Promise<FakeRenderer> {
  const behaviour: FakeRenderer["behaviour"] = {
    render: "ok",
    ready: true,
    unavailableRenders: 0,
    cutRenders: 0,
    speechDelayMs: 0,
    hangPart: () => false,
    failPart: () => false,
    partProgress: () => [],
    holdPart: () => Promise.resolve(),
  };
  const calls = { speech: 0, render: 0 };
  const speechRequests: SpeechRequest[] = [];
  const voices: VoiceList = {
    engines: ["espeak", "polly"],
    voices: [
      {
        engine: "espeak",
        id: "en-us",
        name: "English (America)",
        language: "en-us",
        otherLanguages: ["en"],
        gender: "male",
      },
      { engine: "espeak", id: "ja", name: "Japanese", language: "ja", otherLanguages: [], gender: "male" },
      { engine: "espeak", id: "cmn", name: "Chinese (Mandarin)", language: "cmn", otherLanguages: [], gender: "male" },
      { engine: "espeak", id: "ru", name: "Russian", language: "ru", otherLanguages: [], gender: "male" },
      {
        engine: "polly",
        id: "Joanna",
        name: "Joanna",
        language: "en-US",
        otherLanguages: [],
        gender: "female",
        engines: ["neural", "standard"],
      },
      {
        engine: "polly",
        id: "Mizuki",
        name: "Mizuki",
        language: "ja-JP",
        otherLanguages: [],
        gender: "female",
        engines: ["standard"],
      },
    ],
  };
  const partCalls: string[] = [];
  const joins: unknown[] = [];
  let partDisconnects = 0;
  let started = Promise.withResolvers<void>();
  let disconnected = Promise.withResolvers<void>();
  const app = new Hono();

  app.use("/v1/*", async (c, next) => {
    if (c.req.header(INTERNAL_TOKEN_HEADER) !== token) return c.json(problem(401, "Unauthorized", "bad token"), 401);
    return next();
  });

  app.get("/readyz", (c) =>
    behaviour.ready ? c.json({ status: "ready" }) : c.json(problem(503, "Down", "fake"), 503),
  );

  app.get("/v1/voices", (c) => c.json(fake.voices));

  app.post("/v1/speech", async (c) => {
    calls.speech += 1;
    const request = speechRequestSchema.parse(await c.req.json());
    speechRequests.push(request);
    if (behaviour.speechDelayMs > 0) await sleep(behaviour.speechDelayMs);
    await store.put(request.outputKey, DUMMY_WAV);
    const words = request.text
      .split(/\s+/)
      .filter(Boolean)
      .map((text, index) => ({ text, start: index * 0.3, end: index * 0.3 + 0.25 }));
    // Polly bills each character twice (speech marks, then audio) at $16 per million (neural).
    const billed = 2 * request.text.length;
    const usage =
      request.voice.engine === "polly"
        ? { provider: "polly", engine: "neural", billedCharacters: billed, estimatedCostUsd: (billed * 16) / 1e6 }
        : undefined;
    return c.json({
      key: request.outputKey,
      durationSeconds: Math.max(0.5, words.length * 0.3),
      words,
      ...(usage ? { usage } : {}),
    });
  });

  app.post("/v1/renders", async (c) => {
    calls.render += 1;
    const request = renderRequestSchema.parse(await c.req.json());
    fake.lastRender = request;
    if (behaviour.unavailableRenders > 0) {
      behaviour.unavailableRenders -= 1;
      return c.json(problem(502, "Bad gateway", "upstream hiccup"), 502, {
        "content-type": "application/problem+json",
      });
    }
    if (behaviour.render === "fail") {
      return c.json(problem(500, "FFmpeg failed", "ffmpeg exited with code 1"), 500, {
        "content-type": "application/problem+json",
      });
    }
    const encoder = new TextEncoder();
    const line = (value: unknown) => encoder.encode(`${JSON.stringify(value)}\n`);
    const cut = behaviour.cutRenders > 0;
    if (cut) behaviour.cutRenders -= 1;
    const mode = behaviour.render;
    const spec = FORMATS[request.format];
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(line({ type: "progress", progress: 0.1 }));
        started.resolve();
        if (cut) {
          controller.close();
          return;
        }
        if (mode === "hang") return; // until cancel() below
        for (const progress of [0.4, 0.7, 1]) {
          await sleep(30);
          controller.enqueue(line({ type: "progress", progress, fps: 60 }));
        }
        const video = behaviour.video ?? DUMMY_MP4;
        await store.put(request.outputKey, video, { contentType: "video/mp4" });
        const media: MediaInfo = {
          durationSeconds: request.scenes.reduce((sum, scene) => sum + scene.duration, 0),
          sizeBytes: video.length,
          video: {
            codec: "h264",
            pixelFormat: "yuv420p",
            colorRange: "tv",
            width: spec.width,
            height: spec.height,
            fps: spec.fps,
          },
          audio: { codec: "aac", sampleRate: 48_000, channels: 2 },
        };
        controller.enqueue(line({ type: "done", key: request.outputKey, media, elapsedSeconds: 0.1 }));
        controller.close();
      },
      cancel() {
        disconnected.resolve();
      },
    });
    return c.body(body, 200, { "content-type": "application/x-ndjson" });
  });

  const encoder = new TextEncoder();
  const ndjson = (value: unknown) => encoder.encode(`${JSON.stringify(value)}\n`);
  const dummyMedia = (format: keyof typeof FORMATS, seconds: number, audio: boolean): MediaInfo => ({
    durationSeconds: seconds,
    sizeBytes: DUMMY_MP4.length,
    video: {
      codec: "h264",
      pixelFormat: "yuv420p",
      colorRange: "tv",
      width: FORMATS[format].width,
      height: FORMATS[format].height,
      fps: 30,
    },
    audio: audio ? { codec: "aac", sampleRate: 48_000, channels: 2 } : null,
  });

  app.post("/v1/renders/parts", async (c) => {
    const request = renderPartRequestSchema.parse(await c.req.json());
    const { part } = request;
    fake.lastPart = request;
    partCalls.push(part.type === "audio" ? "audio" : `video:${part.frames.start}+${part.frames.count}`);
    if (behaviour.failPart(part)) {
      return c.json(problem(500, "FFmpeg failed", "ffmpeg exited with code 1"), 500, {
        "content-type": "application/problem+json",
      });
    }
    const hang = behaviour.hangPart(part);
    let finished = false;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(ndjson({ type: "progress", progress: 0 }));
        for (const progress of behaviour.partProgress(part)) {
          await sleep(10);
          controller.enqueue(ndjson({ type: "progress", progress }));
        }
        if (hang) return;
        await behaviour.holdPart(part);
        await sleep(30);
        await store.put(request.outputKey, DUMMY_MP4);
        const seconds = part.type === "audio" ? 10 : part.frames.count / 30;
        const media = dummyMedia(request.format, seconds, part.type === "audio");
        controller.enqueue(ndjson({ type: "done", key: request.outputKey, media, elapsedSeconds: 0.03 }));
        finished = true;
        controller.close();
      },
      cancel() {
        if (!finished) partDisconnects += 1;
      },
    });
    return c.body(body, 200, { "content-type": "application/x-ndjson" });
  });

  app.post("/v1/renders/join", async (c) => {
    const request = renderJoinRequestSchema.parse(await c.req.json());
    joins.push(request);
    const frames = request.chunks.reduce((sum, chunk) => sum + chunk.frames.count, 0);
    await store.put(request.outputKey, DUMMY_MP4);
    const media = dummyMedia(request.format, frames / 30, true);
    const lines = [
      { type: "progress", progress: 0 },
      { type: "done", key: request.outputKey, media, elapsedSeconds: 0.01 },
    ];
    return c.body(lines.map((line) => `${JSON.stringify(line)}\n`).join(""), 200, {
      "content-type": "application/x-ndjson",
    });
  });

  const server: RunningServer = await listen(app, { port: 0, hostname: "127.0.0.1" });
  const fake: FakeRenderer = {
    url: server.url,
    token,
    behaviour,
    calls,
    speechRequests,
    voices,
    lastRender: undefined,
    lastPart: undefined,
    partCalls,
    get partDisconnects() {
      return partDisconnects;
    },
    joins,
    renderStarted: () => started.promise,
    renderDisconnected: () => disconnected.promise,
    close: async () => {
      started = Promise.withResolvers<void>();
      disconnected = Promise.withResolvers<void>();
      if ("closeAllConnections" in server.server) server.server.closeAllConnections();
      await server.close();
    },
  };
  return fake;
}
