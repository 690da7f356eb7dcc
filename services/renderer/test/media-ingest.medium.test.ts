import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { MediaIngestResponse } from "@video-service/contracts";
import { createRendererClient } from "@video-service/http-client";
import type { ObjectStore } from "@video-service/object-store";
import { withTimeout } from "@video-service/retry";
import { listen } from "@video-service/shutdown";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../src/ffmpeg/probe.ts";
import { AUTH, ffmpegChildren, makeStill, ndjsonLines, TEST_TOKEN } from "./support/fixtures.ts";
import { makeClip, makeTrack, tinyRendererApp, truncatedCopy } from "./support/media-fixtures.ts";

let root: string;
let store: ObjectStore;
let app: Hono;
let fixtures: string;

async function stage(key: string, file: string): Promise<void> {
  const target = store.localPath(key) as string;
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(file, target);
}

function ingest(body: unknown) {
  return app.request("/v1/media/ingest", { method: "POST", headers: AUTH, body: JSON.stringify(body) });
}

/**
 * What an ingest came to: refused before streaming (a problem+json status), or the stream's last
 * line (`done` with the result, or `error` with its problem).
 */
async function outcome(
  response: Response,
): Promise<{ status: number; detail?: string; result?: MediaIngestResponse; contentType: string | null }> {
  const contentType = response.headers.get("content-type");
  if (response.status !== 200) {
    return { status: response.status, contentType, detail: ((await response.json()) as { detail: string }).detail };
  }
  const last = ndjsonLines(await response.text()).at(-1) as
    | { type: "done"; result: MediaIngestResponse }
    | { type: "error"; problem: { status: number; detail: string } };
  return last.type === "done"
    ? { status: 200, contentType, result: last.result }
    : { status: last.problem.status, contentType: "application/problem+json", detail: last.problem.detail };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "renderer-media-"));
  fixtures = path.join(root, "fixtures");
  await mkdir(fixtures);
  ({ store, app } = await tinyRendererApp(root));
  await makeClip(path.join(fixtures, "clip.mp4"), { seconds: 2 });
  await makeClip(path.join(fixtures, "clip-fast.mp4"), { seconds: 3, faststart: true });
  await makeTrack(path.join(fixtures, "track.mp3"), 2);
  await makeStill(path.join(fixtures, "still.png"), { width: 200, height: 120, source: "mandelbrot" });
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("POST /v1/media/ingest", () => {
  it("normalises a real clip into each canvas: 30 fps, no audio, a keyframe every 30 frames", async () => {
    await stage("media/uploads/clip", path.join(fixtures, "clip.mp4"));
    const response = await ingest({
      kind: "background-video",
      sourceKey: "media/uploads/clip",
      targetPrefix: "media/background-video/clip/v1/",
    });
    const { status, result } = await outcome(response);
    expect(status).toBe(200);
    const body = result as MediaIngestResponse;
    expect(body.durationSeconds).toBeCloseTo(2, 1);
    expect(body.source).toMatchObject({ formatName: expect.stringContaining("mp4"), codec: "h264" });
    expect(body.files.map((file) => file.variant).sort()).toEqual(["landscape", "portrait"]);
    const portrait = store.localPath("media/background-video/clip/v1/portrait.mp4") as string;
    const media = await probe(portrait);
    expect(media.video).toMatchObject({ codec: "h264", width: 180, height: 320, pixelFormat: "yuv420p", fps: 30 });
    expect(media.audio).toBeNull();
    expect(media.durationSeconds).toBeCloseTo(2, 1);
    const landscape = await probe(store.localPath("media/background-video/clip/v1/landscape.mp4") as string);
    expect(landscape.video).toMatchObject({ width: 320, height: 180 });
    // Keyframes at 0, 1 s: what makes a seek to any whole second exact and cheap.
    const { execFile } = await import("node:child_process");
    const keyframes = await new Promise<string>((resolve, reject) =>
      execFile(
        "ffprobe",
        [
          "-v",
          "error",
          "-skip_frame",
          "nokey",
          "-select_streams",
          "v:0",
          "-show_entries",
          "frame=pts_time",
          "-of",
          "csv=p=0",
          portrait,
        ],
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const times = keyframes
      .split("\n")
      .filter((line) => /^\d/.test(line))
      .map((line) => Number.parseFloat(line));
    expect(times).toEqual([0, 1]);
  });

  it("normalises music to AAC 48 kHz stereo and an image to PNG at each canvas", async () => {
    await stage("media/uploads/track", path.join(fixtures, "track.mp3"));
    const music = await ingest({ kind: "music", sourceKey: "media/uploads/track", targetPrefix: "media/music/t/v1/" });
    expect((await outcome(music)).status).toBe(200);
    const track = await probe(store.localPath("media/music/t/v1/music.m4a") as string);
    expect(track.audio).toEqual({ codec: "aac", sampleRate: 48_000, channels: 2 });

    await stage("media/uploads/still", path.join(fixtures, "still.png"));
    const image = await ingest({
      kind: "background-image",
      sourceKey: "media/uploads/still",
      targetPrefix: "media/background-image/s/v1/",
    });
    expect((await outcome(image)).status).toBe(200);
    const png = await probe(store.localPath("media/background-image/s/v1/portrait.png") as string);
    expect(png.video).toMatchObject({ codec: "png", width: 180, height: 320 });
  });

  const refusals: [string, string, () => Promise<string>, RegExp][] = [
    [
      "not a video (text)",
      "background-video",
      async () => {
        const file = path.join(fixtures, "notes.txt");
        await writeFile(file, "this is not a video\n".repeat(100));
        return file;
      },
      /not a readable background-video/,
    ],
    [
      "a truncated clip (index first, data cut)",
      "background-video",
      () => truncatedCopy(path.join(fixtures, "clip-fast.mp4"), path.join(fixtures, "truncated.mp4"), 0.4),
      /truncated or damaged/,
    ],
    [
      "a truncated clip (index last: unreadable)",
      "background-video",
      () => truncatedCopy(path.join(fixtures, "clip.mp4"), path.join(fixtures, "cut.mp4"), 0.5),
      /not a readable background-video/,
    ],
    [
      "the wrong kind (audio as a background video)",
      "background-video",
      async () => path.join(fixtures, "track.mp3"),
      /not a readable background-video/,
    ],
    [
      "the wrong kind (a video without sound as music)",
      "music",
      async () => {
        const file = path.join(fixtures, "silent.mp4");
        await makeClip(file, { seconds: 2, audio: false });
        return file;
      },
      /no audio stream/,
    ],
    [
      "a playlist that points at other files",
      "background-video",
      async () => {
        const file = path.join(fixtures, "list.m3u8");
        await writeFile(
          file,
          `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${path.join(fixtures, "clip.mp4")}\n#EXT-X-ENDLIST\n`,
        );
        return file;
      },
      /not a readable background-video/,
    ],
    [
      "an ffconcat list",
      "background-video",
      async () => {
        const file = path.join(fixtures, "list.txt");
        await writeFile(file, `ffconcat version 1.0\nfile '${path.join(fixtures, "clip.mp4")}'\n`);
        return file;
      },
      /not a readable background-video/,
    ],
    [
      "a clip shorter than a second",
      "background-video",
      async () => {
        const file = path.join(fixtures, "blink.mp4");
        await makeClip(file, { seconds: 0.5 });
        return file;
      },
      /must last 1 to/,
    ],
  ];

  it.each(refusals)("refuses %s with a 422 that says why, and stores nothing", async (label, kind, make, detail) => {
    const id = label.replace(/[^a-z]+/g, "-");
    await stage(`media/uploads/${id}`, await make());
    const prefix = `media/${kind}/${id}/v1/`;
    const result = await outcome(await ingest({ kind, sourceKey: `media/uploads/${id}`, targetPrefix: prefix }));
    expect(result.status).toBe(422);
    expect(result.contentType).toContain("application/problem+json");
    expect(result.detail).toMatch(detail);
    expect(await store.list(prefix)).toEqual([]);
    // The upload stays for the caller (the gateway) to delete.
    expect(await store.head(`media/uploads/${id}`)).toBeDefined();
  });

  it("stops FFmpeg and stores nothing when the caller goes away mid-ingest", async () => {
    const clip = path.join(fixtures, "long.mp4");
    await makeClip(clip, { seconds: 8, width: 192, height: 108 });
    await stage("media/uploads/long", clip);
    const server = await listen(app, { port: 0, hostname: "127.0.0.1" });
    try {
      const controller = new AbortController();
      const response = await fetch(`${server.url}/v1/media/ingest`, {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({
          kind: "background-video",
          sourceKey: "media/uploads/long",
          targetPrefix: "media/background-video/long/v1/",
        }),
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // the first progress line: FFmpeg is running
      expect((await ffmpegChildren()).length).toBe(1);
      controller.abort();
      const deadline = Date.now() + 10_000;
      while ((await ffmpegChildren()).length > 0 && Date.now() < deadline) await sleep(50);
      expect(await ffmpegChildren()).toEqual([]);
      await sleep(200);
      expect(await store.list("media/background-video/long/")).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("cancels an ingest its client abandons mid-stream, removes its work dir, and closes the server at once", async () => {
    const clip = path.join(fixtures, "abandoned.mp4");
    await makeClip(clip, { seconds: 8, width: 192, height: 108 });
    await stage("media/uploads/abandoned", clip);
    const warnings: string[] = [];
    const server = await listen(app, {
      port: 0,
      hostname: "127.0.0.1",
      logger: { warn: (_obj, msg) => warnings.push(String(msg)) },
    });
    // A client's pool may hold a connection it has sent nothing on: the server must not wait on it.
    const silent = net.connect(server.port, "127.0.0.1");
    try {
      const client = createRendererClient({ baseUrl: server.url, token: TEST_TOKEN, retries: 0 });
      const abandon = new AbortController();
      const ingesting = client.ingestMedia(
        {
          kind: "background-video",
          sourceKey: "media/uploads/abandoned",
          targetPrefix: "media/background-video/a/v1/",
        },
        { signal: abandon.signal },
      );
      const running = Date.now() + 30_000;
      while ((await ffmpegChildren()).length === 0 && Date.now() < running) await sleep(20);
      expect(await ffmpegChildren()).toHaveLength(1);
      abandon.abort(new Error("the caller gave up"));
      await expect(ingesting).rejects.toThrow("the caller gave up");

      await withTimeout(20_000, undefined, "renderer server close", () => server.close());
      expect(warnings).toEqual([]);
      const stopped = Date.now() + 10_000;
      while ((await ffmpegChildren()).length > 0 && Date.now() < stopped) await sleep(50);
      expect(await ffmpegChildren()).toEqual([]);
      const cleaned = Date.now() + 10_000;
      while ((await readdir(path.join(root, "scratch"))).length > 0 && Date.now() < cleaned) await sleep(50);
      expect(await readdir(path.join(root, "scratch"))).toEqual([]);
      expect(await store.list("media/background-video/a/")).toEqual([]);
    } finally {
      silent.destroy();
      await server.close();
    }
  });

  it("refuses a bad request body and an unknown upload key", async () => {
    expect((await ingest({ kind: "video", sourceKey: "x", targetPrefix: "media/x/" })).status).toBe(422);
    expect((await ingest({ kind: "music", sourceKey: "../etc/passwd", targetPrefix: "media/x/" })).status).toBe(422);
    const missing = await ingest({
      kind: "music",
      sourceKey: "media/uploads/nothing",
      targetPrefix: "media/music/n/v/",
    });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { detail: string }).detail).toMatch(/unknown object key/);
  });

  it("stores nothing it was not asked to: the only files are under the prefixes ingested", async () => {
    const keys = (await store.list("media/"))
      .map((object) => object.key)
      .filter((key) => !key.startsWith("media/uploads/"));
    expect(keys.sort()).toEqual([
      "media/background-image/s/v1/landscape.png",
      "media/background-image/s/v1/portrait.png",
      "media/background-video/clip/v1/landscape.mp4",
      "media/background-video/clip/v1/portrait.mp4",
      "media/music/t/v1/music.m4a",
    ]);
    expect((await readFile(store.localPath("media/music/t/v1/music.m4a") as string)).length).toBeGreaterThan(1000);
  });
});
