import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, TEST_WEBHOOK_SECRET, textStory } from "./harness.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "./webhook-receiver.ts";

interface JobBody {
  id: string;
  status: string;
  stage: string | null;
  error?: { stage: string; title: string; detail: string; retryable: boolean };
  lastError?: { stage: string; title: string; detail: string; retryable: boolean };
  stages: Record<string, { status: string; attempts: number }>;
  outputs?: unknown;
}

describe("video jobs: cancel, failure, retry", () => {
  const deliveriesFor = (id: string) => hook.for(id).map((delivery) => delivery.event.data);
  let h: Harness;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    // Two BullMQ attempts: a transient failure is retried once before the job fails.
    h = await startHarness({
      env: {
        JOB_ATTEMPTS: "2",
        DEPENDENCY_WAIT_MS: "1500",
        DEPENDENCY_BACKOFF_MAX_MS: "100",
        DEPENDENCY_CHECK_INTERVAL_MS: "100",
      },
    });
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await hook?.close();
    await h?.close();
  });

  it("cancelling while rendering aborts the renderer request, ends cancelled and removes temp objects", async () => {
    h.renderer.behaviour.render = "hang";
    const created = (await (
      await h.call("POST", "/v1/videos", { ...textStory("Cancel me"), webhook: { url: hook.url } })
    ).json()) as { id: string };
    await h.renderer.renderStarted();
    expect((await h.store.list(`audio/temp/${created.id}/`)).length).toBeGreaterThan(0);
    const stream = await h.call("GET", `/v1/videos/${created.id}/events`);
    // Long enough for a heartbeat (the harness sends one every 200 ms).
    await sleep(450);

    const cancelled = await h.call("DELETE", `/v1/videos/${created.id}`);
    expect(cancelled.status).toBe(202);
    expect(((await cancelled.json()) as JobBody).status).toBe("cancelled");

    // The worker's abort reaches the renderer as a disconnect (the real renderer kills FFmpeg then).
    await h.renderer.renderDisconnected();
    const job = await h.waitForStatus<JobBody>(created.id, ["cancelled"]);
    expect(job.outputs).toBeUndefined();
    const streamed = await stream.text();
    expect(streamed).toContain(": heartbeat");
    expect(streamed).toMatch(/event: status\ndata: \{"type":"status","status":"cancelled"\}/);
    await expect.poll(() => h.store.list(`audio/temp/${created.id}/`)).toEqual([]);

    // The webhook tells how it ended, signed the Standard Webhooks way with the webhook secret.
    await expect.poll(() => hook.for(created.id).length).toBeGreaterThan(0);
    const [delivery] = hook.for(created.id);
    expect(delivery?.event).toMatchObject({ type: "video.cancelled", data: { id: created.id, status: "cancelled" } });
    expect(verifyStandardWebhook(TEST_WEBHOOK_SECRET, delivery?.headers ?? {}, delivery?.body ?? "")).toBeUndefined();

    // Cancelling again is harmless; a finished job cannot be cancelled.
    expect((await h.call("DELETE", `/v1/videos/${created.id}`)).status).toBe(200);
    h.renderer.behaviour.render = "ok";
  });

  it("a render that fails marks the job failed at stage render; retry resumes there without redoing narration or visuals", async () => {
    h.renderer.behaviour.render = "fail";
    const speechBefore = h.renderer.calls.speech;
    const cardsBefore = h.imagegen.calls.cards;
    const created = (await (
      await h.call("POST", "/v1/videos", { ...textStory("Fails at render"), webhook: { url: hook.url } })
    ).json()) as { id: string };
    const failed = await h.waitForStatus<JobBody>(created.id, ["failed", "succeeded"]);
    expect(failed.status).toBe("failed");
    expect(failed.stage).toBe("render");
    expect(failed.error).toMatchObject({ stage: "render", retryable: false });
    expect(failed.error?.title).toMatch(/renderer/);
    expect(failed.error?.detail).toMatch(/ffmpeg exited/);
    expect(failed.stages.render?.status).toBe("failed");
    expect(failed.stages.narration?.status).toBe("succeeded");

    const speechCalls = h.renderer.calls.speech - speechBefore;
    const cardCalls = h.imagegen.calls.cards - cardsBefore;
    expect(speechCalls).toBeGreaterThan(0);
    expect(cardCalls).toBe(1);
    const rendersBefore = h.renderer.calls.render;

    // Only failed or cancelled jobs can be retried.
    const other = (await (await h.call("POST", "/v1/videos", textStory("Still fine"))).json()) as { id: string };
    h.renderer.behaviour.render = "ok";
    await h.waitForStatus(other.id, ["succeeded"]);
    expect((await h.call("POST", `/v1/videos/${other.id}/retry`)).status).toBe(409);

    const speechBeforeRetry = h.renderer.calls.speech;
    const cardsBeforeRetry = h.imagegen.calls.cards;
    const retried = await h.call("POST", `/v1/videos/${created.id}/retry`);
    expect(retried.status).toBe(202);
    const requeued = (await retried.json()) as JobBody;
    expect(requeued.status).toBe("queued");
    expect(requeued.error).toBeUndefined();
    expect(requeued.lastError).toEqual(failed.error);
    const done = await h.waitForStatus<JobBody>(created.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.error).toBeUndefined();
    expect(h.renderer.calls.speech).toBe(speechBeforeRetry);
    expect(h.imagegen.calls.cards).toBe(cardsBeforeRetry);
    expect(h.renderer.calls.render).toBeGreaterThan(rendersBefore);
    expect(done.stages.narration?.attempts).toBe(1);
    expect(done.stages.render).toMatchObject({ status: "succeeded", attempts: 2 });

    // The webhook heard both endings: failed, then succeeded with signed output URLs.
    await expect.poll(() => deliveriesFor(created.id).map((d) => d.status)).toEqual(["failed", "succeeded"]);
    const success = deliveriesFor(created.id)[1] as { outputs: { video: { url: string } } };
    expect((await h.app.request(success.outputs.video.url)).status).toBe(200);
  });

  it("a job retried after a transient failure shows that failure as lastError, not as its error", async () => {
    // The first render breaks off (retryable: BullMQ's second attempt runs it again); the second one streams on.
    h.renderer.behaviour.cutRenders = 1;
    h.renderer.behaviour.render = "hang";
    const renders = h.renderer.calls.render;
    const created = (await (await h.call("POST", "/v1/videos", textStory("Retried after a cut"))).json()) as {
      id: string;
    };
    await expect.poll(() => h.renderer.calls.render, { timeout: 20_000 }).toBe(renders + 2);
    await expect
      .poll(
        async () =>
          ((await (await h.call("GET", `/v1/videos/${created.id}`)).json()) as JobBody).stages.render?.attempts,
        {
          timeout: 20_000,
        },
      )
      .toBe(2);
    const running = (await (await h.call("GET", `/v1/videos/${created.id}`)).json()) as JobBody;
    expect(running.status).toBe("running");
    expect(running.stages.render?.status).toBe("running");
    expect(running.error).toBeUndefined();
    expect(running.lastError).toMatchObject({ stage: "render", retryable: true });
    expect(running.lastError?.detail).toMatch(/ended before the render finished/);

    expect((await h.call("DELETE", `/v1/videos/${created.id}`)).status).toBe(202);
    await h.waitForStatus(created.id, ["cancelled"]);
    h.renderer.behaviour.render = "ok";
  });

  it("waits for a renderer that answers 502 without spending attempts, and fails clearly after DEPENDENCY_WAIT_MS", async () => {
    h.renderer.behaviour.render = "ok";
    // Each run's call and the client's own retry (1) meet a 502: three runs of the stage, none of them
    // spends one of the job's two attempts (the old behaviour failed this job).
    h.renderer.behaviour.unavailableRenders = 4;
    const created = (await (await h.call("POST", "/v1/videos", textStory("Transient"))).json()) as { id: string };
    // While it waits the job reads "queued" with why.
    let waiting: JobBody;
    do {
      waiting = (await (await h.call("GET", `/v1/videos/${created.id}`)).json()) as JobBody;
      await new Promise((resolve) => setTimeout(resolve, 5));
    } while (!waiting.error && waiting.status !== "succeeded");
    expect(waiting.error).toMatchObject({ stage: "render", title: "Waiting for the renderer", retryable: true });
    const done = await h.waitForStatus<JobBody>(created.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.stages.render).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(done.stages.narration?.attempts).toBe(1);
    expect(done.error).toBeUndefined();

    // Down for longer than DEPENDENCY_WAIT_MS (1.5 s here): failed, saying what it waited for.
    h.renderer.behaviour.unavailableRenders = 1_000_000;
    const unlucky = (await (await h.call("POST", "/v1/videos", textStory("Unlucky"))).json()) as { id: string };
    const failed = await h.waitForStatus<JobBody>(unlucky.id, ["succeeded", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ stage: "render", title: "The renderer stayed unavailable", retryable: true });
    expect(failed.error?.detail).toMatch(/DEPENDENCY_WAIT_MS/);
    h.renderer.behaviour.unavailableRenders = 0;
  });

  it("takes no job while the renderer is not ready, and takes it once it is", async () => {
    h.renderer.behaviour.ready = false;
    try {
      // The worker's next readiness check (every 100 ms here) pauses it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const speechCalls = h.renderer.calls.speech;
      const created = (await (await h.call("POST", "/v1/videos", textStory("Not yet"))).json()) as { id: string };
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const parked = (await (await h.call("GET", `/v1/videos/${created.id}`)).json()) as JobBody;
      expect(parked.status).toBe("queued");
      expect(parked.stages.source?.status).toBe("pending");
      expect(h.renderer.calls.speech).toBe(speechCalls);
      h.renderer.behaviour.ready = true;
      const done = await h.waitForStatus<JobBody>(created.id, ["succeeded", "failed"]);
      expect(done.status).toBe("succeeded");
    } finally {
      h.renderer.behaviour.ready = true;
    }
  });

  it("answers 404 problems for unknown jobs", async () => {
    for (const [method, path] of [
      ["GET", "/v1/videos/nosuchjob123"],
      ["DELETE", "/v1/videos/nosuchjob123"],
      ["POST", "/v1/videos/nosuchjob123/retry"],
      ["GET", "/v1/videos/nosuchjob123/events"],
    ] as const) {
      const response = await h.call(method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });
});
