import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  type FrameRange,
  planChunks,
  type RenderEvent,
  type RenderRequestInput,
  renderEventSchema,
  renderRequestSchema,
  timelineFrames,
  transitionWindows,
} from "@video-service/contracts";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { countVideoFrames } from "../src/ffmpeg/ffmpeg.runner.ts";
import { probe } from "../src/ffmpeg/probe.ts";
import type { TtsEngine } from "../src/speech/tts.ts";
import { encodeWav } from "../src/speech/wav.ts";
import { AUTH, makeStill, ndjsonLines, TINY_FORMATS, topLevelBoxes } from "./support/fixtures.ts";
import {
  ffprobeStreams,
  firstPacketFlags,
  grayFrames,
  mean,
  meanAbsDiff,
  perFramePsnrY,
} from "./support/frame-compare.ts";

const execFileAsync = promisify(execFile);
const FPS = 30;

/**
 * A chunked render (video parts + one audio part, joined with stream copy) against the whole
 * render of the SAME timeline, on the tiny canvas (same code path, a fraction of the encode):
 * same frame count and duration, every frame the same picture (per-frame PSNR against the whole
 * render: a repeated or missing frame at a join, motion restarting or captions jumping would drop
 * it), audio in sync (clicks against one-frame flashes), one clean H.264 stream, +faststart.
 */
describe("chunked render equals the whole render (real ffmpeg)", () => {
  let root: string;
  let store: ObjectStore;
  let app: Hono;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "renderer-chunks-"));
    store = createLocalObjectStore({
      root: path.join(root, "storage"),
      signingSecret: "test-signing-secret-0123456789",
      publicBaseUrl: "http://127.0.0.1:3000",
    });
    const { width, height } = TINY_FORMATS.standard;
    const stills: Record<string, string> = {
      a: "testsrc2",
      b: "color=c=white",
      c: "mandelbrot",
      d: "color=c=black",
      black: "color=c=black",
      white: "color=c=white",
    };
    await mkdir(store.localPath("images/temp/jobc") as string, { recursive: true });
    await Promise.all(
      Object.entries(stills).map(([name, source]) =>
        makeStill(store.localPath(`images/temp/jobc/${name}.png`) as string, { width, height, source }),
      ),
    );
    await mkdir(store.localPath("audio/temp/jobc") as string, { recursive: true });
    const tts: TtsEngine = {
      name: "none",
      synthesize: () => Promise.reject(new Error("no speech in this test")),
    } as unknown as TtsEngine;
    app = createApp({
      store,
      logger: silentLogger(),
      internalToken: AUTH["x-internal-token"],
      scratchDir: path.join(root, "scratch"),
      renderConcurrency: 1,
      tts,
      formats: TINY_FORMATS,
    });
    await mkdir(path.join(root, "scratch"), { recursive: true });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function post(route: string, body: unknown): Promise<Extract<RenderEvent, { type: "done" }>> {
    const response = await app.request(route, { method: "POST", headers: AUTH, body: JSON.stringify(body) });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const events = ndjsonLines(text).map((line) => renderEventSchema.parse(line));
    const last = events.at(-1) as RenderEvent;
    expect(last.type, JSON.stringify(last)).toBe("done");
    return last as Extract<RenderEvent, { type: "done" }>;
  }

  /** Renders `request` whole and in `chunks` parts; returns both local paths and the chunk ranges. */
  async function renderBothWays(request: RenderRequestInput, name: string, chunks: number) {
    await post("/v1/renders", { ...request, outputKey: `videos/standard/${name}-whole.mp4` });
    const parsed = renderRequestSchema.parse(request);
    const { sceneFrames, transitionFrames, totalFrames } = timelineFrames(parsed, FPS);
    const ranges = planChunks({
      totalFrames,
      chunks,
      transitions: transitionWindows(sceneFrames, transitionFrames),
      minFrames: FPS,
    });
    expect(ranges).toHaveLength(chunks);
    const parts: { key: string; frames: FrameRange }[] = [];
    // Out of order on purpose: chunks are independent.
    for (const [index, frames] of [...ranges.entries()].reverse()) {
      const key = `videos/temp/${name}/chunk-${index}.ts`;
      const done = await post("/v1/renders/parts", { ...request, outputKey: key, part: { type: "video", frames } });
      expect(done.media.audio).toBeNull();
      expect(await countVideoFrames(store.localPath(key) as string)).toBe(frames.count);
      parts.unshift({ key, frames });
    }
    const audioKey = `videos/temp/${name}/audio.m4a`;
    await post("/v1/renders/parts", { ...request, outputKey: audioKey, part: { type: "audio" } });
    await post("/v1/renders/join", {
      format: "standard",
      outputKey: `videos/standard/${name}-chunked.mp4`,
      chunks: parts,
      audioKey,
    });
    return {
      whole: store.localPath(`videos/standard/${name}-whole.mp4`) as string,
      chunked: store.localPath(`videos/standard/${name}-chunked.mp4`) as string,
      parts: parts.map((part) => store.localPath(part.key) as string),
      ranges,
      totalFrames,
    };
  }

  it("crossfades, pan/zoom and word captions continue exactly across 3 joins", async () => {
    const words = Array.from({ length: 24 }, (_, index) => ({
      text: `w${index}`,
      start: 0.1 + index * 0.25,
      end: 0.3 + index * 0.25,
    }));
    const request: RenderRequestInput = {
      format: "standard",
      outputKey: "videos/standard/unused.mp4",
      scenes: [
        { imageKey: "images/temp/jobc/a.png", duration: 1.8, motion: "zoom-in" },
        { imageKey: "images/temp/jobc/b.png", duration: 1.4, motion: "none" },
        { imageKey: "images/temp/jobc/c.png", duration: 1.8, motion: "pan-right" },
        { imageKey: "images/temp/jobc/d.png", duration: 1.2, motion: "zoom-out" },
      ],
      transitionSeconds: 0.5,
      captions: { mode: "word", words },
    };
    const result = await renderBothWays(request, "fades", 3);
    // 6.2 s of scenes − 3 crossfades of 0.5 s = 4.7 s = 141 frames.
    expect(result.totalFrames).toBe(141);

    const [whole, chunked] = await Promise.all([probe(result.whole), probe(result.chunked)]);
    expect(chunked.video).toEqual(whole.video);
    expect(chunked.audio).toEqual(whole.audio);
    expect(Math.abs(chunked.durationSeconds - whole.durationSeconds)).toBeLessThanOrEqual(1 / FPS);
    expect(await countVideoFrames(result.chunked)).toBe(141);
    expect(await countVideoFrames(result.whole)).toBe(141);
    const streams = await ffprobeStreams(result.chunked);
    expect(streams.map((stream) => stream.codec_type).sort()).toEqual(["audio", "video"]);
    const boxes = await topLevelBoxes(result.chunked);
    expect(boxes.indexOf("moov")).toBeLessThan(boxes.indexOf("mdat"));

    // Every chunk starts on a keyframe.
    for (const part of result.parts) expect(await firstPacketFlags(part)).toContain("K");

    // Every frame, the same picture: a shifted frame at a join (next to a crossfade, a zoom step,
    // a caption change) would fall far below the encoder noise between the two encodes.
    const psnr = await perFramePsnrY(result.chunked, result.whole);
    expect(psnr).toHaveLength(141);
    const worst = Math.min(...psnr);
    expect(worst, `per-frame PSNR-Y: ${psnr.map((value) => value.toFixed(1)).join(" ")}`).toBeGreaterThan(38);
    // The frames at each join against their neighbours in the whole render: the matching index wins.
    const chunkedFrames = await grayFrames(result.chunked);
    const wholeFrames = await grayFrames(result.whole);
    for (const range of result.ranges.slice(1)) {
      for (const frame of [range.start - 1, range.start]) {
        const own = meanAbsDiff(chunkedFrames[frame] as Buffer, wholeFrames[frame] as Buffer);
        for (const other of [frame - 1, frame + 1]) {
          const neighbour = meanAbsDiff(chunkedFrames[frame] as Buffer, wholeFrames[other] as Buffer);
          // (Equal pictures on both sides differ only by encoder noise.)
          expect(own).toBeLessThanOrEqual(neighbour + 0.1);
        }
      }
    }
  });

  it("a library background video continues across joins, looping where the whole render loops", async () => {
    const { width, height } = TINY_FORMATS.standard;
    // A normalised library clip (canvas size, 30 fps, a keyframe a second, no audio) of 3.5 s (105
    // frames): the 4.7 s video starts 1 s into it (a whole second, as the gateway chooses), so the
    // clip loops at the video's frame 75, inside the second chunk (which starts mid-GOP of the
    // clip), and the third chunk starts in the clip's second pass.
    const clip = "media/background-video/moving/v1/landscape.mp4";
    await mkdir(path.dirname(store.localPath(clip) as string), { recursive: true });
    await execFileAsync("ffmpeg", [
      ...["-hide_banner", "-y", "-f", "lavfi", "-i", `testsrc2=s=${width}x${height}:r=30:d=3.5`],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p", "-an"],
      store.localPath(clip) as string,
    ]);
    // Cards: transparent but for a panel, so the background shows around it.
    for (const [name, colour] of [
      ["card-a", "orange"],
      ["card-b", "navy"],
    ] as const) {
      await execFileAsync("ffmpeg", [
        ...["-hide_banner", "-y", "-f", "lavfi", "-i"],
        `color=c=black@0.0:s=${width}x${height},format=rgba,drawbox=x=80:y=40:w=160:h=90:color=${colour}@1:t=fill`,
        ...["-frames:v", "1", store.localPath(`images/temp/jobc/${name}.png`) as string],
      ]);
    }
    const request: RenderRequestInput = {
      format: "standard",
      outputKey: "videos/standard/unused.mp4",
      scenes: [
        { imageKey: "images/temp/jobc/card-a.png", duration: 1.8, motion: "zoom-in" },
        { imageKey: "images/temp/jobc/card-b.png", duration: 1.4, motion: "none" },
        { imageKey: "images/temp/jobc/card-a.png", duration: 1.8, motion: "pan-right" },
        { imageKey: "images/temp/jobc/card-b.png", duration: 1.2, motion: "zoom-out" },
      ],
      transitionSeconds: 0.5,
      background: { kind: "video", key: clip, startSeconds: 1, dim: 0.3 },
    };
    const result = await renderBothWays(request, "background", 3);
    expect(result.totalFrames).toBe(141);
    expect(await countVideoFrames(result.chunked)).toBe(141);
    expect((result.ranges[1] as FrameRange).start).toBeLessThan(75);
    expect((result.ranges[2] as FrameRange).start).toBeGreaterThan(75);
    const psnr = await perFramePsnrY(result.chunked, result.whole);
    expect(psnr).toHaveLength(141);
    expect(Math.min(...psnr), `per-frame PSNR-Y: ${psnr.map((value) => value.toFixed(1)).join(" ")}`).toBeGreaterThan(
      38,
    );
    // The background really moves in both (a frozen or restarted background would also differ).
    const frames = await grayFrames(result.chunked);
    expect(meanAbsDiff(frames[10] as Buffer, frames[11] as Buffer)).toBeGreaterThan(0.5);
  });

  it("audio stays in sync: clicks land on one-frame flashes in the chunked video", async () => {
    // Cuts (no crossfade): black, then a two-frame white flash starting at frames 20, 65, 110, 150
    // (a one-frame scene between cuts loses its length in FFmpeg 5.1's concat filter, chunked or not).
    const flashFrames = [20, 65, 110, 150];
    const scenes: RenderRequestInput["scenes"] = [];
    let at = 0;
    for (const flash of flashFrames) {
      scenes.push({ imageKey: "images/temp/jobc/black.png", duration: (flash - at) / FPS });
      scenes.push({ imageKey: "images/temp/jobc/white.png", duration: 2 / FPS });
      at = flash + 2;
    }
    scenes.push({ imageKey: "images/temp/jobc/black.png", duration: (180 - at) / FPS });
    await writeFile(
      store.localPath("audio/temp/jobc/clicks.wav") as string,
      clickTrack(
        flashFrames.map((frame) => frame / FPS),
        6,
      ),
    );
    const request: RenderRequestInput = {
      format: "standard",
      outputKey: "videos/standard/unused.mp4",
      scenes,
      transitionSeconds: 0,
      narration: [{ audioKey: "audio/temp/jobc/clicks.wav", start: 0 }],
      captions: { mode: "none", words: [] },
    };
    const result = await renderBothWays(request, "clicks", 3);
    expect(result.totalFrames).toBe(180);
    expect(await countVideoFrames(result.chunked)).toBe(180);

    for (const file of [result.whole, result.chunked]) {
      const frames = await grayFrames(file);
      const flashes = frames.flatMap((frame, index) => (mean(frame) > 128 ? [index] : []));
      expect(flashes).toEqual(flashFrames.flatMap((frame) => [frame, frame + 1]));
      const clicks = await clickTimes(file);
      expect(clicks).toHaveLength(flashFrames.length);
      clicks.forEach((seconds, index) => {
        expect(Math.abs(seconds - (flashFrames[index] as number) / FPS)).toBeLessThan(1 / FPS);
      });
    }
    const [wholeClicks, chunkedClicks] = await Promise.all([clickTimes(result.whole), clickTimes(result.chunked)]);
    chunkedClicks.forEach((seconds, index) => {
      expect(Math.abs(seconds - (wholeClicks[index] as number))).toBeLessThan(0.002);
    });
    // Nothing left behind in the scratch dir.
    expect(await readdir(path.join(root, "scratch"))).toEqual([]);
  });

  it("refuses a chunk that splits a crossfade or runs past the end, and a join with a gap (422)", async () => {
    const request: RenderRequestInput = {
      format: "standard",
      outputKey: "videos/temp/bad/chunk.ts",
      scenes: [
        { imageKey: "images/temp/jobc/a.png", duration: 1 },
        { imageKey: "images/temp/jobc/b.png", duration: 1 },
      ],
      transitionSeconds: 0.5,
    };
    // The crossfade covers frames 15..29.
    for (const frames of [
      { start: 20, count: 10 },
      { start: 0, count: 20 },
      { start: 30, count: 100 },
    ]) {
      const response = await app.request("/v1/renders/parts", {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ ...request, part: { type: "video", frames } }),
      });
      expect(response.status).toBe(422);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    const join = await app.request("/v1/renders/join", {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({
        format: "standard",
        outputKey: "videos/standard/bad.mp4",
        audioKey: "videos/temp/bad/audio.m4a",
        chunks: [
          { key: "videos/temp/bad/0.ts", frames: { start: 0, count: 10 } },
          { key: "videos/temp/bad/1.ts", frames: { start: 11, count: 10 } },
        ],
      }),
    });
    expect(join.status).toBe(422);
    expect(await join.text()).toContain("chunk 1 starts at frame 11, expected 10");
  });
});

/** Mono 48 kHz WAV: silence with a 5 ms full-scale click at each time. */
function clickTrack(times: readonly number[], seconds: number): Buffer {
  const rate = 48_000;
  const samples = new Int16Array(Math.round(seconds * rate));
  for (const time of times) {
    const first = Math.round(time * rate);
    for (let index = 0; index < rate * 0.005; index++) samples[first + index] = index % 2 === 0 ? 30_000 : -30_000;
  }
  return encodeWav({ samples, sampleRate: rate });
}

/** Onsets of the clicks in a file's audio, seconds: first sample above half the peak after ≥ 0.2 s of quiet. */
async function clickTimes(file: string): Promise<number[]> {
  const rate = 48_000;
  const { stdout } = await execFileAsync(
    "ffmpeg",
    ["-hide_banner", "-nostdin", "-i", file, "-map", "0:a:0", "-ac", "1", "-ar", String(rate), "-f", "s16le", "-"],
    { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
  );
  const samples = new Int16Array(stdout.buffer, stdout.byteOffset, stdout.length / 2);
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
  const onsets: number[] = [];
  let lastLoud = Number.NEGATIVE_INFINITY;
  samples.forEach((sample, index) => {
    if (Math.abs(sample) < peak / 2) return;
    if (index - lastLoud > 0.2 * rate) onsets.push(index / rate);
    lastLoud = index;
  });
  return onsets;
}
