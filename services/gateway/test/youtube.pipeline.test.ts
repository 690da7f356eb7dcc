import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeYoutube, startFakeYoutube } from "./fakes/fake-youtube.ts";
import { type Harness, startHarness, textStory } from "./harness.ts";
import { fakeYoutubePublisher } from "./youtube-publisher.ts";

interface Job {
  id: string;
  status: string;
  stages: Record<string, { status: string }>;
  error?: { stage: string; title: string; detail: string; retryable: boolean };
  outputs?: { video: { key: string }; thumbnail?: { key: string }; youtube?: { videoId: string; url: string } };
}

let h: Harness;
let fake: FakeYoutube;
// The budget's clock: 23:59:59 in Los Angeles, so the next quota window opens a second from "now".
let clock = new Date("2026-11-28T07:59:59Z");

beforeAll(async () => {
  fake = await startFakeYoutube();
  h = await startHarness({
    youtube: ({ store, redis }) =>
      fakeYoutubePublisher({
        fake,
        store,
        redis,
        dailyUploads: 2,
        now: () => clock,
        client: { maxRetries: 2, sleep: () => new Promise((resolve) => setTimeout(resolve, 2)) },
      }),
  });
});

afterAll(async () => {
  await h.close();
  await fake.close();
});

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("publishing through the gateway pipeline", () => {
  it("a job with publish.youtube ends with the YouTube video id and URL", async () => {
    const response = await h.call("POST", "/v1/videos", {
      ...textStory("TIL octopuses have three hearts"),
      publish: { youtube: { tags: ["octopus", "til"], categoryId: "27" } },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const job = await h.waitForStatus<Job>(id, ["succeeded", "failed"]);
    expect(job.status).toBe("succeeded");
    expect(job.stages.publish?.status).toBe("succeeded");
    const video = fake.videos()[0] as { id: string };
    expect(job.outputs?.youtube).toEqual({ videoId: video.id, url: `https://www.youtube.com/watch?v=${video.id}` });

    const session = [...fake.sessions.values()][0]!;
    expect(fake.sha256(session.id)).toBe(sha256(await h.store.get(job.outputs!.video.key)));
    expect(session.metadata.snippet).toMatchObject({
      title: "TIL octopuses have three hearts",
      tags: ["octopus", "til"],
      categoryId: "27",
    });
    expect(session.metadata.snippet.description).toContain("#Shorts");
    expect(session.metadata.status).toEqual({
      privacyStatus: "private",
      selfDeclaredMadeForKids: false,
      containsSyntheticMedia: true,
    });
    expect(fake.thumbnails.get(video.id)?.equals(await h.store.get(job.outputs!.thumbnail!.key))).toBe(true);
  });

  it("a failed upload retried by the client resumes the same session", async () => {
    const sessionsBefore = fake.sessions.size;
    fake.faults.chunk503 = 100;
    const failing = await h.call("POST", "/v1/videos", {
      ...textStory("A story whose upload fails first"),
      publish: { youtube: {} },
    });
    const failingId = ((await failing.json()) as { id: string }).id;
    const failed = await h.waitForStatus<Job>(failingId, ["failed", "succeeded"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ stage: "publish", retryable: true });
    expect(failed.error?.detail).toMatch(/HTTP 503/);

    fake.faults.chunk503 = 0;
    const sessionsAfterFailure = fake.sessions.size;
    expect(sessionsAfterFailure).toBe(sessionsBefore + 1);
    const requestsBefore = fake.requests.length;
    expect((await h.call("POST", `/v1/videos/${failingId}/retry`)).status).toBe(202);
    const done = await h.waitForStatus<Job>(failingId, ["succeeded", "failed"]);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(fake.sessions.size).toBe(sessionsAfterFailure);
    const resumed = fake.requests.slice(requestsBefore).find((r) => r.method === "PUT");
    expect(resumed?.contentRange).toMatch(/^bytes \*\//);
    const session = [...fake.sessions.values()].at(-1)!;
    expect(fake.sha256(session.id)).toBe(sha256(await h.store.get(done.outputs!.video.key)));
    expect(done.outputs?.youtube?.videoId).toBe((session.video as { id: string }).id);
  });

  it("an upload over the daily budget waits for the next quota window instead of failing", async () => {
    // Two uploads were reserved today by the tests above: the budget (2) is spent.
    const response = await h.call("POST", "/v1/videos", {
      ...textStory("Waiting for quota"),
      publish: { youtube: {} },
    });
    const { id } = (await response.json()) as { id: string };
    const deadline = Date.now() + 20_000;
    let job: Job;
    for (;;) {
      job = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as Job;
      if (job.error?.title === "Waiting for the daily YouTube upload budget" || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(job.status).toBe("queued");
    expect(job.error).toMatchObject({ stage: "publish", retryable: true });
    expect(job.error?.detail).toContain("2026-11-28T08:00:00.000Z");
    expect(job.stages.publish?.status).toBe("pending");
    const sessions = fake.sessions.size;
    // The quota day turns over; the delayed job (one second) runs again and uploads.
    clock = new Date("2026-11-28T08:00:01Z");
    const done = await h.waitForStatus<Job>(id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.error).toBeUndefined();
    expect(fake.sessions.size).toBe(sessions + 1);
    expect(done.outputs?.youtube?.videoId).toBeTruthy();
  });
});
