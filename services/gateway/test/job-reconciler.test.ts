import { silentLogger } from "@video-service/logger";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueJobId } from "../src/jobs/catalog.ts";
import { createJobReconciler } from "../src/jobs/job-reconciler.ts";
import { type Harness, startHarness, textStory } from "./harness.ts";

describe("reconciling running records with the queue", () => {
  let h: Harness;
  beforeAll(async () => {
    // No worker: the records are put in the states a dead worker leaves behind.
    h = await startHarness({ runWorker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("requeues a running record whose run waits in the queue, and fails one whose run is gone", async () => {
    const create = async (title: string) =>
      ((await (await h.call("POST", "/v1/videos", textStory(title))).json()) as { id: string }).id;
    const waiting = await create("Put back by BullMQ");
    const gone = await create("Its run vanished");
    const healthy = await create("Still queued");
    // A worker marked both running, then died: BullMQ put one back to wait; the other's run was removed.
    for (const id of [waiting, gone])
      expect((await h.jobs.transition({ id, from: ["queued"], to: "running" })).ok).toBe(true);
    const queue = new Queue(h.config.QUEUE_NAME, { connection: { url: h.config.REDIS_URL } });
    try {
      await queue.remove(queueJobId(gone, 1));
    } finally {
      await queue.close();
    }

    const failed: { id: string; detail: string }[] = [];
    const reconciler = createJobReconciler({
      connection: h.redis,
      queueName: h.config.QUEUE_NAME,
      jobs: h.jobs,
      logger: silentLogger(),
      onFailed: async (id, detail) => {
        failed.push({ id, detail });
      },
    });
    try {
      const outcome = await reconciler.reconcile();
      expect(outcome).toEqual({ requeued: [waiting], failed: [gone] });
    } finally {
      await reconciler.close();
    }
    expect((await h.jobs.get(waiting))?.status).toBe("queued");
    expect((await h.jobs.get(healthy))?.status).toBe("queued");
    expect(failed).toEqual([{ id: gone, detail: expect.stringContaining("no longer in the queue") }]);
  });
});
