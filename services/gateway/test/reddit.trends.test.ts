import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSubreddits, trendScore } from "../src/trends/index.ts";
import { FIXTURE_POSTS as P } from "./fixtures/reddit/reddit-fixtures.ts";
import { type RedditHarness, startRedditHarness } from "./harness.ts";

interface Candidate {
  id: string;
  fullname: string;
  subreddit: string;
  score: number;
  numComments: number;
  ageHours: number;
  trendScore: number;
  used: boolean;
  over18: boolean;
  permalink: string;
}

describe("trend score and subreddit lists", () => {
  it("is (score + 2·comments) / (ageHours + 2)^1.5", () => {
    const now = 1_800_000_000_000;
    const post = { score: 1000, numComments: 250, createdUtc: now / 1000 - 7 * 3600 };
    expect(trendScore(post, now)).toBeCloseTo(1500 / 27, 6);
    // The same engagement twice as old ranks lower; a fresh post does not divide by zero.
    expect(trendScore({ ...post, createdUtc: now / 1000 - 14 * 3600 }, now)).toBeLessThan(trendScore(post, now));
    expect(trendScore({ ...post, createdUtc: now / 1000 }, now)).toBeCloseTo(1500 / 2 ** 1.5, 6);
    expect(trendScore({ score: -40, numComments: 0, createdUtc: now / 1000 }, now)).toBe(0);
  });

  it('reads "a+b", "a,b" and arrays; refuses names that are not subreddits', () => {
    expect(parseSubreddits("tifu+AmItheAsshole")).toEqual(["tifu", "AmItheAsshole"]);
    expect(parseSubreddits("r/tifu, nosleep,TIFU")).toEqual(["tifu", "nosleep"]);
    expect(parseSubreddits(["tifu", "nosleep"])).toEqual(["tifu", "nosleep"]);
    expect(() => parseSubreddits("tifu,../etc")).toThrow(/not a subreddit name/);
    expect(() => parseSubreddits(",")).toThrow(/at least one/);
  });
});

describe("GET /v1/trends against the fake Reddit", () => {
  let h: RedditHarness;
  beforeAll(async () => {
    h = await startRedditHarness({ runWorker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  const trends = async (query: string) => {
    const response = await h.call("GET", `/v1/trends?${query}`);
    const body = (await response.json()) as { data: Candidate[] } & Record<string, unknown>;
    return { status: response.status, body, data: body.data };
  };

  it("ranks hot, rising and top of several subreddits by the trend score, filtered and de-duplicated", async () => {
    const { status, data } = await trends("subreddits=tifu,AmItheAsshole&window=day");
    expect(status).toBe(200);
    const ids = data.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Stickied, NSFW, removed, deleted, link-only and older-than-the-window posts are left out.
    for (const out of [P.tifuPinned, P.aitaPinned, P.tifuNsfw, P.tifuRemoved, P.tifuDeletedAuthor, P.aitaLinkPost]) {
      expect(ids).not.toContain(out);
    }
    expect(ids).not.toContain(P.tifuLastWeek);
    expect(ids).toEqual(expect.arrayContaining([P.tifuEmoji, P.aitaTable, P.aitaWibta, P.tifuTables, P.tifuQuiet]));
    const scores = data.map((c) => c.trendScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const emoji = data.find((c) => c.id === P.tifuEmoji);
    expect(emoji).toMatchObject({
      fullname: `t3_${P.tifuEmoji}`,
      subreddit: "tifu",
      used: false,
      over18: false,
      permalink: expect.stringMatching(/^https:\/\/www\.reddit\.com\/r\/tifu\/comments\/tf1emo\//),
    });
    expect(emoji?.ageHours).toBeCloseTo(5, 1);
    // The score uses the exact age at the moment of the request; the age shown is rounded to 0.01 h
    // (36 s), over which this score moves by up to ~1 (d score / d age = 1.5 · score / (age + 2)).
    const shownAge = (emoji?.ageHours ?? 0) + 2;
    const recomputed = (15_420 + 2 * 812) / shownAge ** 1.5;
    expect(Math.abs((emoji?.trendScore ?? 0) - recomputed)).toBeLessThan((1.5 * recomputed * 0.005) / shownAge + 0.01);
    // Every listing was read: hot, rising and top of the day, for both subreddits.
    const paths = h.fakeReddit.apiRequests().map((r) => `${r.path}?t=${r.query.t ?? ""}`);
    for (const sub of ["tifu", "AmItheAsshole"]) {
      expect(paths.some((p) => p.startsWith(`/r/${sub}/hot`))).toBe(true);
      expect(paths.some((p) => p.startsWith(`/r/${sub}/rising`))).toBe(true);
      expect(paths.some((p) => p.startsWith(`/r/${sub}/top`) && p.endsWith("t=day"))).toBe(true);
    }
  });

  it("applies the window, NSFW opt-in, minimum score and comments, one listing, and the limit", async () => {
    expect((await trends("subreddits=tifu&window=week")).data.map((c) => c.id)).toContain(P.tifuLastWeek);
    expect((await trends("subreddits=tifu&nsfw=true")).data.map((c) => c.id)).toContain(P.tifuNsfw);
    const strict = (await trends("subreddits=tifu&minScore=1000&minComments=150")).data;
    expect(strict.map((c) => c.id).sort()).toEqual([P.tifuEmoji, P.tifuTables].sort());
    const top = await trends("subreddits=nosleep&sort=top&window=hour");
    expect(top.data.map((c) => c.id)).toEqual([P.nosleepHourOld]);
    expect((await trends("subreddits=tifu,AmItheAsshole&limit=2")).data).toHaveLength(2);
  });

  it("marks posts already used, and picking skips them (atomically, for concurrent pickers)", async () => {
    const before = (await trends("subreddits=AmItheAsshole")).data;
    expect(before).toHaveLength(2);
    const best = before[0];
    if (!best) throw new Error("no candidates");
    expect(await h.reddit.usedPosts.claim(best.fullname, "job-a")).toBe(true);
    expect(await h.reddit.usedPosts.claim(best.fullname, "job-b")).toBe(false);
    const after = (await trends("subreddits=AmItheAsshole")).data;
    expect(after.find((c) => c.id === best.id)?.used).toBe(true);
    expect(after.filter((c) => c.id !== best.id).every((c) => !c.used)).toBe(true);

    const query = { subreddits: ["AmItheAsshole"], window: "day" as const };
    const [one, two] = await Promise.all([
      h.reddit.trends.claimBest(query, "job-c"),
      h.reddit.trends.claimBest(query, "job-d"),
    ]);
    // One unused candidate was left: exactly one of the two concurrent pickers gets it.
    const winners = [one, two].filter((c) => c !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.id).not.toBe(best.id);
    expect(before.map((c) => c.id)).toContain(winners[0]?.id);
    // Nothing left: every candidate of the subreddit is used.
    expect(await h.reddit.trends.claimBest(query, "job-e")).toBeUndefined();
    // A claim is given back only by the job that holds it.
    expect(await h.reddit.usedPosts.release(best.fullname, "job-b")).toBe(false);
    expect(await h.reddit.usedPosts.release(best.fullname, "job-a")).toBe(true);
    expect(await h.reddit.usedPosts.usedBy(best.fullname)).toBeUndefined();
  });

  it("names a private, quarantined or missing subreddit in a 422 problem", async () => {
    for (const [sub, word] of [
      ["secretclub", /r\/secretclub is private, quarantined or banned/],
      ["edgyquarantine", /r\/edgyquarantine is private, quarantined or banned/],
      ["doesnotexist42", /r\/doesnotexist42 does not exist/],
    ] as const) {
      const response = await h.call("GET", `/v1/trends?subreddits=tifu,${sub}`);
      expect(response.status).toBe(422);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as { detail: string; subreddit: string };
      expect(problem.detail).toMatch(word);
      expect(problem.subreddit).toBe(sub);
    }
  });

  it("answers 503 (never 500) while Reddit is down, and 422 for a bad query", async () => {
    h.fakeReddit.setFault({ type: "status", status: 503 }, { match: "api", times: 100 });
    try {
      const response = await h.call("GET", "/v1/trends?subreddits=tifu");
      expect(response.status).toBe(503);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/Reddit is unavailable/);
    } finally {
      h.fakeReddit.setFault(null);
    }
    expect((await h.call("GET", "/v1/trends?subreddits=tifu")).status).toBe(200);
    const bad = await h.call("GET", "/v1/trends?subreddits=ti-fu&window=month");
    expect(bad.status).toBe(422);
    const problem = (await bad.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain("query.window");
    const badName = await h.call("GET", "/v1/trends?subreddits=ti-fu");
    expect(badName.status).toBe(422);
    expect(((await badName.json()) as { detail: string }).detail).toMatch(/"ti-fu" is not a subreddit name/);
  });
});
