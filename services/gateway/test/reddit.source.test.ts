import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Story } from "../src/script/index.ts";
import { FIXTURE_POSTS as P } from "./fixtures/reddit/reddit-fixtures.ts";
import { type RedditHarness, startRedditHarness } from "./harness.ts";

interface Job {
  id: string;
  status: string;
  request: { source: { type: string; subreddit: string; postId?: string } };
  error?: { stage: string; title: string; detail: string; retryable: boolean };
  outputs?: { metadata: { key: string; url: string } };
}

describe("POST /v1/videos with a Reddit source", () => {
  let h: RedditHarness;
  beforeAll(async () => {
    h = await startRedditHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = async (source: Record<string, unknown>) => {
    const response = await h.call("POST", "/v1/videos", { source: { type: "reddit", ...source }, format: "short" });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { id: string } };
  };

  it("makes a given post: the story has the post and its best comments, and the description credits it", async () => {
    const created = await create({ subreddit: "tifu", postId: P.tifuEmoji, maxComments: 2 });
    expect(created.status).toBe(202);
    const job = await h.waitForStatus<Job>(created.body.id, ["succeeded", "failed"]);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");

    const story = (await h.jobs.getStageOutput(job.id, "source")) as Story;
    expect(story.title).toContain("TIFU by replying-all with a 🦆");
    expect(story.body).toContain("ありがとう");
    // Top comments by score, at most two.
    expect(story.comments.map((c) => c.author)).toEqual(["reply_all_survivor", "sysadmin_sigh"]);
    expect(story.description).toBe(`Story from r/tifu by u/quackattack_77: ${story.permalink}`);
    expect(story.description).toMatch(
      /^Story from r\/tifu by u\/quackattack_77: https:\/\/www\.reddit\.com\/r\/tifu\/comments\/tf1emo\//,
    );

    const metadata = JSON.parse(await (await h.app.request(job.outputs?.metadata.url ?? "")).text()) as {
      title: string;
      description: string;
      source: string;
      reddit: { postId: string; subreddit: string; author: string; permalink: string };
      segments: { kind: string }[];
    };
    expect(metadata).toMatchObject({
      source: "reddit",
      title: story.title,
      description: story.description,
      reddit: { postId: P.tifuEmoji, subreddit: "tifu", author: "quackattack_77", permalink: story.permalink },
    });
    const kinds = metadata.segments.map((s) => s.kind);
    expect(kinds[0]).toBe("title");
    expect(kinds).toContain("body");
    expect(kinds.filter((k) => k === "comment").length).toBeGreaterThanOrEqual(1);

    // The post is remembered as used, by this job.
    expect(await h.reddit.usedPosts.usedBy(`t3_${P.tifuEmoji}`)).toBe(job.id);
    const trends = (await (await h.call("GET", "/v1/trends?subreddits=tifu")).json()) as {
      data: { id: string; used: boolean }[];
    };
    expect(trends.data.find((c) => c.id === P.tifuEmoji)?.used).toBe(true);
  });

  it("picks the best unused trend when no post is given, a different one each time, then says nothing is new", async () => {
    const ranked = (await (await h.call("GET", "/v1/trends?subreddits=AmItheAsshole")).json()) as {
      data: { id: string; used: boolean }[];
    };
    expect(ranked.data.map((c) => c.used)).toEqual([false, false]);

    const first = await create({ subreddit: "AmItheAsshole", maxComments: 1 });
    const second = await create({ subreddit: "AmItheAsshole", maxComments: 1 });
    expect([first.status, second.status]).toEqual([202, 202]);
    const jobs = await Promise.all(
      [first, second].map((c) => h.waitForStatus<Job>(c.body.id, ["succeeded", "failed"])),
    );
    // The request stored on each job names the post it was made from, best first.
    expect(jobs.map((j) => j.request.source.postId)).toEqual(ranked.data.map((c) => c.id));
    expect(jobs.map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
    const story = (await h.jobs.getStageOutput(jobs[1]?.id ?? "", "source")) as Story;
    expect(story.subreddit).toBe("AmItheAsshole");

    const third = await h.call("POST", "/v1/videos", {
      source: { type: "reddit", subreddit: "AmItheAsshole" },
      format: "short",
    });
    expect(third.status).toBe(409);
    const problem = (await third.json()) as { detail: string; subreddits: string[] };
    expect(problem.detail).toMatch(/no unused post in r\/AmItheAsshole/);
    expect(problem.subreddits).toEqual(["AmItheAsshole"]);
    // Nothing was created for it.
    const list = (await (await h.call("GET", "/v1/videos?limit=100")).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(3);
  });

  it("refuses a private subreddit with a 422 that names it; a job for a post there fails, not retryable", async () => {
    const refused = await h.call("POST", "/v1/videos", {
      source: { type: "reddit", subreddit: "secretclub" },
      format: "short",
    });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/r\/secretclub is private/);

    const created = await create({ subreddit: "secretclub", postId: P.privatePost });
    expect(created.status).toBe(202);
    const job = await h.waitForStatus<Job>(created.body.id, ["succeeded", "failed"]);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ stage: "source", retryable: false });
    expect(job.error?.detail).toMatch(/secretclub/);
  });

  it("validates the Reddit source", async () => {
    for (const source of [
      { subreddit: "x" },
      { subreddit: "tifu", postId: "t3_tf1emo" },
      { subreddit: "tifu", window: "month" },
      { subreddit: "tifu", maxComments: 100 },
    ]) {
      const response = await h.call("POST", "/v1/videos", { source: { type: "reddit", ...source }, format: "short" });
      expect(response.status, JSON.stringify(source)).toBe(422);
    }
    const unknown = await h.call("POST", "/v1/videos", { source: { type: "rss" }, format: "short" });
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/must be one of: text, reddit/);
  });
});
