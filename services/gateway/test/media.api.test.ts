import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@video-service/logger";
import { listen } from "@video-service/shutdown";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp as createRendererApp } from "../../renderer/src/app.ts";
import type { TtsEngine } from "../../renderer/src/speech/tts.ts";
import { makeStill, TINY_FORMATS } from "../../renderer/test/support/fixtures.ts";
import { makeClip, makeTrack, truncatedCopy } from "../../renderer/test/support/media-fixtures.ts";
import { createMediaLibrary } from "../src/media/media-library.store.ts";
import { type Harness, startHarness, textStory } from "./harness.ts";

/** Ingest never speaks. */
const noSpeech: TtsEngine = { name: "espeak", synthesize: () => Promise.reject(new Error("not used")) };

const MAX_BYTES = 400_000;
let h: Harness;
let fixtures: string;

type UploadBody = NonNullable<RequestInit["body"]>;

/** A PUT with a raw body (h.call sends JSON). */
async function put(urlPath: string, body: UploadBody, headers: Record<string, string> = {}): Promise<Response> {
  return h.app.request(urlPath, {
    method: "PUT",
    headers: {
      authorization: "Bearer test-api-key-0123456789",
      "content-type": "application/octet-stream",
      "x-media-credit": "CC BY 4.0, Test Films",
      ...headers,
    },
    body,
    // A stream body needs half duplex.
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

/** Every object under media/: the library and anything an upload left behind. */
async function mediaObjects(): Promise<string[]> {
  return (await h.store.list("media/")).map((object) => object.key).sort();
}

beforeAll(async () => {
  fixtures = await mkdtemp(path.join(os.tmpdir(), "gateway-media-"));
  await mkdir(path.join(fixtures, "scratch"));
  h = await startHarness({
    runWorker: true,
    env: { MEDIA_MAX_BYTES: String(MAX_BYTES), SCRATCH_DIR: path.join(fixtures, "scratch") },
    realRenderer: async ({ store, token }) => {
      const app = createRendererApp({
        store,
        logger: silentLogger(),
        internalToken: token,
        scratchDir: path.join(fixtures, "scratch"),
        renderConcurrency: 1,
        tts: noSpeech,
        formats: TINY_FORMATS,
      });
      return listen(app, { port: 0, hostname: "127.0.0.1" });
    },
  });
  await makeClip(path.join(fixtures, "clip.mp4"), { seconds: 2 });
  await makeClip(path.join(fixtures, "clip-fast.mp4"), { seconds: 3, faststart: true });
  await makeTrack(path.join(fixtures, "track.mp3"), 2);
  await makeStill(path.join(fixtures, "still.png"), { width: 200, height: 120, source: "mandelbrot" });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await rm(fixtures, { recursive: true, force: true });
});

describe("PUT /v1/media/{kind}/{name}", () => {
  it("stores a real clip, normalised, with its credit, and lists it", async () => {
    const response = await put(
      "/v1/media/background-video/test-pattern",
      await readFile(path.join(fixtures, "clip.mp4")),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe("/v1/media/background-video/test-pattern");
    const item = (await response.json()) as Record<string, unknown>;
    expect(item).toMatchObject({
      kind: "background-video",
      name: "test-pattern",
      credit: "CC BY 4.0, Test Films",
      uploadBytes: (await stat(path.join(fixtures, "clip.mp4"))).size,
      variants: ["portrait", "landscape"],
    });
    expect(item.durationSeconds).toBeCloseTo(2, 1);
    expect(item.sizeBytes).toBeGreaterThan(0);

    const list = (await (await h.call("GET", "/v1/media")).json()) as { data: Record<string, unknown>[] };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      kind: "background-video",
      name: "test-pattern",
      credit: "CC BY 4.0, Test Films",
    });
    expect(list.data[0]?.createdAt).toEqual(expect.any(String));
    expect((await h.call("GET", "/v1/media/background-video/test-pattern")).status).toBe(200);
    // The upload itself is gone; the item is its metadata and one version's files.
    const objects = await mediaObjects();
    expect(objects.filter((key) => key.startsWith("media/uploads/"))).toEqual([]);
    expect(objects).toHaveLength(3);
    expect(objects).toContain("media/background-video/test-pattern/meta.json");
  });

  it("stores music (credit in the query) and an image", async () => {
    const music = await put(
      "/v1/media/music/calm?credit=Own%20work%20%E2%80%94%20Ana",
      await readFile(path.join(fixtures, "track.mp3")),
      {
        "x-media-credit": "",
      },
    );
    expect(music.status).toBe(201);
    expect(((await music.json()) as { credit: string }).credit).toBe("Own work — Ana");
    const image = await put("/v1/media/background-image/fractal", await readFile(path.join(fixtures, "still.png")));
    expect(image.status).toBe(201);
  });

  const rejected: [string, string, () => Promise<UploadBody>, number, RegExp][] = [
    [
      "not a video",
      "/v1/media/background-video/notes",
      async () => "just some text\n".repeat(50),
      422,
      /not a readable/,
    ],
    [
      "a truncated file",
      "/v1/media/background-video/cut",
      async () =>
        readFile(await truncatedCopy(path.join(fixtures, "clip-fast.mp4"), path.join(fixtures, "cut.mp4"), 0.4)),
      422,
      /truncated or damaged/,
    ],
    [
      "the wrong kind",
      "/v1/media/background-video/song",
      async () => readFile(path.join(fixtures, "track.mp3")),
      422,
      /not a readable background-video/,
    ],
    [
      "an oversize body (Content-Length)",
      "/v1/media/background-video/big",
      async () => Buffer.alloc(MAX_BYTES + 1),
      413,
      /at most 400000 bytes/,
    ],
    [
      "an oversize body (streamed, no Content-Length)",
      "/v1/media/background-video/big-stream",
      async () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(64 * 1024));
            controller.close();
          },
        }),
      413,
      /at most 400000 bytes/,
    ],
    ["an empty body", "/v1/media/music/nothing", async () => new Uint8Array(0), 422, /empty/],
  ];

  it.each(rejected)(
    "refuses %s with a clear problem and leaves nothing in storage",
    async (_label, urlPath, body, status, detail) => {
      const before = await mediaObjects();
      const response = await put(urlPath, await body());
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(((await response.json()) as { detail: string }).detail).toMatch(detail);
      expect(await mediaObjects()).toEqual(before);
      expect((await h.call("GET", urlPath)).status).toBe(404);
    },
  );

  it.each([
    ["/v1/media/music/..%2Fetc", 422],
    ["/v1/media/music/a%2Fb", 422],
    ["/v1/media/music/Name.With.Dots", 422],
    ["/v1/media/music/random", 422],
    ["/v1/media/videos/clip", 422],
  ])("refuses the path %s before reading the body", async (urlPath, status) => {
    const before = await mediaObjects();
    const response = await put(urlPath, await readFile(path.join(fixtures, "track.mp3")));
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await mediaObjects()).toEqual(before);
  });

  it("is described in the OpenAPI document", async () => {
    const document = (await (await h.app.request("/openapi.json")).json()) as { paths: Record<string, object> };
    expect(Object.keys(document.paths["/v1/media/{kind}/{name}"] ?? {}).sort()).toEqual(["delete", "get", "put"]);
    expect(document.paths["/v1/media"]).toHaveProperty("get");
  });

  it("requires a credit line", async () => {
    const response = await put("/v1/media/music/uncredited", await readFile(path.join(fixtures, "track.mp3")), {
      "x-media-credit": "",
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/X-Media-Credit/);
  });

  it("replaces an item (the old version's files go) and deletes one", async () => {
    const before = (await mediaObjects()).filter((key) => key.startsWith("media/music/calm/"));
    const replaced = await put("/v1/media/music/calm", await readFile(path.join(fixtures, "track.mp3")));
    expect(replaced.status).toBe(200);
    const after = (await mediaObjects()).filter((key) => key.startsWith("media/music/calm/"));
    expect(after).toHaveLength(before.length);
    expect(after.filter((key) => before.includes(key))).toEqual(["media/music/calm/meta.json"]);

    expect((await h.call("DELETE", "/v1/media/background-image/fractal")).status).toBe(204);
    expect((await h.call("GET", "/v1/media/background-image/fractal")).status).toBe(404);
    expect((await h.call("DELETE", "/v1/media/background-image/fractal")).status).toBe(404);
    expect((await mediaObjects()).some((key) => key.startsWith("media/background-image/"))).toBe(false);
  });
});

describe("videos that use the library (the fake renderer)", () => {
  let v: Harness;
  const library = () => createMediaLibrary(v.store);

  beforeAll(async () => {
    v = await startHarness();
    // The library as uploads leave it (the fake renderer never decodes the files).
    const files = async (kind: string, name: string, names: [string, string][]) =>
      Promise.all(
        names.map(async ([variant, file]) => {
          const key = `media/${kind}/${name}/v1/${file}`;
          await v.store.put(key, Buffer.alloc(64, 1));
          return { variant: variant as "portrait", key, bytes: 64 };
        }),
      );
    const base = { uploadBytes: 64, sizeBytes: 128, version: "v1", createdAt: new Date().toISOString() };
    await library().save({
      ...base,
      kind: "background-video",
      name: "test-pattern",
      credit: "CC BY 4.0, Test Films",
      durationSeconds: 120,
      files: await files("background-video", "test-pattern", [
        ["portrait", "portrait.mp4"],
        ["landscape", "landscape.mp4"],
      ]),
      source: { formatName: "mov,mp4,m4a,3gp,3g2,mj2", codec: "h264", width: 160, height: 96 },
    });
    await library().save({
      ...base,
      kind: "music",
      name: "calm",
      credit: "Own work — Ana",
      durationSeconds: 30,
      files: await files("music", "calm", [["audio", "music.m4a"]]),
      source: { formatName: "mp3", codec: "mp3" },
    });
  }, 60_000);

  afterAll(async () => {
    await v?.close();
  });

  it("refuses an unknown background or music name with a 422 before queueing", async () => {
    const background = await v.call("POST", "/v1/videos", { ...textStory(), style: { background: "no-such-clip" } });
    expect(background.status).toBe(422);
    expect(((await background.json()) as { detail: string }).detail).toMatch(/no-such-clip/);
    const music = await v.call("POST", "/v1/videos", { ...textStory(), music: { name: "no-such-song" } });
    expect(music.status).toBe(422);
  });

  it("renders cards drawn transparent over the named clip, music by name ducked, credits in the metadata", async () => {
    const response = await v.call("POST", "/v1/videos", {
      ...textStory(),
      style: { background: "test-pattern", backgroundDim: 0.3 },
      music: { name: "random", volume: 0.3 },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const job = await v.waitForStatus<{
      status: string;
      request: Record<string, unknown>;
      outputs: { metadata: { key: string } };
    }>(id, ["succeeded", "failed"]);
    expect(job.status).toBe("succeeded");
    // "random" became the one track in the library, in the stored request.
    expect(job.request.music).toMatchObject({ name: "calm" });
    expect(v.imagegen.lastCards?.transparent).toBe(true);
    const clip = await library().get("background-video", "test-pattern");
    const track = await library().get("music", "calm");
    const render = v.renderer.lastRender;
    expect(render?.background).toEqual({
      kind: "video",
      key: clip?.files.find((file) => file.variant === "portrait")?.key,
      // A whole second of the 120 s clip, from the job id: the same on a retry.
      startSeconds: expect.any(Number),
      dim: 0.3,
      blur: 0,
    });
    expect(Number.isInteger(render?.background?.startSeconds)).toBe(true);
    expect(render?.music).toEqual({ audioKey: track?.files[0]?.key, volume: 0.3, duck: true });
    expect(render?.scenes.every((scene) => scene.motion === "none")).toBe(true);
    const metadata = JSON.parse((await v.store.get(job.outputs.metadata.key)).toString()) as { creditLines: string[] };
    expect(metadata.creditLines).toEqual([
      "Background: test-pattern (CC BY 4.0, Test Films)",
      "Music: calm (Own work — Ana)",
    ]);
  });

  it("keeps the generated background the default", async () => {
    const plain = await v.call("POST", "/v1/videos", textStory("Plain"));
    const { id } = (await plain.json()) as { id: string };
    expect((await v.waitForStatus<{ status: string }>(id, ["succeeded", "failed"])).status).toBe("succeeded");
    expect(v.imagegen.lastCards?.transparent).toBe(false);
    expect(v.renderer.lastRender?.background).toBeUndefined();
  });
});
