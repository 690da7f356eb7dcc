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

const LOCK_DURATION_MS = 1500;
const STALLED_INTERVAL_MS = 200;

/**
 * A chunk worker killed (SIGKILL) in the middle of a part: the parts it had finished stay done,
 * BullMQ finds the killed part stalled once its lock lapses and another worker renders it, and
 * the video completes with every other part rendered exactly once.
 */
describe("a chunk worker that dies mid-part", { timeout: 150_000 }, () => {
  let h: Harness;
  let chunks: ChunkQueue;
  let videoWorker: VideoWorker | undefined;
  let survivor: ChunkWorker | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    h = await startHarness({ runWorker: false, env: { JOB_BACKOFF_MS: "50" } });
    chunks = createChunkQueue({ connection: h.redis, videoQueueName: h.config.QUEUE_NAME, attempts: 2, backoffMs: 50 });
    videoWorker = await startExtraWorker(h, { chunks, chunkPolicy: chunkPolicyFromConfig(h.config) });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await survivor?.close();
    await videoWorker?.close();
    await chunks?.queue.close();
    await h?.close();
  });

  it("re-renders only the part that was running; the finished parts stay done", async () => {
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
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
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

    const response = await h.call("POST", "/v1/videos", { ...textStory("Killed mid-chunk"), render: { chunks: 3 } });
    const { id } = (await response.json()) as { id: string };
    const stored = async () =>
      (await readdir(path.join(h.storageDir, "videos", "temp", id), { recursive: true }).catch(() => [])).filter(
        (name) => name.endsWith(".ts") || name.endsWith(".m4a"),
      ).length;
    // Three parts done (audio + two chunks), the fourth rendering in the worker we kill.
    await expect.poll(stored, { timeout: 60_000 }).toBe(3);
    expect(h.renderer.partCalls).toHaveLength(4);
    child.kill("SIGKILL");
    await once(child, "exit");

    survivor = await createChunkWorker({
      redis: h.redis,
      videoQueueName: h.config.QUEUE_NAME,
      concurrency: 1,
      jobs: h.jobs,
      events: h.events,
      store: h.store,
      renderer: createRendererClient({ baseUrl: h.renderer.url, token: h.config.INTERNAL_TOKEN }),
      logger: silentLogger(),
      stalledJobs: { lockDuration: LOCK_DURATION_MS, stalledInterval: STALLED_INTERVAL_MS },
    });
    const job = await h.waitForStatus<{ status: string; error?: unknown }>(id, ["succeeded", "failed"], 100_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const counts = new Map<string, number>();
    for (const call of h.renderer.partCalls) counts.set(call, (counts.get(call) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([1, 1, 1, 2]);
    expect(h.renderer.joins).toHaveLength(1);
  });
});
