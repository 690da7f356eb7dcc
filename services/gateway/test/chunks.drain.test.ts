import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChunkQueue, type ChunkWorker, createChunkQueue, createChunkWorker } from "../src/chunk.worker.ts";
import type { VideoWorker } from "../src/video.worker.ts";
import { chunkPolicyFromConfig } from "../src/wiring.ts";
import type { ChunkWorkerProcessOptions } from "./chunk-worker-process.ts";
import { type Harness, startExtraWorker, startHarness, textStory } from "./harness.ts";

/**
 * A chunk worker told to stop (SIGTERM) in the middle of a part: past its drain grace it aborts the
 * part (the renderer sees the disconnect and stops), puts the part job back on the queue WITHOUT
 * spending an attempt, and exits instead of waiting for the render. Each part has ONE attempt
 * here, so a spent attempt would fail the part for good; another worker renders it and the video
 * completes.
 */
describe("a chunk worker that is stopped mid-part", { timeout: 150_000 }, () => {
  let h: Harness;
  let chunks: ChunkQueue;
  let videoWorker: VideoWorker | undefined;
  let survivor: ChunkWorker | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    h = await startHarness({ runWorker: false, env: { JOB_BACKOFF_MS: "50" } });
    chunks = createChunkQueue({ connection: h.redis, videoQueueName: h.config.QUEUE_NAME, attempts: 1, backoffMs: 50 });
    videoWorker = await startExtraWorker(h, { chunks, chunkPolicy: chunkPolicyFromConfig(h.config) });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await survivor?.close();
    await videoWorker?.close();
    await chunks?.queue.close();
    await h?.close();
  });

  it("hands the running part back to the queue and exits; the part is rendered elsewhere", async () => {
    let hung = false;
    h.renderer.behaviour.hangPart = (part) => {
      if (hung || part.type !== "video" || part.frames.start === 0) return false;
      hung = true;
      return true;
    };
    const options: ChunkWorkerProcessOptions = {
      redisUrl: h.config.REDIS_URL,
      queueName: h.config.QUEUE_NAME,
      storageDir: h.storageDir,
      signingSecret: h.config.STORAGE_SIGNING_SECRET ?? "",
      publicBaseUrl: h.config.PUBLIC_BASE_URL,
      rendererUrl: h.renderer.url,
      internalToken: h.config.INTERNAL_TOKEN,
      concurrency: 4,
      // BullMQ's defaults: a lapsed lock is not what brings the part back here.
      lockDuration: 30_000,
      stalledInterval: 30_000,
      drainGraceMs: 200,
    };
    child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "chunk-worker-process.ts"), JSON.stringify(options)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const [ready] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    expect(ready.toString()).toContain("ready");

    const response = await h.call("POST", "/v1/videos", { ...textStory("Stopped mid-chunk"), render: { chunks: 3 } });
    const { id } = (await response.json()) as { id: string };
    const stored = async () =>
      (await readdir(path.join(h.storageDir, "videos", "temp", id), { recursive: true }).catch(() => [])).filter(
        (name) => name.endsWith(".ts") || name.endsWith(".m4a"),
      ).length;
    // Three parts done (audio + two chunks), the fourth rendering in the worker we stop.
    await expect.poll(stored, { timeout: 60_000 }).toBe(3);
    expect(h.renderer.partCalls).toHaveLength(4);
    const disconnects = h.renderer.partDisconnects;

    const exited = once(child, "exit");
    child.kill("SIGTERM");
    // The render would never end on its own: the process exits because it stopped the part.
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(h.renderer.partDisconnects).toBe(disconnects + 1);
    // Back on the queue, its one attempt unspent, before any other worker exists.
    const back = await chunks.queue.getJobs(["waiting", "delayed", "prioritized"]);
    expect(back).toHaveLength(1);
    expect(back[0]?.attemptsMade).toBe(0);
    expect((await h.call("GET", `/v1/videos/${id}`)).status).toBe(200);

    survivor = await createChunkWorker({
      redis: h.redis,
      videoQueueName: h.config.QUEUE_NAME,
      concurrency: 1,
      jobs: h.jobs,
      events: h.events,
      store: h.store,
      renderer: createRendererClient({ baseUrl: h.renderer.url, token: h.config.INTERNAL_TOKEN }),
      logger: silentLogger(),
    });
    const job = await h.waitForStatus<{ status: string; error?: unknown }>(id, ["succeeded", "failed"], 100_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const counts = new Map<string, number>();
    for (const call of h.renderer.partCalls) counts.set(call, (counts.get(call) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([1, 1, 1, 2]);
    expect(h.renderer.joins).toHaveLength(1);
  });
});
