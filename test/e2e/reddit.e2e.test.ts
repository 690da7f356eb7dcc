/**
 * End to end with Reddit: the three services as child processes (the launcher of `make demo`),
 * the gateway pointed at the fake Reddit (token endpoint, listings, comments) started here. A
 * schedule's runs become videos whose cards are the post and its chosen comment; the second run
 * makes another post, never the same one. The posts are two short ones added to r/nosleep, so
 * each video is a few seconds long.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../scripts/lib/stack.ts";
import { type FakeReddit, startFakeReddit } from "../../services/gateway/test/fakes/fake-reddit.ts";
import type { T1Data, T3Data, Thing } from "../../services/gateway/test/fixtures/reddit/reddit-fixtures.ts";

interface Job {
  id: string;
  status: string;
  error?: unknown;
  request: { source: { postId?: string } };
  outputs?: { video: { key: string; durationSeconds: number }; metadata?: { key: string } };
}
interface Metadata {
  title: string;
  description: string;
  reddit: { postId: string; subreddit: string; author: string; permalink: string };
  segments: { id: string; kind: string; text: string; durationSeconds: number }[];
}

const SHORT_POSTS = [
  {
    id: "e2e001",
    title: "The vending machine at work gives exact change for things I have not bought yet",
    selftext: "Today it gave me sixty cents. I bought nothing. Tomorrow I will find out why.",
    author: "night_shift_nora",
    score: 2400,
    comment: { id: "e2c001", author: "coin_counter", body: "Whatever it offers you, do not take the crisps." },
  },
  {
    id: "e2e002",
    title: "My smart speaker keeps whispering the weather for a city I have never visited",
    selftext: "It says it is raining in a town called Vell. There is no town called Vell.",
    author: "quiet_listener",
    score: 1900,
    comment: { id: "e2c002", author: "map_reader", body: "There was a Vell. It flooded in 1911." },
  },
];

/** Two short self posts with one comment each, in r/nosleep, minutes old (the best of the hour). */
function addShortPosts(fake: FakeReddit): void {
  const nosleep = fake.fixtures.subreddits.find((sub) => sub.name === "nosleep");
  const template = nosleep?.posts[0];
  const commentTemplate = Object.values(fake.fixtures.comments)
    .flat()
    .find((thing): thing is { kind: "t1"; data: T1Data } => thing.kind === "t1" && thing.data.replies === "");
  if (!nosleep || !template || !commentTemplate) throw new Error("fixtures without a nosleep post or a comment");
  const now = Math.floor(Date.now() / 1000);
  for (const [index, spec] of SHORT_POSTS.entries()) {
    const permalink = `/r/nosleep/comments/${spec.id}/short_${index}/`;
    const post: T3Data = {
      ...template,
      id: spec.id,
      name: `t3_${spec.id}`,
      title: spec.title,
      selftext: spec.selftext,
      author: spec.author,
      author_fullname: `t2_${spec.id}`,
      score: spec.score,
      ups: spec.score,
      num_comments: 1,
      created: now - 600 * (index + 1),
      created_utc: now - 600 * (index + 1),
      permalink,
      url: `https://www.reddit.com${permalink}`,
      spoiler: false,
      link_flair_text: null,
    };
    nosleep.posts.unshift(post);
    const comment: Thing = {
      kind: "t1",
      data: {
        ...commentTemplate.data,
        id: spec.comment.id,
        name: `t1_${spec.comment.id}`,
        author: spec.comment.author,
        author_fullname: `t2_${spec.comment.id}`,
        body: spec.comment.body,
        score: 300,
        ups: 300,
        parent_id: `t3_${spec.id}`,
        link_id: `t3_${spec.id}`,
        created_utc: now - 300,
        permalink: `/comments/${spec.id}/_/${spec.comment.id}/`,
        stickied: false,
        distinguished: null,
        replies: "",
      },
    };
    fake.fixtures.comments[spec.id] = [comment];
  }
}

describe("Reddit trends become videos on a schedule, through the three services", () => {
  let stack: Stack;
  let reddit: FakeReddit;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "vs-e2e-reddit-"));
    reddit = await startFakeReddit();
    addShortPosts(reddit);
    stack = await startStack({
      dataDir,
      logLevel: "warn",
      env: {
        REDDIT_CLIENT_ID: reddit.clientId,
        REDDIT_CLIENT_SECRET: reddit.clientSecret,
        REDDIT_USER_AGENT: "test:video-service-e2e:1.0.0 (by /u/video_service_tests)",
        REDDIT_AUTH_URL: reddit.url,
        REDDIT_API_URL: reddit.url,
        // The two videos are made side by side (two cores).
        WORKER_CONCURRENCY: "2",
        RENDER_CONCURRENCY: "2",
      },
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await reddit?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  async function finished(id: string): Promise<Job> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const job = (await api("GET", `/v1/videos/${id}`)).body as unknown as Job;
      if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after 120 s`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  it("each run makes a video of the best unused post and its comment; the second run another post", async () => {
    const trends = (await api("GET", "/v1/trends?subreddits=nosleep&window=hour")).body as {
      data: { id: string; used: boolean }[];
    };
    expect(trends.data.slice(0, 2).map((c) => c.id)).toEqual(["e2e001", "e2e002"]);

    const created = await api("POST", "/v1/schedules", {
      cron: "0 8 * * *",
      timezone: "Europe/London",
      subreddits: ["nosleep"],
      window: "hour",
      format: "short",
      maxComments: 1,
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);

    const first = (await api("POST", `/v1/schedules/${id}/run`)).body;
    const second = (await api("POST", `/v1/schedules/${id}/run`)).body;
    expect(first).toMatchObject({ outcome: "created", postId: "e2e001" });
    expect(second).toMatchObject({ outcome: "created", postId: "e2e002" });

    for (const [index, run] of [first, second].entries()) {
      const spec = SHORT_POSTS[index];
      if (!spec) throw new Error("no spec");
      const job = await finished(String(run.jobId));
      expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
      expect(job.request.source.postId).toBe(spec.id);
      const metadata = JSON.parse(
        await readFile(join(stack.storageDir, job.outputs?.metadata?.key ?? "missing"), "utf8"),
      ) as Metadata;
      // The cards: the post's title, its body, then the chosen comment.
      expect(metadata.segments.map((s) => s.kind)).toEqual(["title", "body", "comment"]);
      expect(metadata.segments[0]?.text).toContain(spec.title.slice(0, 30));
      expect(metadata.segments[2]?.text).toContain(spec.comment.body.slice(0, 20));
      expect(metadata.description).toBe(
        `Story from r/nosleep by u/${spec.author}: https://www.reddit.com/r/nosleep/comments/${spec.id}/short_${index}/`,
      );
      expect(metadata.reddit).toMatchObject({ postId: spec.id, subreddit: "nosleep", author: spec.author });
      expect(job.outputs?.video.durationSeconds).toBeGreaterThan(3);
    }

    // Both posts are used now; the next run makes nothing new from them.
    const after = (await api("GET", "/v1/trends?subreddits=nosleep&window=hour")).body as {
      data: { id: string; used: boolean }[];
    };
    expect(after.data.filter((c) => c.id.startsWith("e2e")).map((c) => c.used)).toEqual([true, true]);
    const third = (await api("POST", `/v1/schedules/${id}/run`)).body;
    expect(third.postId).not.toBe("e2e001");
    expect(third.postId).not.toBe("e2e002");
  }, 240_000);
});
