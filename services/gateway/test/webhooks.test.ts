import { loopbackOnlyConnector, stubResolver } from "@video-service/net-guard/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WebhookDelivery, webhookQueueName } from "../src/pipeline/webhook.ts";
import { type Harness, startHarness, TEST_WEBHOOK_SECRET, textStory } from "./harness.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "./webhook-receiver.ts";

interface JobBody {
  id: string;
  status: string;
  webhooks?: WebhookDelivery[];
}

describe("webhooks: Standard Webhooks signatures, retries recorded on the job, the address guard", () => {
  let h: Harness;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const resolver = stubResolver({ "hooks.internal.test": [["10.0.0.9"]], "metadata.test": [["169.254.169.254"]] });
  const connector = loopbackOnlyConnector();
  beforeAll(async () => {
    h = await startHarness({
      env: { WEBHOOK_ATTEMPTS: "3" },
      webhookNetwork: { resolve: resolver.resolve, createConnection: connector.createConnection },
    });
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await hook?.close();
    await h?.close();
  });

  const createWithHook = async (title: string, url = hook.url) => {
    const response = await h.call("POST", "/v1/videos", { ...textStory(title), webhook: { url } });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const settledDelivery = async (id: string): Promise<WebhookDelivery> => {
    await expect
      .poll(
        async () => {
          // The delivery is recorded as it happens, which may be just before the job's status is written.
          const job = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as JobBody;
          return `${job.status} ${job.webhooks?.[0]?.state ?? "none"}`;
        },
        { timeout: 20_000, interval: 50 },
      )
      .toMatch(/^succeeded (delivered|failed)$/);
    const job = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as JobBody;
    expect(job.status).toBe("succeeded");
    return job.webhooks?.[0] as WebhookDelivery;
  };

  it("signs every attempt (id, timestamp, body), retries 5xx with the same id, and records each attempt", async () => {
    hook.answers.push(503, 500);
    const id = await createWithHook("Signed and retried");
    const delivery = await settledDelivery(id);
    expect(delivery).toMatchObject({ type: "video.succeeded", state: "delivered" });
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([503, 500, 204]);
    for (const attempt of delivery.attempts) {
      expect(Date.parse(attempt.at)).not.toBeNaN();
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    }

    const received = hook.for(id);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([delivery.id]));
    for (const { headers, body } of received) {
      expect(verifyStandardWebhook(TEST_WEBHOOK_SECRET, headers, body)).toBeUndefined();
    }
    const [first] = received;
    if (!first) throw new Error("no delivery");
    expect(first.event).toMatchObject({ type: "video.succeeded", data: { id, status: "succeeded" } });
    // What a receiver must refuse: another body, another secret, a replayed old timestamp.
    expect(verifyStandardWebhook(TEST_WEBHOOK_SECRET, first.headers, first.body.replace("succeeded", "failed"))).toBe(
      "no matching signature",
    );
    const otherSecret = `whsec_${Buffer.from("another-secret-of-32-bytes-00000").toString("base64")}`;
    expect(verifyStandardWebhook(otherSecret, first.headers, first.body)).toBe("no matching signature");
    const later = Number(first.headers["webhook-timestamp"]) + 301;
    expect(verifyStandardWebhook(TEST_WEBHOOK_SECRET, first.headers, first.body, later)).toBe(
      "timestamp out of tolerance",
    );
  });

  it("a delivery waiting between attempts survives the gateway's restart: a new worker continues it", async () => {
    // The second failure asks for a 5 s wait: the gateway stops during it, a new one delivers after it.
    hook.answers.push(503, { status: 503, retryAfterSeconds: 5 });
    const id = await createWithHook("Delivered across a restart");
    const pendingDelivery = async () => {
      const job = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as JobBody;
      return job.webhooks?.[0];
    };
    await expect
      .poll(async () => (await pendingDelivery())?.attempts.length, { timeout: 20_000, interval: 50 })
      .toBe(2);
    const waiting = (await pendingDelivery()) as WebhookDelivery;
    expect(waiting.state).toBe("pending");

    const queue = new Queue(webhookQueueName(h.config.QUEUE_NAME), { connection: { url: h.config.REDIS_URL } });
    try {
      await h.restart(async () => {
        // Nothing of the gateway runs now: the delivery waits in Redis, not in a process.
        expect(hook.for(id)).toHaveLength(2);
        const queued = await queue.getJob(waiting.id);
        expect(["delayed", "waiting"]).toContain(await queued?.getState());
        const redis = new Redis(h.config.REDIS_URL);
        const recorded = await redis.hget(`vs:job:${id}`, `wh:${waiting.id}`).finally(() => redis.disconnect());
        expect(JSON.parse(recorded ?? "{}")).toMatchObject({ state: "pending", attempts: [{}, {}] });
      });
    } finally {
      await queue.close();
    }

    const delivery = await settledDelivery(id);
    expect(delivery).toMatchObject({ id: waiting.id, state: "delivered" });
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 204]);
    const received = hook.for(id);
    expect(received.map((r) => r.headers["webhook-id"])).toEqual([waiting.id, waiting.id, waiting.id]);
    for (const { headers, body } of received) {
      expect(verifyStandardWebhook(TEST_WEBHOOK_SECRET, headers, body)).toBeUndefined();
    }
    // The receiver's wait was honoured: the third attempt came at least 5 s after the second.
    const [, second, third] = delivery.attempts;
    expect(Date.parse(third?.at ?? "") - Date.parse(second?.at ?? "")).toBeGreaterThanOrEqual(4900);
  });

  it("does not retry a 4xx, nor follow a redirect; the job still succeeds", async () => {
    hook.answers.push(400);
    const rejected = await settledDelivery(await createWithHook("Rejected by the receiver"));
    expect(rejected.state).toBe("failed");
    expect(rejected.attempts.map((attempt) => attempt.status)).toEqual([400]);

    hook.answers.push(302);
    const redirected = await settledDelivery(await createWithHook("Redirected"));
    expect(redirected.state).toBe("failed");
    expect(redirected.attempts.map((attempt) => attempt.status)).toEqual([302]);
    // The redirect's target was never called.
    expect(hook.received.filter((r) => r.path !== "/hook")).toEqual([]);
  });

  it("refuses at POST a URL with credentials or a non-public address (422)", async () => {
    for (const url of [
      "http://user:secret@127.0.0.1/hook",
      "http://169.254.169.254/latest/meta-data/",
      "http://0xa9fea9fe/",
      "http://[::ffff:10.0.0.1]/",
      "http://localhost:6379/",
    ]) {
      const response = await h.call("POST", "/v1/videos", { ...textStory(), webhook: { url } });
      expect(response.status, url).toBe(422);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors[0]?.path).toMatch(/^body\.webhook/);
    }
  });

  it("checks names when they resolve, at delivery: a name resolving to a private address is never connected to", async () => {
    const id = await createWithHook("Internal receiver", `http://hooks.internal.test:${hook.port}/hook`);
    const delivery = await settledDelivery(id);
    expect(delivery.state).toBe("failed");
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]?.error).toMatch(/hooks\.internal\.test resolves to 10\.0\.0\.9/);
    expect(resolver.calls).toContain("hooks.internal.test");
    expect(connector.refused).toEqual([]);
    expect(hook.for(id)).toEqual([]);
  });
});
