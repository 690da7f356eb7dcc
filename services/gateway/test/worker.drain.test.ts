import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startExtraWorker, startHarness, textStory } from "./harness.ts";

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
        // Source and script run first (the script asks the renderer for its voices): on a busy machine, > 1 s.
        { timeout: 10_000 },
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
    const next = await startExtraWorker(h);
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
