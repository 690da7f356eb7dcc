import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, textStory } from "./harness.ts";

/** Every job id in the index and every BullMQ job, read on a connection of the test's own. */
async function storedJobs(h: Harness) {
  const ids = await h.redis.zrange("vs:jobs", "0", "-1");
  const queue = new Queue(h.config.QUEUE_NAME, { connection: { url: h.config.REDIS_URL } });
  try {
    const queued = await queue.getJobs(["waiting", "delayed", "active", "prioritized"]);
    return { ids, queued: queued.map((job) => (job.data as { videoId: string }).videoId) };
  } finally {
    await queue.close();
  }
}

describe("Redis outages", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    h?.testRedis.resume();
    await h?.close();
    h = undefined;
  });

  it("a stalled Redis is a quick 503 with Retry-After, and no job appears once it answers again", async () => {
    h = await startHarness({
      runWorker: false,
      // The rate limiter (the first Redis call of a request) is off, so the create itself meets the stall.
      env: { REDIS_COMMAND_TIMEOUT_MS: "500", RATE_LIMIT_PER_MINUTE: "0" },
    });
    const first = (await (await h.call("POST", "/v1/videos", textStory("Before the stall"))).json()) as { id: string };

    h.testRedis.pause();
    const started = performance.now();
    const created = await h.call("POST", "/v1/videos", textStory("During the stall"));
    const keyed = await h.call("POST", "/v1/videos", textStory("Keyed"), { "idempotency-key": "stall-1" });
    const read = await h.call("GET", `/v1/videos/${first.id}`);
    const elapsed = performance.now() - started;
    for (const response of [created, keyed, read]) {
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(response.headers.get("content-type")).toMatch(/problem\+json/);
    }
    // Three requests, each bounded by the 500 ms command timeout.
    expect(elapsed).toBeLessThan(3 * 2000);

    h.testRedis.resume();
    // Redis now runs what was waiting in the connection: the creates must refuse themselves.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect.poll(() => h?.call("GET", "/v1/videos").then((r) => r.status), { timeout: 5000 }).toBe(200);
    expect(await storedJobs(h)).toEqual({ ids: [first.id], queued: [first.id] });

    // The Idempotency-Key whose claim ran late is free again: the client's retry creates the job.
    const retried = await h.call("POST", "/v1/videos", textStory("Keyed"), { "idempotency-key": "stall-1" });
    expect(retried.status).toBe(202);
    expect((await storedJobs(h)).ids).toHaveLength(2);
  });

  it("every Redis-backed route of the public API answers 503 quickly while Redis is stalled, and creates nothing later", async () => {
    h = await startHarness({
      runWorker: false,
      reddit: true,
      // The rate limiter (the first Redis call of a request) is off, so each route meets the stall itself.
      env: { REDIS_COMMAND_TIMEOUT_MS: "500", RATE_LIMIT_PER_MINUTE: "0" },
    });
    const schedule = {
      cron: "0 9 * * *",
      timezone: "UTC",
      subreddits: ["AmItheAsshole"],
      window: "day",
      format: "short",
    };
    const job = (await (await h.call("POST", "/v1/videos", textStory("Before the stall"))).json()) as { id: string };
    const existing = (await (await h.call("POST", "/v1/schedules", schedule)).json()) as { id: string };
    const jobsBefore = await storedJobs(h);
    const schedulersBefore = (await h.scheduleQueue().getJobSchedulers(0, -1)).map((s) => s.key);
    const usedBefore = await h.redis.keys("vs:reddit:used:*");

    // Each route, and how a request to it that Redis cannot answer must end.
    const requests: [string, string, unknown?, Record<string, string>?][] = [
      ["POST", "/v1/videos", textStory("During the stall")],
      ["POST", "/v1/videos", textStory("Keyed"), { "idempotency-key": "stall-2" }],
      ["POST", "/v1/videos", { source: { type: "reddit", subreddit: "AmItheAsshole" }, format: "short" }],
      ["GET", "/v1/videos"],
      ["GET", `/v1/videos/${job.id}`],
      ["GET", `/v1/videos/${job.id}/events`],
      ["POST", `/v1/videos/${job.id}/retry`],
      ["DELETE", `/v1/videos/${job.id}`],
      ["GET", "/v1/trends?subreddits=AmItheAsshole"],
      ["POST", "/v1/schedules", { ...schedule, cron: "0 10 * * *" }],
      ["GET", "/v1/schedules"],
      ["GET", `/v1/schedules/${existing.id}`],
      ["POST", `/v1/schedules/${existing.id}/run`],
      ["DELETE", "/v1/schedules/0000000000-nosuchschedule"],
    ];
    h.testRedis.pause();
    // The patient connection would wait for as long as Redis is paused: a route on it never answers.
    const bounded = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      Promise.race([
        h?.call(method, path, body, headers).then(async (response) => ({
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          type: response.headers.get("content-type"),
          body: await response.text(),
        })),
        new Promise((resolve) => setTimeout(() => resolve("no answer while Redis was stalled"), 10_000)),
      ]);
    const answers = await Promise.all(
      requests.map(([method, path, body, headers]) => bounded(method, path, body, headers)),
    );
    for (const [index, answer] of answers.entries()) {
      const [method, path] = requests[index] ?? [];
      expect({ route: `${method} ${path}`, answer }).toMatchObject({
        route: `${method} ${path}`,
        answer: { status: 503, retryAfter: "5", type: expect.stringMatching(/problem\+json/) },
      });
    }
    // Unauthenticated readiness names no internals, only that the gateway is not ready.
    expect((await h.app.request("/readyz")).status).toBe(503);

    h.testRedis.resume();
    // Redis now runs what was waiting in the connection: the creates must refuse themselves.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect.poll(() => h?.call("GET", "/v1/schedules").then((r) => r.status), { timeout: 5000 }).toBe(200);
    expect(await storedJobs(h)).toEqual(jobsBefore);
    const schedules = (await (await h.call("GET", "/v1/schedules")).json()) as { data: { id: string }[] };
    expect(schedules.data.map((s) => s.id)).toEqual([existing.id]);
    expect((await h.scheduleQueue().getJobSchedulers(0, -1)).map((s) => s.key)).toEqual(schedulersBefore);
    expect(await h.redis.keys("vs:reddit:used:*")).toEqual(usedBefore);
    // And the routes work again on the same connection.
    expect((await h.call("POST", "/v1/schedules", { ...schedule, cron: "0 11 * * *" })).status).toBe(201);
    expect((await h.call("GET", "/v1/trends?subreddits=AmItheAsshole")).status).toBe(200);
  });

  it("Redis restarted after a crash (AOF persistence) loses no accepted job", async () => {
    h = await startHarness({ runWorker: false, redisAppendonly: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await h.call("POST", "/v1/videos", textStory(`Persisted ${i}`));
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
    // appendfsync everysec: what was acknowledged more than a second ago is on disk.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await h.testRedis.crashAndRestart();

    // While the API's connection comes back, requests are answered (503 at worst), then served.
    await expect
      .poll(() => h?.call("GET", `/v1/videos/${ids[0]}`).then((r) => r.status), { timeout: 15_000 })
      .toBe(200);
    for (const id of ids) {
      const job = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as { status: string };
      expect(job.status).toBe("queued");
    }
    const stored = await storedJobs(h);
    expect(stored.ids.sort()).toEqual([...ids].sort());
    expect(stored.queued.sort()).toEqual([...ids].sort());
  });
});
