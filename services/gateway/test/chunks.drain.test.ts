import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChunkLossScene, startChunkLossScene } from "./chunk-worker-loss.ts";

/**
 * A chunk worker told to stop (SIGTERM) in the middle of a part: past its drain grace it aborts the
 * part (the renderer sees the disconnect and stops), puts the part job back on the queue WITHOUT
 * spending an attempt, and exits instead of waiting for the render. Each part has ONE attempt
 * here, so a spent attempt would fail the part for good; another worker renders it and the video
 * completes.
 */
describe("a chunk worker that is stopped mid-part", { timeout: 150_000 }, () => {
  let scene: ChunkLossScene;

  beforeAll(async () => {
    scene = await startChunkLossScene({
      attempts: 1,
      // BullMQ's defaults: a lapsed lock is not what brings the part back here.
      worker: { lockDuration: 30_000, stalledInterval: 30_000, drainGraceMs: 200 },
    });
  });
  afterAll(async () => {
    await scene?.close();
  });

  it("hands the running part back to the queue and exits; the part is rendered elsewhere", async () => {
    const { h, chunks, child } = scene;
    const id = await scene.createVideo("Stopped mid-chunk");
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

    await scene.startSurvivor();
    await scene.expectFinishedWithOnePartRetried(id);
  });
});
