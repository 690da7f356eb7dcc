import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FORMATS, type RenderRequestInput } from "@video-service/contracts";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import { listen, type RunningServer } from "@video-service/shutdown";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createEspeakEngine, type EspeakEngine } from "../src/speech/espeak.engine.ts";
import { AUTH, ffmpegChildren, makeStill, ndjsonLines, TINY_FORMATS } from "./support/fixtures.ts";

let root: string;
let scratchDir: string;
let store: ObjectStore;
let tts: EspeakEngine;

function request(overrides: Partial<RenderRequestInput> = {}): RenderRequestInput {
  return {
    format: "short",
    outputKey: "videos/short/routes.mp4",
    scenes: [
      { imageKey: "images/temp/routes/a.png", duration: 1 },
      { imageKey: "images/temp/routes/b.png", duration: 1 },
    ],
    transitionSeconds: 0.25,
    captions: { mode: "none", words: [] },
    ...overrides,
  };
}

function post(app: Hono, body: unknown, headers: Record<string, string> = AUTH) {
  return app.request("/v1/renders", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "renderer-routes-"));
  scratchDir = path.join(root, "scratch");
  await mkdir(scratchDir);
  store = createLocalObjectStore({
    root: path.join(root, "storage"),
    signingSecret: "test-signing-secret-0123456789",
    publicBaseUrl: "http://127.0.0.1:3000",
  });
  for (const [name, source] of [
    ["a", "testsrc2"],
    ["b", "mandelbrot"],
  ] as const) {
    const file = store.localPath(`images/temp/routes/${name}.png`) as string;
    await mkdir(path.dirname(file), { recursive: true });
    await makeStill(file, { width: 1080, height: 1920, source });
  }
  tts = createEspeakEngine();
});

afterAll(async () => {
  await tts?.close();
  await rm(root, { recursive: true, force: true });
});

function tinyApp(): Hono {
  return createApp({
    store,
    logger: silentLogger(),
    internalToken: AUTH["x-internal-token"],
    scratchDir,
    renderConcurrency: 1,
    tts,
    formats: TINY_FORMATS,
  });
}

describe("POST /v1/renders refuses bad calls with problem+json before streaming", () => {
  it("401 without the internal token", async () => {
    const response = await post(tinyApp(), request(), { "content-type": "application/json" });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("422 for a body that breaks the contract, naming the field", async () => {
    const response = await post(tinyApp(), { ...request(), scenes: [], outputKey: "../escape.mp4" });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual(
      expect.arrayContaining(["body.scenes", "body.outputKey"]),
    );
  });

  it("400 for malformed JSON, 415 for another content type", async () => {
    expect((await post(tinyApp(), "{not json")).status).toBe(400);
    const wrongType = await post(tinyApp(), JSON.stringify(request()), { ...AUTH, "content-type": "text/plain" });
    expect(wrongType.status).toBe(415);
  });

  it("422 naming an unknown image key, with nothing left in the scratch dir", async () => {
    const response = await post(
      tinyApp(),
      request({ scenes: [{ imageKey: "images/temp/routes/missing.png", duration: 1 }] }),
    );
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { detail: string; missingKeys: string[] };
    expect(problem.detail).toContain("images/temp/routes/missing.png");
    expect(problem.missingKeys).toEqual(["images/temp/routes/missing.png"]);
    expect(await readdir(scratchDir)).toEqual([]);
  });

  it("422 when a crossfade is as long as a scene, or the video exceeds the format's cap", async () => {
    const fade = await post(tinyApp(), request({ transitionSeconds: 1 }));
    expect(fade.status).toBe(422);
    expect(((await fade.json()) as { detail: string }).detail).toContain("transitionSeconds");
    const tooLong = await post(
      tinyApp(),
      request({ scenes: [{ imageKey: "images/temp/routes/a.png", duration: 181 }] }),
    );
    expect(tooLong.status).toBe(422);
  });

  it("503 when this FFmpeg build lacks what renders need, before any work", async () => {
    const app = createApp({
      store,
      logger: silentLogger(),
      internalToken: AUTH["x-internal-token"],
      scratchDir,
      renderConcurrency: 1,
      tts,
      capabilities: {
        ok: false,
        encoders: { libx264: true, aac: true },
        filters: { ass: false, xfade: true, loudnorm: true, sidechaincompress: true, amix: true },
        missing: ["filter ass"],
      },
    });
    const response = await post(app, request());
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toContain("filter ass");
    expect((await app.request("/readyz")).status).toBe(503);
  });

  it("413 for a body over the limit", async () => {
    const huge = JSON.stringify({ ...request(), padding: "x".repeat(6 * 1024 * 1024) });
    const response = await post(tinyApp(), huge);
    expect(response.status).toBe(413);
  });

  it("renders at a test canvas with the same code path (no narration: silent AAC track)", async () => {
    const response = await post(tinyApp(), request({ outputKey: "videos/short/tiny.mp4" }));
    const lines = ndjsonLines(await response.text()) as { type: string; media?: { video: { width: number } } }[];
    expect(lines.at(-1)).toMatchObject({ type: "done", media: { video: { width: 180 }, audio: { codec: "aac" } } });
    expect(await store.head("videos/short/tiny.mp4")).toMatchObject({ size: expect.any(Number) });
  });
});

describe("a running render", () => {
  let server: RunningServer;

  beforeAll(async () => {
    // The real canvas and a 40 s timeline: FFmpeg is certainly still running when we look.
    server = await listen(
      createApp({
        store,
        logger: silentLogger(),
        internalToken: AUTH["x-internal-token"],
        scratchDir,
        renderConcurrency: 1,
        tts,
        formats: FORMATS,
      }),
      { port: 0, hostname: "127.0.0.1" },
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  it("refuses a second render with 503 + Retry-After, and dies with its caller: ffmpeg killed, temp dir removed, nothing stored", async () => {
    const caller = new AbortController();
    const long = request({
      outputKey: "videos/short/aborted.mp4",
      scenes: [
        { imageKey: "images/temp/routes/a.png", duration: 20, motion: "pan-left" },
        { imageKey: "images/temp/routes/b.png", duration: 20 },
      ],
    });
    const response = await fetch(`${server.url}/v1/renders`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify(long),
      signal: caller.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    // Wait until FFmpeg reports frames (the first line, progress 0, is written before it starts).
    while (!/"progress":0\.\d*[1-9]/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    expect(await ffmpegChildren()).toHaveLength(1);
    expect(await readdir(scratchDir)).toHaveLength(1);

    const second = await fetch(`${server.url}/v1/renders`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify(request()),
    });
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(second.headers.get("content-type")).toContain("application/problem+json");

    caller.abort();
    await reader.cancel().catch(() => {});
    let children = await ffmpegChildren();
    let leftovers = await readdir(scratchDir);
    for (let attempt = 0; attempt < 50 && (children.length > 0 || leftovers.length > 0); attempt++) {
      await sleep(200);
      children = await ffmpegChildren();
      leftovers = await readdir(scratchDir);
    }
    expect(children).toEqual([]);
    expect(leftovers).toEqual([]);
    expect(await store.head("videos/short/aborted.mp4")).toBeUndefined();
    // The slot is free again.
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { renders: { active: number } };
    expect(ready.renders.active).toBe(0);
  });
});
