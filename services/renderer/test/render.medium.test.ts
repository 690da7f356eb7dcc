import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  FORMATS,
  LOUDNESS_TARGET_LUFS,
  type RenderEvent,
  type RenderRequestInput,
  renderEventSchema,
} from "@video-service/contracts";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { measureIntegratedLoudness } from "../src/ffmpeg/ffmpeg.runner.ts";
import { probe } from "../src/ffmpeg/probe.ts";
import { createEspeakEngine, type EspeakEngine } from "../src/speech/espeak.engine.ts";
import { AUTH, makeStill, makeTone, ndjsonLines, topLevelBoxes } from "./support/fixtures.ts";

/**
 * One full-size render (1080×1920, the real short format) of a 3-scene timeline with narration,
 * hostile word captions and ducked music, kept to 3 s. The scratch dir's name holds every character
 * that is special to the filter graph, so the captions path must be escaped correctly to render.
 */
describe("render a 3-scene short (real ffmpeg, full size)", () => {
  let root: string;
  let store: ObjectStore;
  let scratchDir: string;
  let app: Hono;
  let tts: EspeakEngine;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "renderer-medium-"));
    store = createLocalObjectStore({
      root: path.join(root, "storage"),
      signingSecret: "test-signing-secret-0123456789",
      publicBaseUrl: "http://127.0.0.1:3000",
    });
    scratchDir = path.join(root, "scratch it's a:b,c;d[e]\\f");
    await mkdir(scratchDir, { recursive: true });
    const { width, height } = FORMATS.short;
    const stills = ["testsrc2", "mandelbrot", "color=c=0x3366cc"];
    await Promise.all(
      stills.map(async (source, index) => {
        const file = store.localPath(`images/temp/job1/s${index}.png`) as string;
        await mkdir(path.dirname(file), { recursive: true });
        await makeStill(file, { width, height, source });
      }),
    );
    const narration = store.localPath("audio/temp/job1/n0.wav") as string;
    await mkdir(path.dirname(narration), { recursive: true });
    await makeTone(narration, { seconds: 1.2, frequency: 440 });
    await makeTone(store.localPath("audio/temp/job1/n1.wav") as string, {
      seconds: 1,
      frequency: 660,
      sampleRate: 48_000,
    });
    await makeTone(store.localPath("audio/temp/job1/music.wav") as string, { seconds: 1, frequency: 220 });
    tts = createEspeakEngine();
    app = createApp({
      store,
      logger: silentLogger(),
      internalToken: AUTH["x-internal-token"],
      scratchDir,
      renderConcurrency: 1,
      tts,
    });
  });

  afterAll(async () => {
    await tts?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("streams progress then done, and the stored MP4 meets the spec", async () => {
    const request: RenderRequestInput = {
      format: "short",
      outputKey: "videos/short/job1.mp4",
      scenes: [
        { imageKey: "images/temp/job1/s0.png", duration: 1.2, motion: "zoom-in" },
        { imageKey: "images/temp/job1/s1.png", duration: 1.2, motion: "pan-right" },
        { imageKey: "images/temp/job1/s2.png", duration: 1.2 },
      ],
      transitionSeconds: 0.3,
      narration: [
        { audioKey: "audio/temp/job1/n0.wav", start: 0.1 },
        { audioKey: "audio/temp/job1/n1.wav", start: 1.6 },
      ],
      captions: {
        mode: "word",
        words: [
          { text: "{\\an8}", start: 0.1, end: 0.4 },
          { text: "it's", start: 0.5, end: 0.7 },
          { text: "a:b;", start: 0.8, end: 1.0 },
          { text: "100%\\N", start: 1.1, end: 1.3 },
          { text: "line\nbreak", start: 1.6, end: 2.0 },
          { text: "[x],'y'", start: 2.1, end: 2.6 },
        ],
      },
      music: { audioKey: "audio/temp/job1/music.wav", volume: 0.3 },
    };
    const response = await app.request("/v1/renders", { method: "POST", headers: AUTH, body: JSON.stringify(request) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const events = ndjsonLines(await response.text()).map((line) => renderEventSchema.parse(line));

    const last = events.at(-1) as RenderEvent;
    expect(last, JSON.stringify(last)).toMatchObject({ type: "done", key: "videos/short/job1.mp4" });
    const progress = events.filter((event) => event.type === "progress").map((event) => event.progress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(events.filter((event) => event.type !== "progress")).toHaveLength(1);

    const stored = store.localPath("videos/short/job1.mp4") as string;
    const media = await probe(stored);
    expect(media.video).toEqual({
      codec: "h264",
      pixelFormat: "yuv420p",
      colorRange: "tv",
      width: 1080,
      height: 1920,
      fps: 30,
    });
    expect(media.audio).toEqual({ codec: "aac", sampleRate: 48_000, channels: 2 });
    // 3 × 1.2 − 2 × 0.3 = 3.0 s
    expect(Math.abs(media.durationSeconds - 3.0)).toBeLessThanOrEqual(0.1);
    const boxes = await topLevelBoxes(stored);
    expect(boxes.indexOf("moov")).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf("moov")).toBeLessThan(boxes.indexOf("mdat"));
    if (last.type === "done") expect(last.media).toEqual(media);
    const loudness = await measureIntegratedLoudness(stored);
    expect(Math.abs((loudness ?? 0) - LOUDNESS_TARGET_LUFS)).toBeLessThanOrEqual(1.5);
    // The per-render temp dir is gone.
    expect(await readdir(scratchDir)).toEqual([]);
  });
});
