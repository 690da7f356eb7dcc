/**
 * End to end: Redis and the three services as child processes (the same launcher as `make demo`),
 * real espeak-ng, sharp and FFmpeg, the local store, and a fake OTLP collector receiving their
 * traces. Texts are short so each video is ~10 s, but rendered at the formats' full size.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { narratedVideoSeconds } from "@video-service/gateway/script";
import { type CollectedSpan, type FakeOtlpCollector, startFakeOtlpCollector } from "@video-service/telemetry/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../scripts/lib/stack.ts";

const run = promisify(execFile);

const story = {
  type: "text",
  title: "My neighbour's cat has been visiting me every morning for a year",
  body: "Every morning at seven a grey cat sits outside my kitchen window. Today I finally met its owner.",
  comments: [{ author: "tabby_fan", body: "Cats choose their people. You have been chosen." }],
};

interface Job {
  id: string;
  status: string;
  error?: unknown;
  outputs?: {
    video: { key: string; url: string; durationSeconds: number; sizeBytes: number };
    metadata?: { key: string };
  };
}

async function ffprobe(path: string) {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_streams",
    "-show_format",
    path,
  ]);
  return JSON.parse(stdout) as {
    streams: {
      codec_type: string;
      codec_name: string;
      pix_fmt?: string;
      color_range?: string;
      width?: number;
      height?: number;
      r_frame_rate?: string;
      sample_rate?: string;
    }[];
    format: { duration: string };
  };
}

async function cacheSnapshot(storageDir: string): Promise<Map<string, number>> {
  const dir = join(storageDir, "images/cache");
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries = await Promise.all(names.map(async (name) => [name, (await stat(join(dir, name))).mtimeMs] as const));
  return new Map(entries);
}

describe("a text story becomes a video through the three services", () => {
  let stack: Stack;
  let collector: FakeOtlpCollector;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "vs-e2e-"));
    collector = await startFakeOtlpCollector();
    stack = await startStack({ dataDir, otlpEndpoint: collector.url, logLevel: "warn" });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await collector?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const headers = () => ({ authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" });

  async function makeVideo(format: "short" | "standard"): Promise<Job> {
    const created = await fetch(`${stack.gatewayUrl}/v1/videos`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ source: story, format, style: { theme: "dark", captions: "word" } }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const deadline = Date.now() + 240_000;
    for (;;) {
      const job = (await (await fetch(`${stack.gatewayUrl}/v1/videos/${id}`, { headers: headers() })).json()) as Job;
      if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after 240 s`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  async function checkVideo(job: Job, size: { width: number; height: number }) {
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const video = job.outputs?.video;
    if (!video || !job.outputs?.metadata) throw new Error("no outputs");
    const path = join(stack.storageDir, video.key);
    const probe = await ffprobe(path);
    const v = probe.streams.find((s) => s.codec_type === "video");
    const a = probe.streams.find((s) => s.codec_type === "audio");
    expect(v).toMatchObject({
      codec_name: "h264",
      pix_fmt: "yuv420p",
      color_range: "tv",
      ...size,
      r_frame_rate: "30/1",
    });
    expect(a).toMatchObject({ codec_name: "aac", sample_rate: "48000" });

    // Duration: the narration the renderer really produced, plus the timeline's padding.
    const metadata = JSON.parse(await readFile(join(stack.storageDir, job.outputs.metadata.key), "utf8")) as {
      segments: { durationSeconds: number }[];
    };
    const expected = narratedVideoSeconds(metadata.segments.map((s) => s.durationSeconds));
    expect(metadata.segments.length).toBeGreaterThanOrEqual(3);
    expect(Math.abs(Number(probe.format.duration) - expected)).toBeLessThan(0.5);

    // The signed URL downloads the same bytes.
    const download = await fetch(video.url);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe((await stat(path)).size);
  }

  it("renders a 1080×1920 short, then reuses every cached card for an identical second job", async () => {
    const first = await makeVideo("short");
    await checkVideo(first, { width: 1080, height: 1920 });

    const cacheAfterFirst = await cacheSnapshot(stack.storageDir);
    expect(cacheAfterFirst.size).toBeGreaterThanOrEqual(4);
    const second = await makeVideo("short");
    await checkVideo(second, { width: 1080, height: 1920 });
    // Same cards: no new cache object was written, none was rewritten.
    expect(await cacheSnapshot(stack.storageDir)).toEqual(cacheAfterFirst);
    // Temp narration and images are gone once the jobs end.
    expect(await readdir(join(stack.storageDir, "audio/temp")).catch(() => [])).toEqual([]);

    // One trace per job, across gateway → imagegen → renderer.
    const servicesInJobTrace = (all: CollectedSpan[]) => {
      const jobSpan = all.find((s) => s.name === "video.job" && s.attributes["video.id"] === first.id);
      return new Set(all.filter((s) => s.traceId === jobSpan?.traceId).map((s) => s.serviceName));
    };
    const spans = await collector.waitForSpans((all) => servicesInJobTrace(all).size === 3, 30_000);
    expect(servicesInJobTrace(spans)).toEqual(new Set(["gateway", "imagegen", "renderer"]));
  }, 600_000);

  it("renders a 1920×1080 standard video", async () => {
    await checkVideo(await makeVideo("standard"), { width: 1920, height: 1080 });
  }, 300_000);
});
