import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppError } from "@video-service/errors";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JobStore } from "../src/jobs/job.store.ts";
import { DeferredError } from "../src/pipeline/deferred-error.ts";
import { toJobError } from "../src/pipeline/job-error.ts";
import { publishVideo } from "../src/pipeline/stages/publish.stage.ts";
import type { Story } from "../src/script/index.ts";
import { createYoutubeAuth } from "../src/youtube/oauth.ts";
import { nextMidnight } from "../src/youtube/upload-budget.ts";
import type { PublishState } from "../src/youtube/youtube-publisher.ts";
import { type FakeYoutube, startFakeYoutube } from "./fakes/fake-youtube.ts";
import { startRedis, type TestRedis } from "./redis.ts";
import { fakeYoutubePublisher } from "./youtube-publisher.ts";

const KIB256 = 256 * 1024;
const VIDEO_KEY = "videos/short/job.mp4";
const THUMB_KEY = "videos/short/job.jpg";
// Not a multiple of 256 KiB, so the last chunk is a short one.
const VIDEO_BYTES = 9 * KIB256 + 12_345;

const story: Story = {
  title: "My neighbour <finally> returned the lawnmower after three years and I have questions",
  comments: [],
  subreddit: "tifu",
  author: "lawn_guy",
  permalink: "/r/tifu/comments/abc123/my_neighbour/",
};

let testRedis: TestRedis;
let redis: Redis;
let jobs: JobStore;
let fake: FakeYoutube;
let storageDir: string;
let store: ObjectStore;
let videoSha: string;
let thumbnail: Buffer;
const waits: number[] = [];
let clock = new Date("2026-11-27T12:00:00Z");
let jobCounter = 0;

beforeAll(async () => {
  testRedis = await startRedis();
  redis = new Redis(testRedis.url);
  jobs = new JobStore({ redis });
  storageDir = await mkdtemp(path.join(tmpdir(), "youtube-upload-"));
  store = createLocalObjectStore({
    root: storageDir,
    signingSecret: "test-signing-secret-0123456789",
    publicBaseUrl: "http://127.0.0.1:3000",
  });
  const video = randomBytes(VIDEO_BYTES);
  videoSha = createHash("sha256").update(video).digest("hex");
  await store.put(VIDEO_KEY, video, { contentType: "video/mp4" });
  thumbnail = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);
  await store.put(THUMB_KEY, thumbnail, { contentType: "image/jpeg" });
});

afterAll(async () => {
  redis.disconnect();
  await testRedis.stop();
  await rm(storageDir, { recursive: true, force: true });
});

beforeEach(async () => {
  fake = await startFakeYoutube();
  waits.length = 0;
  clock = new Date("2026-11-27T12:00:00Z");
});

afterEach(async () => {
  await fake.close();
});

/** A fresh publisher, as a new worker process would build it: its own token cache and client. */
function newPublisher({ chunkBytes = KIB256, dailyUploads = 100, requestTimeoutMs = 30_000 } = {}) {
  return fakeYoutubePublisher({
    fake,
    store,
    redis,
    dailyUploads,
    budgetPrefix: `t${randomBytes(4).toString("hex")}:`,
    now: () => clock,
    client: {
      chunkBytes,
      requestTimeoutMs,
      // Record the backoff asked for, wait only a moment.
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
    },
  });
}

async function newJob(publish: Record<string, unknown> = {}) {
  jobCounter += 1;
  const id = `01JOB${String(jobCounter).padStart(8, "0")}`;
  return jobs.create({
    id,
    request: {
      source: { type: "text", title: story.title, comments: [] },
      format: "short",
      style: { theme: "dark", captions: "word" },
      publish: { youtube: { privacy: "private", madeForKids: false, notifySubscribers: true, ...publish } },
    } as never,
    traceCarrier: {},
  });
}

function publish(
  record: Awaited<ReturnType<typeof newJob>>,
  publisher = newPublisher(),
  signal = new AbortController().signal,
) {
  return publishVideo({
    jobId: record.id,
    request: record.request,
    story,
    format: "short",
    videoKey: VIDEO_KEY,
    thumbnailKey: THUMB_KEY,
    youtube: publisher,
    jobs,
    signal,
  });
}

const chunkPuts = () => fake.requests.filter((r) => r.method === "PUT" && /^bytes \d/.test(r.contentRange ?? ""));
const statusQueries = () => fake.requests.filter((r) => r.method === "PUT" && /^bytes \*/.test(r.contentRange ?? ""));
const onlySession = () => {
  const sessions = [...fake.sessions.values()];
  expect(sessions).toHaveLength(1);
  return sessions[0]!;
};

function expectMetadata(session: { metadata: { snippet: Record<string, unknown>; status: Record<string, unknown> } }) {
  const { snippet, status } = session.metadata;
  expect(snippet.title).toBe("My neighbour finally returned the lawnmower after three years and I have questions");
  expect(String(snippet.title).length).toBeLessThanOrEqual(100);
  expect(snippet.description).toContain("r/tifu");
  expect(snippet.description).toContain("u/lawn_guy");
  expect(snippet.description).toContain("https://www.reddit.com/r/tifu/comments/abc123/my_neighbour/");
  expect(snippet.description).toContain("#Shorts");
  expect(snippet.categoryId).toBe("24");
  expect(snippet.tags).toEqual(["reddit stories", "r/tifu", "tifu", "shorts"]);
  expect(status).toEqual({ privacyStatus: "private", selfDeclaredMadeForKids: false, containsSyntheticMedia: true });
}

describe("YouTube resumable upload against the fake", () => {
  it("uploads in 256 KiB chunks, sets the thumbnail and returns the video id and URL", async () => {
    const record = await newJob();
    const output = await publish(record);
    const session = onlySession();
    expect(fake.sha256(session.id)).toBe(videoSha);
    expectMetadata(session);
    const video = fake.videos()[0] as { id: string };
    expect(output).toEqual({ youtube: { videoId: video.id, url: `https://www.youtube.com/watch?v=${video.id}` } });
    expect(fake.thumbnails.get(video.id)?.equals(thumbnail)).toBe(true);
    expect(chunkPuts()).toHaveLength(10);
    expect(statusQueries()).toHaveLength(0);
    expect(fake.tokenGrants).toBe(1);
    const state = (await jobs.getStageProgressState(record.id, "publish")) as PublishState;
    expect(state).toMatchObject({ videoId: video.id, thumbnailSet: true, totalBytes: VIDEO_BYTES });
  });

  it("retries a 503 on a chunk with backoff, asking the session where to resume", async () => {
    fake.faults.chunk503 = 1;
    await publish(await newJob());
    const session = onlySession();
    expect(fake.sha256(session.id)).toBe(videoSha);
    expectMetadata(session);
    expect(waits).toHaveLength(1);
    expect(statusQueries()).toHaveLength(1);
    expect(fake.resentBytes).toBe(0);
  });

  it("resumes after a connection dropped mid-chunk from the byte the server confirmed", async () => {
    fake.faults.dropConnection = 1;
    await publish(await newJob(), newPublisher({ chunkBytes: 2 * KIB256 }));
    const session = onlySession();
    expect(fake.sha256(session.id)).toBe(videoSha);
    expect(statusQueries()).toHaveLength(1);
    // The dropped chunk's first 256 KiB arrived; the next PUT starts right after them.
    const puts = chunkPuts().map((r) => r.contentRange);
    expect(puts[0]).toBe(`bytes 0-${2 * KIB256 - 1}/${VIDEO_BYTES}`);
    expect(puts[1]).toBe(`bytes ${KIB256}-${3 * KIB256 - 1}/${VIDEO_BYTES}`);
    expect(fake.resentBytes).toBe(0);
  });

  it("gives up on a chunk that is never answered and resumes from what the server kept", async () => {
    fake.faults.hangAfterChunk = 1;
    await publish(await newJob(), newPublisher({ requestTimeoutMs: 300 }));
    const session = onlySession();
    expect(fake.sha256(session.id)).toBe(videoSha);
    expect(statusQueries()).toHaveLength(1);
    // The unanswered chunk's bytes arrived: after the status query, the next PUT starts after them.
    expect(chunkPuts()[1]?.contentRange).toMatch(new RegExp(`^bytes ${KIB256}-`));
    expect(fake.resentBytes).toBe(0);
  });

  it("continues from a partial Range confirmation", async () => {
    fake.faults.partialConfirm = 1;
    await publish(await newJob(), newPublisher({ chunkBytes: 2 * KIB256 }));
    const session = onlySession();
    expect(fake.sha256(session.id)).toBe(videoSha);
    const puts = chunkPuts().map((r) => r.contentRange);
    expect(puts[1]).toBe(`bytes ${KIB256}-${3 * KIB256 - 1}/${VIDEO_BYTES}`);
    expect(statusQueries()).toHaveLength(0);
  });

  it("starts a new session when the session expired (404)", async () => {
    fake.faults.expireAfterChunks = 3;
    const record = await newJob();
    await publish(record);
    const sessions = [...fake.sessions.values()];
    expect(sessions).toHaveLength(2);
    expect(sessions[0]?.expired).toBe(true);
    expect(fake.sha256(sessions[1]!.id)).toBe(videoSha);
    expectMetadata(sessions[1]!);
    expect(fake.videos()).toHaveLength(1);
  });

  it("fails with quotaExceeded from Google's error JSON, not retryable", async () => {
    fake.faults.quotaExceeded = 1;
    const error = await publish(await newJob()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extensions.youtubeReason).toBe("quotaExceeded");
    expect((error as AppError).message).toMatch(/quotaExceeded.*quota is used up/);
    expect(toJobError(error, "publish")).toMatchObject({ stage: "publish", retryable: false });
    expect(chunkPuts()).toHaveLength(0);
  });

  it("refreshes the access token once on a 401 and carries on", async () => {
    fake.faults.reject401 = 1;
    await publish(await newJob());
    expect(fake.sha256(onlySession().id)).toBe(videoSha);
    expect(fake.tokenGrants).toBe(2);
  });

  it("shares one token refresh between jobs; one job's cancel does not abort it for the others", async () => {
    const auth = createYoutubeAuth({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      refreshToken: fake.refreshToken,
      tokenUrl: fake.tokenUrl,
    });
    fake.faults.tokenDelayMs = 300;
    const grantsBefore = fake.tokenGrants;
    try {
      const cancelled = new AbortController();
      const first = auth.accessToken(cancelled.signal);
      const second = auth.accessToken(new AbortController().signal);
      setTimeout(() => cancelled.abort(new Error("job cancelled")), 50);
      await expect(first).rejects.toThrow("job cancelled");
      expect(await second).toMatch(/^ya29\./);
      expect(fake.tokenGrants).toBe(grantsBefore + 1);
    } finally {
      fake.faults.tokenDelayMs = 0;
    }
  });

  it("fails clearly when the refresh token is revoked", async () => {
    const auth = createYoutubeAuth({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      refreshToken: "1//revoked-refresh-token",
      tokenUrl: fake.tokenUrl,
    });
    const error = await auth.accessToken().catch((err: unknown) => err);
    expect((error as AppError).extensions.youtubeReason).toBe("invalid_grant");
    expect((error as AppError).message).toMatch(/make youtube-auth/);
  });

  it("a worker killed mid-upload resumes the same session without re-sending confirmed bytes", async () => {
    const record = await newJob();
    const killed = new AbortController();
    fake.onChunkStored = (count) => {
      if (count === 4) killed.abort(new Error("worker killed"));
    };
    await expect(publish(record, newPublisher(), killed.signal)).rejects.toThrow();
    fake.onChunkStored = undefined;
    const session = onlySession();
    const confirmedBeforeRestart = session.committed;
    expect(confirmedBeforeRestart).toBeGreaterThanOrEqual(4 * KIB256);
    expect(session.video).toBeUndefined();
    const requestsBefore = fake.requests.length;

    // A new worker: a new publisher instance, the same job record.
    await publish(record, newPublisher());
    const after = fake.requests.slice(requestsBefore).filter((r) => r.path === "/upload/youtube/v3/videos");
    expect(after[0]).toMatchObject({ method: "PUT", session: session.id, contentRange: `bytes */${VIDEO_BYTES}` });
    expect(after.every((r) => r.session === session.id && r.method === "PUT")).toBe(true);
    expect(after[1]?.contentRange).toMatch(new RegExp(`^bytes ${confirmedBeforeRestart}-`));
    expect(fake.resentBytes).toBe(0);
    expect(fake.sha256(onlySession().id)).toBe(videoSha);
    expect(fake.videos()).toHaveLength(1);
  });

  it("never uploads again once the job has a video id", async () => {
    const record = await newJob();
    const first = await publish(record);
    const requestsBefore = fake.requests.length;
    const second = await publish(record, newPublisher());
    expect(second).toEqual(first);
    expect(fake.requests.length).toBe(requestsBefore);
    expect(fake.sessions.size).toBe(1);
  });

  it("records a refused thumbnail without failing the publish", async () => {
    fake.faults.thumbnailForbidden = true;
    const record = await newJob();
    const output = await publish(record);
    expect("youtube" in output).toBe(true);
    const state = (await jobs.getStageProgressState(record.id, "publish")) as PublishState;
    expect(state.thumbnailSet).toBeUndefined();
    expect(state.thumbnailError).toMatch(/forbidden/);
  });

  it("defers uploads over the daily budget to the next quota window", async () => {
    clock = new Date("2026-11-28T07:59:00Z"); // 23:59 in Los Angeles (PST, UTC-8)
    const publisher = newPublisher({ dailyUploads: 1 });
    await publish(await newJob(), publisher);
    const waiting = await newJob();
    const error = await publish(waiting, publisher).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DeferredError);
    expect((error as DeferredError).retryAt.toISOString()).toBe("2026-11-28T08:00:00.000Z");
    expect((error as DeferredError).delayMs).toBe(60_000);
    expect(fake.sessions.size).toBe(1);
    clock = new Date("2026-11-28T08:00:01Z");
    await publish(waiting, publisher);
    expect(fake.videos()).toHaveLength(2);
  });
});

describe("quota window", () => {
  it("ends at the next midnight in the quota time zone, daylight saving time included", () => {
    const la = "America/Los_Angeles";
    expect(nextMidnight(new Date("2026-07-01T12:00:00Z"), la).toISOString()).toBe("2026-07-02T07:00:00.000Z");
    expect(nextMidnight(new Date("2026-11-27T12:00:00Z"), la).toISOString()).toBe("2026-11-28T08:00:00.000Z");
    // The night DST ends in 2026 (November 1st): midnight of Nov 1 is still PDT; of Nov 2, PST.
    expect(nextMidnight(new Date("2026-11-01T12:00:00Z"), la).toISOString()).toBe("2026-11-02T08:00:00.000Z");
    expect(nextMidnight(new Date("2026-11-27T23:30:00Z"), "UTC").toISOString()).toBe("2026-11-28T00:00:00.000Z");
  });
});
