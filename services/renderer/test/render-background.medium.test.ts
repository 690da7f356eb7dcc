import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RenderRequestInput } from "@video-service/contracts";
import type { ObjectStore } from "@video-service/object-store";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffprobeRaw } from "../src/ffmpeg/ffmpeg.runner.ts";
import { probe } from "../src/ffmpeg/probe.ts";
import { AUTH, makeTone, ndjsonLines } from "./support/fixtures.ts";
import {
  frameAt,
  makeAlphaCard,
  makeClip,
  monoSamples,
  pixel,
  regionDifference,
  tinyRendererApp,
  toneLevel,
} from "./support/media-fixtures.ts";

const W = 180;
const H = 320;
/** Where both cards' opaque panel is; the rest of each card is transparent. */
const PANEL = { x: 20, y: 40, w: 140, h: 120 };
/** A strip below the panel, above the captions' place: only the background shows there. */
const OUTSIDE = { x: 0, y: 190, w: W, h: 60 };

let root: string;
let store: ObjectStore;
let app: Hono;

async function put(key: string, make: (file: string) => Promise<void>): Promise<void> {
  const file = store.localPath(key) as string;
  await mkdir(path.dirname(file), { recursive: true });
  await make(file);
}

async function post(pathname: string, body: unknown): Promise<Response> {
  return app.request(pathname, { method: "POST", headers: AUTH, body: JSON.stringify(body) });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "renderer-background-"));
  ({ store, app } = await tinyRendererApp(root));
  // The clip goes through the same ingest as an upload: what renders read is what ingest makes.
  await put("media/uploads/clip", (file) => makeClip(file, { seconds: 2, width: 192, height: 108 }));
  const ingest = await post("/v1/media/ingest", {
    kind: "background-video",
    sourceKey: "media/uploads/clip",
    targetPrefix: "media/background-video/clip/v1/",
  });
  expect(ingest.status).toBe(200);
  expect(ndjsonLines(await ingest.text()).at(-1)).toMatchObject({ type: "done" });
  await put("images/temp/bg/white.png", (file) =>
    makeAlphaCard(file, { width: W, height: H, panel: PANEL, rgb: "255,255,255" }),
  );
  await put("images/temp/bg/blue.png", (file) =>
    makeAlphaCard(file, { width: W, height: H, panel: PANEL, rgb: "20,40,230" }),
  );
  await put("audio/temp/bg/n0.wav", (file) => makeTone(file, { seconds: 1, frequency: 440 }));
  await put("audio/temp/bg/music.wav", async (file) => {
    const source = path.join(root, "music.wav");
    await makeTone(source, { seconds: 1, frequency: 220 });
    await copyFile(source, file);
  });
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("a render over a library background video", () => {
  it("moves the background behind still cards that crossfade, for the whole (looped) video, music ducked", async () => {
    const request: RenderRequestInput = {
      format: "short",
      outputKey: "videos/short/background.mp4",
      scenes: [
        { imageKey: "images/temp/bg/white.png", duration: 1.6 },
        { imageKey: "images/temp/bg/blue.png", duration: 1.6 },
      ],
      transitionSeconds: 0.4,
      narration: [{ audioKey: "audio/temp/bg/n0.wav", start: 0.2 }],
      captions: { mode: "none", words: [] },
      music: { audioKey: "audio/temp/bg/music.wav", volume: 0.3, duck: true },
      // 1.5 s into a 2 s clip for a 2.8 s video: the clip must loop.
      background: { kind: "video", key: "media/background-video/clip/v1/portrait.mp4", startSeconds: 1 },
    };
    const response = await post("/v1/renders", request);
    expect(response.status).toBe(200);
    const events = ndjsonLines(await response.text()) as { type: string }[];
    expect(events.at(-1)).toMatchObject({ type: "done" });

    const output = store.localPath("videos/short/background.mp4") as string;
    const media = await probe(output);
    expect(media.video).toMatchObject({ codec: "h264", width: W, height: H, pixelFormat: "yuv420p", fps: 30 });
    expect(media.durationSeconds).toBeCloseTo(2.8, 1);
    expect(media.audio).toMatchObject({ codec: "aac", sampleRate: 48_000 });
    // Every frame of the video, not only the audio: the looped clip must not run short.
    const raw = await ffprobeRaw(output);
    expect(Number(raw.streams.find((stream) => stream.codec_type === "video")?.nb_frames)).toBe(84);

    // The music (220 Hz) is ducked under the narration (440 Hz, 0.2–1.2 s) and back up after it.
    const samples = await monoSamples(output);
    const underSpeech = toneLevel(samples, 220, 0.5, 1.1);
    const afterSpeech = toneLevel(samples, 220, 1.9, 2.6);
    expect(toneLevel(samples, 440, 0.5, 1.1)).toBeGreaterThan(underSpeech);
    expect(afterSpeech).toBeGreaterThan(underSpeech * 2);

    const early = await frameAt(output, 0.2, W, H);
    const later = await frameAt(output, 0.7, W, H);
    const afterLoop = await frameAt(output, 2.5, W, H);
    // The background moves outside the card…
    expect(regionDifference(early, later, W, OUTSIDE)).toBeGreaterThan(8);
    expect(regionDifference(later, afterLoop, W, OUTSIDE)).toBeGreaterThan(8);
    // …while the card stays put: the first card is white, the second blue, in the same place.
    const centre = { x: PANEL.x + PANEL.w / 2, y: PANEL.y + PANEL.h / 2 };
    expect(
      regionDifference(early, later, W, { x: PANEL.x + 10, y: PANEL.y + 10, w: PANEL.w - 20, h: PANEL.h - 20 }),
    ).toBeLessThan(3);
    const [r1, g1, b1] = pixel(early, W, centre.x, centre.y);
    expect(Math.min(r1, g1, b1)).toBeGreaterThan(225);
    const [r2, g2, b2] = pixel(afterLoop, W, centre.x, centre.y);
    expect(b2).toBeGreaterThan(180);
    expect(Math.max(r2, g2)).toBeLessThan(90);
    // Outside the panel it is the clip (testsrc2's colour bars), not a card colour or black.
    const [ro, go, bo] = pixel(early, W, 5, OUTSIDE.y + 30);
    expect(ro + go + bo).toBeGreaterThan(60);
  });
});
