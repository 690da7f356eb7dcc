import { createImagegenClient, createRendererClient } from "@video-service/http-client";
import { silentLogger } from "@video-service/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookSender } from "../src/pipeline/webhook.ts";
import { defaultStorySources } from "../src/sources/index.ts";
import { createWorker } from "../src/worker.ts";
import { type Harness, startHarness, textStory } from "./harness.ts";

interface JobBody {
  status: string;
  stages: Record<string, { status: string; attempts: number }>;
}

describe("worker shutdown", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lets the running stage finish, puts the job back on the queue, and another worker resumes it", async () => {
    h.renderer.behaviour.speechDelayMs = 400;
    const created = (await (await h.call("POST", "/v1/videos", textStory("Drained"))).json()) as { id: string };
    await expect
      .poll(
        async () =>
          ((await (await h.call("GET", `/v1/videos/${created.id}`)).json()) as JobBody).stages.narration?.status,
      )
      .toBe("running");

    await h.worker?.close();
    const parked = (await (await h.call("GET", `/v1/videos/${created.id}`)).json()) as JobBody;
    // Narration finished; nothing later started; the job waits in the queue, not "running".
    expect(parked.stages.narration?.status).toBe("succeeded");
    expect(parked.stages.visuals?.status).toBe("pending");
    expect(parked.status).toBe("queued");

    h.renderer.behaviour.speechDelayMs = 0;
    const speechCalls = h.renderer.calls.speech;
    const logger = silentLogger();
    const token = h.config.INTERNAL_TOKEN;
    const next = await createWorker({
      redis: h.redis,
      queueName: h.config.QUEUE_NAME,
      concurrency: 1,
      failedRetentionSeconds: 60,
      jobs: h.jobs,
      events: h.events,
      store: h.store,
      imagegen: createImagegenClient({ baseUrl: h.imagegen.url, token }),
      renderer: createRendererClient({ baseUrl: h.renderer.url, token }),
      sources: defaultStorySources,
      webhooks: createWebhookSender({ secret: undefined, timeoutMs: 1000, logger }),
      logger,
      signedUrlTtlSeconds: 60,
    });
    try {
      const done = await h.waitForStatus<JobBody>(created.id, ["succeeded", "failed"]);
      expect(done.status).toBe("succeeded");
      expect(done.stages.narration?.attempts).toBe(1);
      expect(h.renderer.calls.speech).toBe(speechCalls);
    } finally {
      await next.close();
    }
  });
});
