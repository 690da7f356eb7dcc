import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_POSTS as P } from "./fixtures/reddit/reddit-fixtures.ts";
import { type RedditHarness, startRedditHarness } from "./harness.ts";

interface Schedule {
  id: string;
  cron: string;
  timezone: string;
  subreddits: string[];
  nextRunAt: string | null;
  lastRun: { at: string; outcome: string; trigger: string; jobId?: string; postId?: string; error?: string } | null;
  links: { self: string; run: string };
}
interface Problem {
  detail: string;
  errors?: { path: string; message: string }[];
}

const valid = {
  cron: "0 9,18 * * *",
  timezone: "Europe/Paris",
  subreddits: ["AmItheAsshole"],
  window: "day",
  format: "short",
  maxComments: 1,
};

describe("schedules", () => {
  let h: RedditHarness;
  beforeAll(async () => {
    h = await startRedditHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const response = await h.call("POST", "/v1/schedules", body);
    return { response, body: (await response.json()) as Schedule & Problem };
  };
  const get = async (id: string) => (await (await h.call("GET", `/v1/schedules/${id}`)).json()) as Schedule;
  const jobCount = async () =>
    ((await (await h.call("GET", "/v1/videos?limit=100")).json()) as { data: unknown[] }).data.length;
  const deleteAll = async () => {
    const list = (await (await h.call("GET", "/v1/schedules")).json()) as { data: Schedule[] };
    for (const schedule of list.data) expect((await h.call("DELETE", `/v1/schedules/${schedule.id}`)).status).toBe(204);
  };
  const waitFor = async <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it("creates, lists, reads and deletes a schedule, with its BullMQ job scheduler", async () => {
    const { response, body } = await create(valid);
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe(`/v1/schedules/${body.id}`);
    expect(body).toMatchObject({ cron: "0 9,18 * * *", timezone: "Europe/Paris", lastRun: null, nsfw: false });
    // 09:00 or 18:00 in Paris is 08:00 or 17:00 UTC in winter, 07:00 or 16:00 in summer.
    expect(new Date(body.nextRunAt ?? "").getUTCMinutes()).toBe(0);
    expect(new Date(body.nextRunAt ?? "").getTime()).toBeGreaterThan(Date.now());

    const scheduler = await h.scheduleQueue().getJobScheduler(body.id);
    expect(scheduler).toMatchObject({ pattern: "0 9,18 * * *", tz: "Europe/Paris" });

    const list = (await (await h.call("GET", "/v1/schedules")).json()) as { data: Schedule[] };
    expect(list.data.map((s) => s.id)).toContain(body.id);
    expect(await get(body.id)).toMatchObject({ id: body.id, subreddits: ["AmItheAsshole"] });

    expect((await h.call("DELETE", `/v1/schedules/${body.id}`)).status).toBe(204);
    expect((await h.call("GET", `/v1/schedules/${body.id}`)).status).toBe(404);
    expect((await h.call("DELETE", `/v1/schedules/${body.id}`)).status).toBe(404);
    expect(await h.scheduleQueue().getJobScheduler(body.id)).toBeUndefined();
  });

  it("refuses a voice this deployment does not have with a 422 naming the field, as POST /v1/videos does", async () => {
    const listed = async () => ((await (await h.call("GET", "/v1/schedules")).json()) as { data: Schedule[] }).data;
    const before = { schedules: await listed(), schedulers: await h.scheduleQueue().getJobSchedulers(0, -1) };
    const unknown = await create({ ...valid, voice: { engine: "polly", voice: "Nobody" } });
    expect(unknown.response.status).toBe(422);
    expect(unknown.response.headers.get("content-type")).toMatch(/problem\+json/);
    expect(unknown.body.errors?.[0]?.path).toBe("body.voice.voice");
    expect(unknown.body.detail).toContain("GET /v1/voices");
    // Nothing was stored, and no job scheduler made.
    expect({ schedules: await listed(), schedulers: await h.scheduleQueue().getJobSchedulers(0, -1) }).toEqual(before);

    const known = await create({ ...valid, voice: { engine: "polly", voice: "Joanna" } });
    expect(known.response.status).toBe(201);
    expect(known.body).toMatchObject({ voice: { engine: "polly", voice: "Joanna" } });
    await deleteAll();
  });

  it("refuses a bad cron expression or time zone with a 422 that says what is wrong", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ cron: "61 * * * *" }, "body.cron", /valid cron expression.*61/],
      [{ cron: "0 9 * *" }, "body.cron", /needs 5 fields/],
      [{ cron: "*/5 * * * * *" }, "body.cron", /needs 5 fields/],
      [{ cron: "every day at nine" }, "body.cron", /needs 5 fields/],
      [{ cron: "0 0 30 2 *" }, "body.cron", /valid cron expression/],
      [{ timezone: "Mars/Olympus_Mons" }, "body.timezone", /IANA time zone/],
      [{ subreddits: ["ti-fu"] }, "body.subreddits", /not a subreddit name/],
      [{ subreddits: [] }, "body.subreddits", /./],
      [{ window: "month" }, "body.window", /./],
      [{ format: "square" }, "body.format", /./],
      [{ publish: { youtube: { privacy: "private" } } }, "body.publish.youtube", /not configured/],
    ];
    for (const [change, path, message] of cases) {
      const { response, body } = await create({ ...valid, ...change });
      expect(response.status, JSON.stringify(change)).toBe(422);
      const error = body.errors?.find((e) => e.path === path);
      expect(error?.message, `${JSON.stringify(change)} → ${JSON.stringify(body.errors)}`).toMatch(message);
    }
    expect((await h.call("GET", "/v1/schedules/not-an-id!")).status).toBe(422);
    expect(((await (await h.call("GET", "/v1/schedules")).json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("a run makes a video job from the best unused trend; the next run another post; then nothing new", async () => {
    const { body: schedule } = await create(valid);
    const first = (await (await h.call("POST", `/v1/schedules/${schedule.id}/run`)).json()) as Schedule["lastRun"];
    expect(first).toMatchObject({ outcome: "created", trigger: "manual" });
    const second = (await (await h.call("POST", `/v1/schedules/${schedule.id}/run`)).json()) as Schedule["lastRun"];
    expect(second).toMatchObject({ outcome: "created" });
    expect(second?.postId).not.toBe(first?.postId);
    expect([first?.postId, second?.postId].sort()).toEqual([P.aitaTable, P.aitaWibta].sort());

    // The jobs are ordinary video jobs: same request shape as POST /v1/videos, and they run.
    for (const run of [first, second]) {
      const job = await h.waitForStatus<{ status: string; request: { source: Record<string, unknown> } }>(
        run?.jobId ?? "",
        ["succeeded", "failed"],
      );
      expect(job.status).toBe("succeeded");
      expect(job.request.source).toMatchObject({ type: "reddit", subreddit: "AmItheAsshole", postId: run?.postId });
    }

    const before = await jobCount();
    const third = await (await h.call("POST", `/v1/schedules/${schedule.id}/run`)).json();
    expect(third).toMatchObject({ outcome: "nothing-new", trigger: "manual" });
    expect(third).not.toHaveProperty("jobId");
    expect(await jobCount()).toBe(before);
    expect((await get(schedule.id)).lastRun).toMatchObject({ outcome: "nothing-new" });

    // A subreddit Reddit refuses: the run records an error and makes nothing.
    const { body: locked } = await create({ ...valid, subreddits: ["secretclub"] });
    const failed = await (await h.call("POST", `/v1/schedules/${locked.id}/run`)).json();
    expect(failed).toMatchObject({ outcome: "error", error: expect.stringMatching(/r\/secretclub is private/) });
    expect(await jobCount()).toBe(before);
    expect((await h.call("POST", "/v1/schedules/nosuchschedule/run")).status).toBe(404);
    await deleteAll();
  });

  it("the job scheduler fires runs through the schedules worker, and schedules survive a restart", async () => {
    const { body: schedule } = await create({ ...valid, subreddits: ["nosleep"], window: "hour" });
    const queue = h.scheduleQueue();
    // The scheduler's next run is delayed until the cron time; fire it now.
    await queue.promoteJobs();
    const fired = await waitFor(
      () => get(schedule.id),
      (s) => s.lastRun !== null,
      "the fired run",
    );
    expect(fired.lastRun).toMatchObject({ outcome: "created", trigger: "cron", postId: P.nosleepHourOld });

    // A scheduler whose schedule is gone is removed when the gateway starts.
    await queue.upsertJobScheduler(
      "orphan",
      { pattern: "0 0 * * *" },
      { name: "runSchedule", data: { scheduleId: "orphan" } },
    );

    await h.restart();
    expect(await get(schedule.id)).toMatchObject({ id: schedule.id, lastRun: { outcome: "created" } });
    expect(await queue.getJobScheduler(schedule.id)).toMatchObject({ pattern: "0 9,18 * * *" });
    expect(await queue.getJobScheduler("orphan")).toBeUndefined();

    // The new worker runs it: the hour's only post is used, so this run finds nothing new.
    await waitFor(
      async () => (await queue.getDelayed()).length,
      (n) => n > 0,
      "the next delayed run",
    );
    await queue.promoteJobs();
    const again = await waitFor(
      () => get(schedule.id),
      (s) => s.lastRun?.at !== fired.lastRun?.at,
      "the run after the restart",
    );
    expect(again.lastRun).toMatchObject({ outcome: "nothing-new", trigger: "cron" });
    await h.waitForStatus(fired.lastRun?.jobId ?? "", ["succeeded", "failed"]);
  });
});
