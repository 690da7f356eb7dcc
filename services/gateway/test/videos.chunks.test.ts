import { readdir } from "node:fs/promises";
import path from "node:path";
import type { RenderJoinRequest } from "@video-service/contracts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMediaLibrary } from "../src/media/media-library.store.ts";
import { progressAtStart, STAGE_WEIGHTS } from "../src/pipeline/progress.ts";
import { chunkCount } from "../src/pipeline/stages/render-chunks.stage.ts";
import { type Harness, startHarness, textStory } from "./harness.ts";
import { readSseEvents } from "./sse.ts";

interface JobBody {
  id: string;
  status: string;
  stage: string | null;
  error?: { stage: string | null; title: string; detail: string; retryable: boolean };
  stages: Record<string, { status: string; attempts: number }>;
}

/**
 * Chunked rendering through the real gateway wiring (video queue + chunks queue on a private
 * Redis, the real renderer client) against the protocol fake of the renderer's part and join
 * routes. The parts really are separate BullMQ jobs, children of the video's job.
 */
// Generous: every step is a BullMQ hand-over between queues, slow on a busy 2-core machine.
describe("chunked rendering (BullMQ flow: the video job waits for its part jobs)", { timeout: 150_000 }, () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { CHUNK_WORKER_CONCURRENCY: "4", CHUNK_ATTEMPTS: "2", JOB_BACKOFF_MS: "50" } });
  });
  beforeEach(() => {
    h.renderer.behaviour.hangPart = () => false;
    h.renderer.behaviour.failPart = () => false;
    h.renderer.behaviour.partProgress = () => [];
    h.renderer.behaviour.holdPart = () => Promise.resolve();
    h.renderer.partCalls.length = 0;
    h.renderer.joins.length = 0;
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = async (chunks: number, title: string) => {
    const response = await h.call("POST", "/v1/videos", { ...textStory(title), render: { chunks } });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const tempParts = async (id: string) =>
    readdir(path.join(h.storageDir, "videos", "temp", id), { recursive: true }).catch(() => []);

  it("renders 3 video chunks and the audio as separate jobs, then joins them in order", async () => {
    const renders = h.renderer.calls.render;
    const id = await create(3, "Chunked three ways");
    const job = await h.waitForStatus<JobBody>(id, ["succeeded", "failed"], 100_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(h.renderer.calls.render).toBe(renders);
    expect(h.renderer.partCalls.filter((call) => call === "audio")).toHaveLength(1);
    const videoParts = h.renderer.partCalls.filter((call) => call.startsWith("video:"));
    expect(videoParts).toHaveLength(3);
    expect(h.renderer.joins).toHaveLength(1);
    const join = h.renderer.joins[0] as RenderJoinRequest;
    expect(join.outputKey).toBe(`videos/short/${id}.mp4`);
    let next = 0;
    for (const chunk of join.chunks) {
      expect(chunk.frames.start).toBe(next);
      next += chunk.frames.count;
    }
    expect(new Set(join.chunks.map((chunk) => `video:${chunk.frames.start}+${chunk.frames.count}`))).toEqual(
      new Set(videoParts),
    );
    // The parts were temp objects: gone once the job succeeded.
    expect(await tempParts(id)).toEqual([]);
  });

  it("the job's render progress moves with its parts (GET and SSE), then reaches 1", async () => {
    const release = Promise.withResolvers<void>();
    // Every video chunk reports a quarter, then half of its frames, and waits; the audio finishes.
    h.renderer.behaviour.partProgress = (part) => (part.type === "video" ? [0.25, 0.5] : []);
    h.renderer.behaviour.holdPart = (part) => (part.type === "video" ? release.promise : Promise.resolve());
    const id = await create(3, "Progress while chunking");
    const stream = h.call("GET", `/v1/videos/${id}/events`).then(readSseEvents);
    const renderStart = progressAtStart("render");
    const renderWeight = STAGE_WEIGHTS.render;
    // Three chunks half done and the audio done: about half of the render stage, not its start.
    await expect
      .poll(
        async () => {
          const job = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as JobBody & { progress: number };
          return job.stage === "render" && job.progress > renderStart + 0.4 * renderWeight;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBe(true);
    await expect.poll(() => h.renderer.partCalls.length, { timeout: 30_000 }).toBe(4);
    const held = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as JobBody & { progress: number };
    expect(held.status).toBe("running");
    expect(held.progress).toBeLessThan(renderStart + 0.6 * renderWeight);
    release.resolve();
    const job = await h.waitForStatus<JobBody & { progress: number }>(id, ["succeeded", "failed"], 100_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.progress).toBe(1);
    // The SSE stream carried the render's progress as the parts reported it, moving forward only.
    const progress = (await stream)
      .filter((event) => event.event === "progress")
      .map((event) => JSON.parse(event.data) as { progress: number; stage: string | null })
      .filter((event) => event.stage === "render")
      .map((event) => event.progress);
    const whileParts = progress.filter((value) => value > renderStart && value < renderStart + 0.9 * renderWeight);
    expect(new Set(whileParts).size).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("a video over a library background video renders in chunks too, each part with the background", async () => {
    const key = "media/background-video/waves/v1/portrait.mp4";
    await h.store.put(key, Buffer.alloc(64, 1));
    await createMediaLibrary(h.store).save({
      kind: "background-video",
      name: "waves",
      credit: "CC BY 4.0, Test Films",
      durationSeconds: 120,
      uploadBytes: 64,
      sizeBytes: 64,
      version: "v1",
      createdAt: new Date().toISOString(),
      files: [{ variant: "portrait", key, bytes: 64 }],
      source: { formatName: "mov,mp4,m4a,3gp,3g2,mj2", codec: "h264", width: 160, height: 96 },
    });
    const renders = h.renderer.calls.render;
    const response = await h.call("POST", "/v1/videos", {
      ...textStory("Chunks over waves"),
      style: { background: "waves" },
      render: { chunks: 3 },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const job = await h.waitForStatus<JobBody>(id, ["succeeded", "failed"], 100_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(h.renderer.calls.render).toBe(renders);
    expect(h.renderer.partCalls.filter((call) => call.startsWith("video:"))).toHaveLength(3);
    expect(h.renderer.lastPart?.background).toMatchObject({ kind: "video", key });
    expect(h.renderer.joins).toHaveLength(1);
  });

  it("a short without render.chunks renders in one piece", async () => {
    const renders = h.renderer.calls.render;
    const id = await h.call("POST", "/v1/videos", textStory("One piece"));
    const job = await h.waitForStatus<JobBody>(((await id.json()) as { id: string }).id, ["succeeded", "failed"]);
    expect(job.status).toBe("succeeded");
    expect(h.renderer.calls.render).toBe(renders + 1);
    expect(h.renderer.partCalls).toEqual([]);
  });

  it("a chunk that fails is retried alone", async () => {
    let failed = false;
    h.renderer.behaviour.failPart = (part) => {
      if (failed || part.type !== "video" || part.frames.start === 0) return false;
      failed = true;
      return true;
    };
    const id = await create(3, "One chunk fails once");
    const job = await h.waitForStatus<JobBody>(id, ["succeeded", "failed"], 100_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const counts = new Map<string, number>();
    for (const call of h.renderer.partCalls) counts.set(call, (counts.get(call) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([1, 1, 1, 2]);
    expect(h.renderer.joins).toHaveLength(1);
  });

  it("a chunk that fails every attempt fails the job; the retry renders only that chunk", async () => {
    let doomed: number | undefined;
    h.renderer.behaviour.failPart = (part) => {
      if (part.type !== "video" || part.frames.start === 0) return false;
      doomed ??= part.frames.start;
      return part.frames.start === doomed;
    };
    const id = await create(3, "One chunk keeps failing");
    const failed = await h.waitForStatus<JobBody>(id, ["succeeded", "failed"], 100_000);
    expect(failed.status).toBe("failed");
    expect(failed.error?.stage).toBe("render");
    expect(failed.error?.detail).toMatch(/1 part\(s\) of the chunked render failed \(chunk-\d\)/);
    expect(h.renderer.joins).toHaveLength(0);
    // CHUNK_ATTEMPTS=2: the doomed chunk twice, every other part once.
    expect(h.renderer.partCalls.filter((call) => call.startsWith(`video:${doomed}+`))).toHaveLength(2);
    expect(h.renderer.partCalls).toHaveLength(5);

    h.renderer.behaviour.failPart = () => false;
    h.renderer.behaviour.partProgress = () => [];
    h.renderer.behaviour.holdPart = () => Promise.resolve();
    h.renderer.partCalls.length = 0;
    expect((await h.call("POST", `/v1/videos/${id}/retry`)).status).toBe(202);
    const retried = await h.waitForStatus<JobBody>(id, ["succeeded", "failed"], 100_000);
    expect(retried.status, JSON.stringify(retried.error)).toBe("succeeded");
    // The finished parts were kept: only the missing chunk is rendered again.
    expect(h.renderer.partCalls).toHaveLength(1);
    expect(h.renderer.partCalls[0]).toMatch(new RegExp(`^video:${doomed}\\+`));
    expect(h.renderer.joins).toHaveLength(1);
  });

  it("cancelling the job stops every running chunk, and no join follows", async () => {
    h.renderer.behaviour.hangPart = () => true;
    const disconnects = h.renderer.partDisconnects;
    const id = await create(3, "Cancelled while chunking");
    await expect.poll(() => h.renderer.partCalls.length, { timeout: 60_000 }).toBe(4);
    expect((await h.call("DELETE", `/v1/videos/${id}`)).status).toBeLessThan(300);
    await expect.poll(() => h.renderer.partDisconnects - disconnects, { timeout: 30_000 }).toBe(4);
    const job = await h.waitForStatus<JobBody>(id, ["cancelled"], 100_000);
    expect(job.status).toBe("cancelled");
    // The video job resumes once its parts have stopped, and removes the job's temp objects.
    await expect.poll(() => tempParts(id), { timeout: 30_000 }).toEqual([]);
    expect(h.renderer.partCalls).toHaveLength(4);
    expect(h.renderer.joins).toHaveLength(0);
  });
});

describe("chunkCount: when chunking pays", () => {
  const policy = { chunks: "auto" as const, minVideoSeconds: 240, chunkSeconds: 60 };
  it("auto: one piece for short videos or a single render slot, else one chunk a minute up to capacity", () => {
    expect(chunkCount({ videoSeconds: 60, policy, capacity: 8 })).toBe(1);
    expect(chunkCount({ videoSeconds: 600, policy, capacity: 1 })).toBe(1);
    expect(chunkCount({ videoSeconds: 300, policy, capacity: 8 })).toBe(5);
    expect(chunkCount({ videoSeconds: 900, policy, capacity: 8 })).toBe(8);
    expect(chunkCount({ videoSeconds: 900, policy, capacity: 4 })).toBe(4);
  });
  it("the configuration and the job override it", () => {
    expect(chunkCount({ videoSeconds: 60, policy: { ...policy, chunks: 3 }, capacity: 8 })).toBe(3);
    expect(chunkCount({ videoSeconds: 900, policy: { ...policy, chunks: 1 }, capacity: 8 })).toBe(1);
    expect(chunkCount({ videoSeconds: 900, policy, capacity: 8, requested: 2 })).toBe(2);
    expect(chunkCount({ videoSeconds: 30, policy, capacity: 8, requested: 4 })).toBe(4);
  });
});
