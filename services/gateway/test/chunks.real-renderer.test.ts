import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { RenderJoinRequest, RenderPartRequestInput } from "@video-service/contracts";
import { createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { listen } from "@video-service/shutdown";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp as createImagegenApp } from "../../imagegen/src/app.ts";
import { createApp as createRendererApp } from "../../renderer/src/app.ts";
import { probeCapabilities } from "../../renderer/src/ffmpeg/ffmpeg.runner.ts";
import { createEspeakEngine, type EspeakEngine } from "../../renderer/src/speech/espeak.engine.ts";
import { TINY_FORMATS } from "../../renderer/test/support/fixtures.ts";
import { type Harness, startHarness } from "./harness.ts";

const run = promisify(execFile);

/** About 25 s of narration: long enough for three chunks of several seconds each. */
const STORY = {
  type: "text",
  title: "The lighthouse keeper who counted every ship for forty years",
  body:
    "My grandfather kept the lighthouse on the north cape for forty years. Every night he wrote down " +
    "each ship that passed, its lights and the hour. When he retired he gave the harbour office " +
    "eleven notebooks. They still use them to check the old tide tables against what really happened.",
  comments: [{ author: "harbour_pilot", body: "Those notebooks settled more than one insurance claim." }],
};

interface Job {
  id: string;
  status: string;
  error?: unknown;
  outputs?: { video: { key: string; durationSeconds: number } };
}

interface Probe {
  streams: { codec_type: string; codec_name: string; nb_read_frames?: string; duration?: string }[];
  format: { duration: string };
}

async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run("ffprobe", [
    ...["-v", "error", "-count_frames", "-print_format", "json", "-show_streams", "-show_format", file],
  ]);
  return JSON.parse(stdout) as Probe;
}

/**
 * End to end: POST /v1/videos with render.chunks, through the gateway's own worker and chunk
 * workers, a private Redis, the local store, and the REAL renderer (espeak-ng, FFmpeg, its part
 * and join routes over HTTP, tiny canvas) fed by the REAL imagegen. The chunked video is compared
 * with its own timeline rendered in one piece: same frame count and duration, the same pictures,
 * one H.264 + one AAC stream.
 */
describe("a chunked video through the gateway and the real renderer", { timeout: 300_000 }, () => {
  let h: Harness;
  let scratch: string;
  let espeak: EspeakEngine | undefined;
  const joins: RenderJoinRequest[] = [];
  const parts: RenderPartRequestInput[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "gateway-chunks-e2e-"));
    const capabilities = await probeCapabilities();
    h = await startHarness({
      env: { CHUNK_WORKER_CONCURRENCY: "2", WORKER_CONCURRENCY: "1" },
      realRenderer: async ({ store, token }) => {
        espeak = createEspeakEngine();
        const renderer = createRendererApp({
          store,
          logger: silentLogger(),
          internalToken: token,
          scratchDir: scratch,
          renderConcurrency: 2,
          capabilities,
          tts: espeak,
          formats: TINY_FORMATS,
        });
        // Records the join requests on their way in (the chunk ranges the gateway planned).
        const recording = new Hono();
        recording.post("/v1/renders/join", async (c, next) => {
          joins.push((await c.req.raw.clone().json()) as RenderJoinRequest);
          await next();
        });
        recording.post("/v1/renders/parts", async (c, next) => {
          const part = (await c.req.raw.clone().json()) as RenderPartRequestInput;
          // The narration is a temp object, gone once the job succeeds: the test keeps a copy.
          if (parts.length === 0) {
            for (const narration of part.narration ?? []) {
              await store.put(`kept/${narration.audioKey}`, await store.get(narration.audioKey));
            }
          }
          parts.push(part);
          await next();
        });
        recording.all("*", (c) => renderer.fetch(c.req.raw));
        const server = await listen(recording, { port: 0, hostname: "127.0.0.1" });
        return {
          url: server.url,
          close: async () => {
            // The clients' keep-alive connections would hold the close.
            if ("closeAllConnections" in server.server) server.server.closeAllConnections();
            await server.close();
          },
        };
      },
      realImagegen: ({ store, token }) =>
        listen(createImagegenApp({ store, logger: silentLogger(), internalToken: token, concurrency: 1 }), {
          port: 0,
          hostname: "127.0.0.1",
        }),
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await espeak?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const render = async (chunks: number) => {
    const created = await h.call("POST", "/v1/videos", { source: STORY, format: "standard", render: { chunks } });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const job = await h.waitForStatus<Job>(id, ["succeeded", "failed", "cancelled"], 240_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const key = job.outputs?.video.key;
    if (!key) throw new Error("no video output");
    return { id, job, probe: await ffprobe(path.join(h.storageDir, key)) };
  };

  it("joins 3 chunks into the same video as the same timeline rendered in one piece", async () => {
    const chunked = await render(3);
    expect(joins).toHaveLength(1);
    const join = joins[0] as RenderJoinRequest;
    expect(join.outputKey).toBe(chunked.job.outputs?.video.key);
    expect(join.chunks).toHaveLength(3);
    const plannedFrames = join.chunks.reduce((sum, chunk) => sum + chunk.frames.count, 0);
    // Three video chunks and the audio, each its own request to the renderer (a renderer that is
    // full answers 503 and the same part is asked again: counted once).
    const asked = new Set(
      parts.map(({ part }) => (part.type === "audio" ? "audio" : `${part.frames.start}+${part.frames.count}`)),
    );
    expect([...asked].sort()).toEqual(
      ["audio", ...join.chunks.map((c) => `${c.frames.start}+${c.frames.count}`)].sort(),
    );

    // The same timeline (narration is not bit-exact between two espeak runs, so not a second job)
    // rendered in one piece by the same renderer.
    const { part: _part, ...timeline } = parts[0] as RenderPartRequestInput;
    const wholeKey = `videos/standard/${chunked.id}-whole.mp4`;
    await createRendererClient({ baseUrl: h.config.RENDERER_URL, token: h.config.INTERNAL_TOKEN }).render(
      {
        ...timeline,
        narration: (timeline.narration ?? []).map((narration) => ({
          ...narration,
          audioKey: `kept/${narration.audioKey}`,
        })),
        outputKey: wholeKey,
      },
      { timeoutMs: 120_000 },
    );
    const chunkedFile = path.join(h.storageDir, chunked.job.outputs?.video.key ?? "");
    const wholeFile = path.join(h.storageDir, wholeKey);
    const whole = await ffprobe(wholeFile);

    for (const probe of [chunked.probe, whole]) {
      const video = probe.streams.filter((stream) => stream.codec_type === "video");
      const audio = probe.streams.filter((stream) => stream.codec_type === "audio");
      expect(video.map((stream) => stream.codec_name)).toEqual(["h264"]);
      expect(audio.map((stream) => stream.codec_name)).toEqual(["aac"]);
      // About 25 s of narration, as the story was written for.
      expect(Number(probe.format.duration)).toBeGreaterThan(15);
      expect(Number(probe.format.duration)).toBeLessThan(60);
      // The sound lasts as long as the picture, within two frames.
      expect(Math.abs(Number(audio[0]?.duration) - Number(video[0]?.duration))).toBeLessThan(2 / 30 + 0.01);
    }
    const frames = (probe: Probe) => Number(probe.streams.find((s) => s.codec_type === "video")?.nb_read_frames);
    expect(frames(chunked.probe)).toBe(plannedFrames);
    expect(frames(chunked.probe)).toBe(frames(whole));
    expect(Number(chunked.probe.format.duration)).toBeCloseTo(Number(whole.format.duration), 2);
    expect(chunked.job.outputs?.video.durationSeconds).toBeCloseTo(plannedFrames / 30, 2);
    // Picture for picture the same video: the lowest per-frame PSNR against the whole render.
    expect(await minimumPsnr(chunkedFile, wholeFile)).toBeGreaterThan(35);
  });
});

/** The lowest per-frame luma PSNR of `a` against `b` (FFmpeg's psnr filter; identical frames read "inf"). */
async function minimumPsnr(a: string, b: string): Promise<number> {
  const { stdout } = await run(
    "ffmpeg",
    [
      ...["-hide_banner", "-nostats", "-loglevel", "error", "-i", a, "-i", b],
      ...["-lavfi", "[0:v][1:v]psnr=stats_file=-", "-f", "null", "-"],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const values = [...stdout.matchAll(/psnr_y:(\S+)/g)].map((match) => (match[1] === "inf" ? 100 : Number(match[1])));
  expect(values.length).toBeGreaterThan(0);

  return Math.min(...values);
}
