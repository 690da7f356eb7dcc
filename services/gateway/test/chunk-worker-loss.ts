/**
 * The scene both chunk-worker loss tests share: a harness without a worker of its own, a video
 * worker planning chunks, and a chunk worker in a process of its own that gets a part which never
 * ends (the fake renderer hangs the first video part that does not start at frame 0). What the
 * tests then do to that process — SIGKILL or SIGTERM — is theirs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { expect } from "vitest";
import {
  type ChunkQueue,
  type ChunkWorker,
  type ChunkWorkerDeps,
  createChunkQueue,
  createChunkWorker,
} from "../src/chunk.worker.ts";
import type { VideoWorker } from "../src/video.worker.ts";
import { chunkPolicyFromConfig } from "../src/wiring.ts";
import type { ChunkWorkerProcessOptions } from "./chunk-worker-process.ts";
import { type Harness, startExtraWorker, startHarness, textStory } from "./harness.ts";

export interface ChunkLossScene {
  h: Harness;
  chunks: ChunkQueue;
  /** The chunk worker process, holding the hung part once `createVideo` has returned. */
  child: ChildProcess;
  /** Creates a 3-chunk video and waits until three parts are stored and the fourth is rendering in `child`. */
  createVideo(title: string): Promise<string>;
  /** A chunk worker in this process that finishes what is left. */
  startSurvivor(stalledJobs?: ChunkWorkerDeps["stalledJobs"]): Promise<void>;
  /** The video succeeded with one join and every part rendered once, but the lost one twice. */
  expectFinishedWithOnePartRetried(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startChunkLossScene(options: {
  /** Attempts per part. */
  attempts: number;
  /** The process's worker settings beyond the harness's addresses. */
  worker: Pick<ChunkWorkerProcessOptions, "lockDuration" | "stalledInterval" | "drainGraceMs">;
}): Promise<ChunkLossScene> {
  const h = await startHarness({ runWorker: false, env: { JOB_BACKOFF_MS: "50" } });
  const chunks = createChunkQueue({
    connection: h.redis,
    videoQueueName: h.config.QUEUE_NAME,
    attempts: options.attempts,
    backoffMs: 50,
  });
  let videoWorker: VideoWorker | undefined;
  let survivor: ChunkWorker | undefined;
  let child: ChildProcess | undefined;
  const close = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await survivor?.close();
    await videoWorker?.close();
    await chunks.queue.close();
    await h.close();
  };
  try {
    videoWorker = await startExtraWorker(h, { chunks, chunkPolicy: chunkPolicyFromConfig(h.config) });
    let hung = false;
    h.renderer.behaviour.hangPart = (part) => {
      if (hung || part.type !== "video" || part.frames.start === 0) return false;
      hung = true;
      return true;
    };
    const processOptions: ChunkWorkerProcessOptions = {
      redisUrl: h.config.REDIS_URL,
      queueName: h.config.QUEUE_NAME,
      storageDir: h.storageDir,
      signingSecret: h.config.STORAGE_SIGNING_SECRET ?? "",
      publicBaseUrl: h.config.PUBLIC_BASE_URL,
      rendererUrl: h.renderer.url,
      internalToken: h.config.INTERNAL_TOKEN,
      concurrency: 4,
      ...options.worker,
    };
    child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "chunk-worker-process.ts"), JSON.stringify(processOptions)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const [ready] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    expect(ready.toString()).toContain("ready");
  } catch (error) {
    await close();
    throw error;
  }
  const spawned = child;

  return {
    h,
    chunks,
    child: spawned,
    async createVideo(title) {
      const response = await h.call("POST", "/v1/videos", { ...textStory(title), render: { chunks: 3 } });
      const { id } = (await response.json()) as { id: string };
      const stored = async () =>
        (await readdir(path.join(h.storageDir, "videos", "temp", id), { recursive: true }).catch(() => [])).filter(
          (name) => name.endsWith(".ts") || name.endsWith(".m4a"),
        ).length;
      // Three parts done (audio + two chunks), the fourth rendering in the process.
      await expect.poll(stored, { timeout: 60_000 }).toBe(3);
      expect(h.renderer.partCalls).toHaveLength(4);
      return id;
    },
    async startSurvivor(stalledJobs) {
      survivor = await createChunkWorker({
        redis: h.redis,
        videoQueueName: h.config.QUEUE_NAME,
        concurrency: 1,
        jobs: h.jobs,
        events: h.events,
        store: h.store,
        renderer: createRendererClient({ baseUrl: h.renderer.url, token: h.config.INTERNAL_TOKEN }),
        logger: silentLogger(),
        ...(stalledJobs ? { stalledJobs } : {}),
      });
    },
    async expectFinishedWithOnePartRetried(id) {
      const job = await h.waitForStatus<{ status: string; error?: unknown }>(id, ["succeeded", "failed"], 100_000);
      expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
      const counts = new Map<string, number>();
      for (const call of h.renderer.partCalls) counts.set(call, (counts.get(call) ?? 0) + 1);
      expect([...counts.values()].sort()).toEqual([1, 1, 1, 2]);
      expect(h.renderer.joins).toHaveLength(1);
    },
    close,
  };
}
