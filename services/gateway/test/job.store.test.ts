import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobStore } from "../src/jobs/job.store.ts";
import { newJobId } from "../src/jobs/job-id.ts";
import type { VideoRequest } from "../src/jobs/video-request.types.ts";
import { startRedis, type TestRedis } from "./redis.ts";

const request = {
  source: { type: "text", title: "A story", comments: [] },
  format: "short",
  style: { theme: "dark", captions: "word" },
} satisfies VideoRequest;

describe("JobStore on Redis", () => {
  let server: TestRedis;
  let redis: Redis;
  let jobs: JobStore;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    jobs = new JobStore({ redis, retentionSeconds: 60 });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("creates a queued job with every stage pending", async () => {
    const record = await jobs.create({ id: newJobId(), request, traceCarrier: { traceparent: "00-abc" } });
    expect(record).toMatchObject({ status: "queued", stage: null, progress: 0, run: 1, request });
    expect(record.traceCarrier).toEqual({ traceparent: "00-abc" });
    expect(Object.values(record.stages).every((stage) => stage.status === "pending")).toBe(true);
  });

  it("changes status only from the allowed ones, so a late success never overwrites a cancel", async () => {
    const { id } = await jobs.create({ id: newJobId(), request, traceCarrier: {} });
    expect(await jobs.transition({ id, from: ["queued"], to: "running" })).toEqual({ ok: true, previous: "queued" });
    expect(await jobs.transition({ id, from: ["queued", "running"], to: "cancelled" })).toEqual({
      ok: true,
      previous: "running",
    });
    expect(await jobs.transition({ id, from: ["running"], to: "succeeded", set: { progress: 1 } })).toEqual({
      ok: false,
      current: "cancelled",
    });
    expect((await jobs.get(id))?.status).toBe("cancelled");
    expect(await jobs.transition({ id: "missing-job", from: ["queued"], to: "running" })).toEqual({
      ok: false,
      current: undefined,
    });
  });

  it("a transition for one run leaves a job retried since (a later run) alone", async () => {
    const { id } = await jobs.create({ id: newJobId(), request, traceCarrier: {} });
    await jobs.transition({ id, from: ["queued"], to: "failed" });
    // The retry: run 2, queued again.
    await jobs.transition({ id, from: ["failed"], to: "queued", set: { run: 2 } });
    // A late handler of run 1 (BullMQ's failed event, the reconciler) must not fail run 2.
    expect(await jobs.transition({ id, from: ["queued", "running"], to: "failed", run: 1 })).toEqual({
      ok: false,
      current: "queued",
    });
    expect(await jobs.get(id)).toMatchObject({ status: "queued", run: 2 });
    expect(await jobs.transition({ id, from: ["queued"], to: "running", run: 2 })).toEqual({
      ok: true,
      previous: "queued",
    });
  });

  it("ends the running stages in the same step as the status, leaving the others as they are", async () => {
    const { id } = await jobs.create({ id: newJobId(), request, traceCarrier: {} });
    await jobs.transition({ id, from: ["queued"], to: "running" });
    const at = new Date().toISOString();
    const running = { status: "running", startedAt: at, finishedAt: null, durationMs: null, attempts: 1 } as const;
    await jobs.setStageState(id, "narration", { ...running, status: "succeeded", finishedAt: at, durationMs: 5 });
    await jobs.setStageState(id, "render", running);
    const ended = { ...running, status: "failed" as const, finishedAt: at, durationMs: 7 };
    const endRunningStages = { narration: ended, render: ended };

    // Refused (the job is not queued): nothing changes, not even the stage.
    expect(await jobs.transition({ id, from: ["queued"], to: "failed", endRunningStages })).toEqual({
      ok: false,
      current: "running",
    });
    expect((await jobs.get(id))?.stages.render.status).toBe("running");

    expect(await jobs.transition({ id, from: ["running"], to: "failed", endRunningStages })).toEqual({
      ok: true,
      previous: "running",
      endedStages: ["render"],
    });
    const record = await jobs.get(id);
    expect(record?.status).toBe("failed");
    expect(record?.stages.render).toMatchObject({ status: "failed", durationMs: 7 });
    expect(record?.stages.narration).toMatchObject({ status: "succeeded", durationMs: 5 });
  });

  it("expires a job once it ends and keeps it again when it is retried", async () => {
    const { id } = await jobs.create({ id: newJobId(), request, traceCarrier: {} });
    await jobs.transition({ id, from: ["queued"], to: "failed" });
    const ttl = await redis.ttl(`vs:job:${id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await jobs.transition({ id, from: ["failed"], to: "queued", set: { run: 2 } });
    expect(await redis.ttl(`vs:job:${id}`)).toBe(-1);
  });

  it("lists newest first, filters by status and drops expired jobs from the index", async () => {
    const fresh = new JobStore({ redis, prefix: "list-test:" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newJobId(Date.now() + i);
      ids.push(id);
      await fresh.create({ id, request, traceCarrier: {} });
    }
    await fresh.transition({ id: ids[1] as string, from: ["queued"], to: "failed" });
    await redis.del(`list-test:job:${ids[3]}`);

    const all = await fresh.list({ limit: 10 });
    expect(all.jobs.map((job) => job.id)).toEqual([ids[4], ids[2], ids[1], ids[0]]);
    expect(all.next).toBeUndefined();
    expect(await redis.zscore("list-test:jobs", ids[3] as string)).toBeNull();

    const page = await fresh.list({ limit: 2 });
    expect(page.jobs.map((job) => job.id)).toEqual([ids[4], ids[2]]);
    const rest = await fresh.list({ limit: 2, after: page.next });
    expect(rest.jobs.map((job) => job.id)).toEqual([ids[1], ids[0]]);

    const failed = await fresh.list({ limit: 10, status: "failed" });
    expect(failed.jobs.map((job) => job.id)).toEqual([ids[1]]);
  });

  it("hands each due temp cleanup to one caller", async () => {
    await jobs.scheduleTempCleanup("due-job-1", new Date(Date.now() - 1000));
    await jobs.scheduleTempCleanup("later-job", new Date(Date.now() + 60_000));
    const [first, second] = await Promise.all([
      jobs.takeDueTempCleanups(new Date()),
      jobs.takeDueTempCleanups(new Date()),
    ]);
    expect([...(first ?? []), ...(second ?? [])]).toEqual(["due-job-1"]);
  });
});
