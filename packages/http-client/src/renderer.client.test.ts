import type { RenderEvent, RenderRequestInput, SpeechResponse } from "@video-service/contracts";
import { withTimeout } from "@video-service/retry";
import { afterEach, describe, expect, it } from "vitest";
import { createRendererClient } from "./renderer.client.ts";
import { ServiceError } from "./service-error.ts";
import {
  recordingLogger,
  rejection,
  sendJson,
  startTestServer,
  type TestHandler,
  type TestServer,
} from "./testing/test-server.ts";

const TOKEN = "internal-secret";
const RENDER_REQUEST: RenderRequestInput = {
  format: "short",
  outputKey: "videos/short/job123.mp4",
  scenes: [{ imageKey: "images/cache/abc123.png", duration: 2 }],
};
const DONE: Extract<RenderEvent, { type: "done" }> = {
  type: "done",
  key: "videos/short/job123.mp4",
  media: {
    durationSeconds: 2,
    sizeBytes: 123_456,
    video: { codec: "h264", pixelFormat: "yuv420p", colorRange: "tv", width: 1080, height: 1920, fps: 30 },
    audio: { codec: "aac", sampleRate: 48_000, channels: 2 },
  },
  elapsedSeconds: 3.5,
};
const RENDER_PROBLEM = {
  type: "https://video-service.dev/problems/internal",
  title: "Internal error",
  status: 500,
  detail: "ffmpeg exited with code 1",
};

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(handler: TestHandler, options: { timeoutMs?: number; retries?: number } = {}) {
  server = await startTestServer(handler);
  const logger = recordingLogger();
  const client = createRendererClient({ baseUrl: server.url, token: TOKEN, logger, ...options });
  return { client, logger, server };
}

const line = (event: unknown) => `${JSON.stringify(event)}\n`;
const startNdjson: TestHandler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
};

describe("renderer client: speak", () => {
  it("posts the speech request and returns the validated response", async () => {
    const speech: SpeechResponse = {
      key: "audio/temp/job123/0.wav",
      durationSeconds: 1.5,
      words: [{ text: "hello", start: 0, end: 0.4 }],
    };
    const { client, server } = await clientFor((_req, res) => sendJson(res, 200, speech));
    const request = { text: "hello", outputKey: "audio/temp/job123/0.wav" };
    expect(await client.speak(request)).toEqual(speech);
    expect(server.requests[0]).toMatchObject({ method: "POST", path: "/v1/speech" });
    expect(server.requests[0]?.headers["x-internal-token"]).toBe(TOKEN);
    expect(JSON.parse(server.requests[0]?.body ?? "")).toEqual(request);
  });

  it("names the renderer when the speech response has the wrong shape", async () => {
    const { client } = await clientFor((_req, res) => sendJson(res, 200, { key: "audio/x.wav" }));
    const err = await rejection(client.speak({ text: "hi", outputKey: "audio/x.wav" }));
    expect(err).toMatchObject({ service: "renderer", retryable: false });
    expect((err as Error).message).toMatch(/^renderer answered 200 with an unexpected body/);
  });
});

describe("renderer client: render", () => {
  it("reports progress line by line and returns the done event, even when lines span chunks", async () => {
    const { client, server } = await clientFor(async (req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      res.write(line({ type: "progress", progress: 0.25, fps: 30 }));
      const second = line({ type: "progress", progress: 0.5 });
      res.write(second.slice(0, 7));
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.write(second.slice(7) + line({ type: "progress", progress: 0.75, fps: 29.5 }));
      // The last line needs no newline.
      res.end(JSON.stringify(DONE));
    });
    const progress: [number, number | undefined][] = [];
    const done = await client.render(RENDER_REQUEST, { onProgress: (p, fps) => progress.push([p, fps]) });
    expect(done).toEqual(DONE);
    expect(progress).toEqual([
      [0.25, 30],
      [0.5, undefined],
      [0.75, 29.5],
    ]);
    expect(server.requests[0]).toMatchObject({ method: "POST", path: "/v1/renders" });
    expect(server.requests[0]?.headers.accept).toBe("application/x-ndjson");
    expect(server.requests[0]?.headers["x-internal-token"]).toBe(TOKEN);
  });

  it("throws the error line's problem as a ServiceError", async () => {
    const { client, server } = await clientFor((req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      res.write(line({ type: "progress", progress: 0.1 }));
      res.end(line({ type: "error", problem: RENDER_PROBLEM }));
    });
    const err = await rejection(client.render(RENDER_REQUEST));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ service: "renderer", status: 500, problem: RENDER_PROBLEM, retryable: false });
    expect((err as Error).message).toContain("ffmpeg exited with code 1");
    expect(server.requests).toHaveLength(1);
  });

  it("treats a stream that ends without done as retryable, but never retries it itself", async () => {
    const { client, server } = await clientFor((req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      res.end(line({ type: "progress", progress: 0.3 }));
    });
    const err = await rejection(client.render(RENDER_REQUEST));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ service: "renderer", retryable: true });
    expect((err as Error).message).toMatch(/ended before the render finished/);
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry when the connection drops after progress started", async () => {
    const { client, server } = await clientFor((req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      res.write(line({ type: "progress", progress: 0.3 }));
      setTimeout(() => res.destroy(), 20);
    });
    const err = await rejection(client.render(RENDER_REQUEST));
    expect(err).toMatchObject({ service: "renderer", retryable: true });
    expect((err as Error).message).toMatch(/stream broke off/);
    expect(server.requests).toHaveLength(1);
  });

  it("retries an admission 503 with Retry-After, before any of the render was received", async () => {
    const { client, logger, server } = await clientFor((req, res, context) => {
      if (context.index === 0) {
        return sendJson(res, 503, { type: "x", title: "Service unavailable", status: 503 }, { "retry-after": "0" });
      }
      startNdjson(req, res, context);
      res.end(line({ type: "progress", progress: 1 }) + line(DONE));
    });
    expect(await client.render(RENDER_REQUEST)).toEqual(DONE);
    expect(server.requests).toHaveLength(2);
    expect(logger.warnings[0]?.obj).toMatchObject({ service: "renderer", status: 503, delayMs: 0 });
  });

  it("rejects a malformed line without retrying", async () => {
    const { client, server } = await clientFor((req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      res.end(`${line({ type: "progress", progress: 0.1 })}{oops\n`);
    });
    const err = await rejection(client.render(RENDER_REQUEST));
    expect(err).toMatchObject({ service: "renderer", retryable: false });
    expect((err as Error).message).toMatch(/not JSON/);
    expect(server.requests).toHaveLength(1);
  });

  it("rejects an event that breaks the contract", async () => {
    const { client } = await clientFor((req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      res.end(line({ type: "progress", progress: 7 }));
    });
    const err = await rejection(client.render(RENDER_REQUEST));
    expect(err).toMatchObject({ service: "renderer", retryable: false });
    expect((err as Error).message).toMatch(/unexpected render event: progress/);
  });

  it("stops mid-stream when the signal aborts: rejects with the reason and closes the connection", async () => {
    const controller = new AbortController();
    const reason = new Error("job cancelled");
    const { client, server } = await clientFor((req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      // Progress, then nothing: the render would go on for a long time.
      res.write(line({ type: "progress", progress: 0.1 }));
    });
    const call = client.render(RENDER_REQUEST, {
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });
    expect(await rejection(call)).toBe(reason);
    expect(server.requests).toHaveLength(1);
    expect(await server.requests[0]?.closedEarly).toBe(true);
  });

  it.each([
    ["an error line", line({ type: "error", problem: { type: "about:blank", title: "Bad input", status: 422 } })],
    ["a line that breaks the contract", line({ type: "progress", progress: 7 })],
  ])(
    "closes the connection of a stream it stops reading at %s, though the renderer keeps it open",
    async (_label, last) => {
      const { client, server } = await clientFor((req, res) => {
        startNdjson(req, res, { index: 0, body: "" });
        res.write(line({ type: "progress", progress: 0.1 }) + last);
      });
      await rejection(client.render(RENDER_REQUEST));
      expect(server.requests).toHaveLength(1);
      // A connection left open would hold the renderer's work (and its server's close) until it ends.
      const closedEarly = server.requests[0]?.closedEarly ?? Promise.resolve(false);
      expect(await withTimeout(20_000, undefined, "the connection to close", () => closedEarly)).toBe(true);
    },
  );

  it("applies the render's own timeout to the whole stream", async () => {
    const { client, server } = await clientFor(
      (req, res) => {
        startNdjson(req, res, { index: 0, body: "" });
        res.write(line({ type: "progress", progress: 0.1 }));
      },
      // No retries: on a loaded machine the deadline could otherwise pass before the headers arrive.
      { timeoutMs: 60_000, retries: 0 },
    );
    const err = await rejection(client.render(RENDER_REQUEST, { timeoutMs: 300 }));
    expect(err).toMatchObject({ service: "renderer", retryable: true });
    expect((err as Error).message).toMatch(/did not answer within 300 ms/);
    expect(await server.requests[0]?.closedEarly).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("keeps rendering when the progress callback throws", async () => {
    const { client, logger } = await clientFor((req, res) => {
      startNdjson(req, res, { index: 0, body: "" });
      res.end(line({ type: "progress", progress: 0.5 }) + line(DONE));
    });
    const done = await client.render(RENDER_REQUEST, {
      onProgress: () => {
        throw new Error("listener bug");
      },
    });
    expect(done).toEqual(DONE);
    expect(logger.warnings.map((w) => w.msg)).toEqual(["render progress callback threw"]);
  });

  it("ready() calls GET /readyz", async () => {
    const { client, server } = await clientFor((_req, res) => sendJson(res, 200, { status: "ok" }));
    await client.ready();
    expect(server.requests[0]).toMatchObject({ method: "GET", path: "/readyz" });
  });

  it("voices() calls GET /v1/voices and validates the list", async () => {
    const list = {
      engines: ["espeak"],
      voices: [
        {
          engine: "espeak",
          id: "en-us",
          name: "English (America)",
          language: "en-us",
          otherLanguages: ["en"],
          gender: "male",
        },
      ],
    };
    const { client, server } = await clientFor((_req, res) => sendJson(res, 200, list));
    expect(await client.voices()).toEqual(list);
    expect(server.requests[0]).toMatchObject({ method: "GET", path: "/v1/voices" });
  });
});
