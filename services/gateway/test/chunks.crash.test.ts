import { once } from "node:events";
import { afterAll, beforeAll, describe, it } from "vitest";
import { type ChunkLossScene, startChunkLossScene } from "./chunk-worker-loss.ts";

const LOCK_DURATION_MS = 1500;
const STALLED_INTERVAL_MS = 200;

/**
 * A chunk worker killed (SIGKILL) in the middle of a part: the parts it had finished stay done,
 * BullMQ finds the killed part stalled once its lock lapses and another worker renders it, and
 * the video completes with every other part rendered exactly once.
 */
describe("a chunk worker that dies mid-part", { timeout: 150_000 }, () => {
  let scene: ChunkLossScene;

  beforeAll(async () => {
    scene = await startChunkLossScene({
      attempts: 2,
      worker: { lockDuration: LOCK_DURATION_MS, stalledInterval: STALLED_INTERVAL_MS },
    });
  });
  afterAll(async () => {
    await scene?.close();
  });

  it("re-renders only the part that was running; the finished parts stay done", async () => {
    const id = await scene.createVideo("Killed mid-chunk");
    scene.child.kill("SIGKILL");
    await once(scene.child, "exit");
    await scene.startSurvivor({ lockDuration: LOCK_DURATION_MS, stalledInterval: STALLED_INTERVAL_MS });
    await scene.expectFinishedWithOnePartRetried(id);
  });
});
