import { silentLogger } from "@video-service/logger";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeReddit, type FakeRedditOptions, startFakeReddit } from "../../test/fakes/fake-reddit.ts";
import { FIXTURE_POSTS, FIXTURE_SUBREDDITS } from "../../test/fixtures/reddit/reddit-fixtures.ts";
import { createRedditClient, type RedditClientOptions, TOKEN_REFRESH_MARGIN_MS } from "./reddit.client.ts";
import { RedditError } from "./reddit.types.ts";

const USER_AGENT = "server:video-service-tests:1.0.0 (by /u/video_service_bot)";

/** A clock that only moves when the client sleeps: waits are recorded, not spent. */
function testClock(start = Date.parse("2026-11-27T12:00:00Z")) {
  let t = start;
  const waits: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    waits,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      waits.push(ms);
      t += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

let fake: FakeReddit | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(
  o: { oauth?: boolean; fake?: FakeRedditOptions; client?: Partial<RedditClientOptions> } = {},
): Promise<{ fake: FakeReddit; clock: ReturnType<typeof testClock>; client: ReturnType<typeof createRedditClient> }> {
  const clock = testClock();
  fake = await startFakeReddit({ now: clock.now, ...o.fake });
  const oauth = o.oauth ?? true;
  const client = createRedditClient({
    userAgent: USER_AGENT,
    ...(oauth ? { clientId: fake.clientId, clientSecret: fake.clientSecret } : {}),
    authUrl: fake.url,
    apiUrl: fake.url,
    logger: silentLogger(),
    now: clock.now,
    sleep: clock.sleep,
    ...o.client,
  });
  return { fake, clock, client };
}

async function rejection(promise: Promise<unknown>): Promise<RedditError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RedditError);
  return err as RedditError;
}

describe("Reddit client with app-only OAuth", () => {
  it("gets a client_credentials token with HTTP Basic and sends it, the User-Agent and raw_json=1", async () => {
    const { fake, client } = await setup();
    const page = await client.listing({ subreddit: "tifu", sort: "hot", limit: 5 });

    expect(page.posts.map((post) => post.id)).toEqual([
      FIXTURE_POSTS.tifuPinned,
      FIXTURE_POSTS.tifuEmoji,
      FIXTURE_POSTS.tifuNsfw,
      FIXTURE_POSTS.tifuRemoved,
      FIXTURE_POSTS.tifuDeletedAuthor,
    ]);
    const [tokenRequest] = fake.tokenRequests();
    expect(tokenRequest).toMatchObject({
      method: "POST",
      path: "/api/v1/access_token",
      body: "grant_type=client_credentials",
      userAgent: USER_AGENT,
      authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString("base64")}`,
      status: 200,
    });
    const [apiRequest] = fake.apiRequests();
    expect(apiRequest?.path).toBe("/r/tifu/hot");
    expect(apiRequest?.query).toEqual({ limit: "5", raw_json: "1" });
    expect(apiRequest?.authorization).toMatch(/^bearer fake-/);
    expect(apiRequest?.userAgent).toBe(USER_AGENT);
  });

  it("maps posts: fullname, absolute permalink, NSFW, stickied, removed and deleted, link posts", async () => {
    const { client } = await setup();
    const hot = await client.listing({ subreddit: "tifu", sort: "hot", limit: 100 });
    const byId = new Map(hot.posts.map((post) => [post.id, post]));
    const emoji = byId.get(FIXTURE_POSTS.tifuEmoji);
    expect(emoji).toMatchObject({
      fullname: `t3_${FIXTURE_POSTS.tifuEmoji}`,
      subreddit: "tifu",
      author: "quackattack_77",
      score: 15_420,
      numComments: 812,
      over18: false,
      stickied: false,
      isSelf: true,
      removed: false,
      distinguished: null,
    });
    expect(emoji?.title).toContain("🦆");
    expect(emoji?.title).toContain("Привет");
    // raw_json=1: the body arrives unescaped except where the author typed an entity.
    expect(emoji?.selftext).toContain("「ありがとう」");
    expect(emoji?.permalink).toMatch(/^https:\/\/www\.reddit\.com\/r\/tifu\/comments\/tf1emo\/tifu_by_replying_all/);
    expect(byId.get(FIXTURE_POSTS.tifuPinned)).toMatchObject({ stickied: true, distinguished: "moderator" });
    expect(byId.get(FIXTURE_POSTS.tifuNsfw)?.over18).toBe(true);
    expect(byId.get(FIXTURE_POSTS.tifuRemoved)?.removed).toBe(true);
    expect(byId.get(FIXTURE_POSTS.tifuDeletedAuthor)).toMatchObject({ removed: true, author: "[deleted]" });

    const aita = await client.listing({ subreddit: "AmItheAsshole", sort: "hot" });
    expect(aita.posts.find((post) => post.id === FIXTURE_POSTS.aitaLinkPost)).toMatchObject({
      isSelf: false,
      selftext: "",
      url: "https://i.redd.it/f1x7ur3ch4t.png",
    });
  });

  it("follows `after` to the end of a listing, which is `after: null`", async () => {
    const { fake, client } = await setup();
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await client.listing({ subreddit: "tifu", sort: "hot", limit: 3, after });
      ids.push(...result.posts.map((post) => post.id));
      if (result.after === null) break;
      after = result.after;
    }
    const expected = fake.fixtures.subreddits.find((sub) => sub.name === "tifu")?.posts.map((post) => post.id);
    expect(ids).toEqual(expected);
    expect(fake.apiRequests().map((request) => request.query.after)).toEqual([
      undefined,
      `t3_${expected?.[2]}`,
      `t3_${expected?.[5]}`,
    ]);
  });

  it("asks top listings for a window (default day)", async () => {
    const { fake, client } = await setup();
    const day = await client.listing({ subreddit: "tifu", sort: "top" });
    const week = await client.listing({ subreddit: "tifu", sort: "top", t: "week" });
    const hour = await client.listing({ subreddit: "nosleep", sort: "top", t: "hour" });
    expect(fake.apiRequests().map((request) => request.query.t)).toEqual(["day", "week", "hour"]);
    expect(day.posts.map((post) => post.id)).not.toContain(FIXTURE_POSTS.tifuLastWeek);
    expect(week.posts[0]?.id).toBe(FIXTURE_POSTS.tifuLastWeek);
    expect(hour.posts.map((post) => post.id)).toEqual([FIXTURE_POSTS.nosleepHourOld]);
    await client.listing({ subreddit: "AskReddit", sort: "rising" });
    expect(fake.apiRequests().at(-1)?.path).toBe("/r/AskReddit/rising");
  });

  it('reads a post and its top-level comments (sort=top), skipping `more` stubs, with replies "" or a Listing', async () => {
    const { fake, client } = await setup();
    const { post, comments } = await client.post({
      postId: `t3_${FIXTURE_POSTS.aitaTable}`,
      subreddit: "AmItheAsshole",
    });
    expect(post.id).toBe(FIXTURE_POSTS.aitaTable);
    expect(post.selftext).toContain("| Room | $600 | $150 |");
    expect(fake.apiRequests()[0]).toMatchObject({
      path: `/r/AmItheAsshole/comments/${FIXTURE_POSTS.aitaTable}`,
      query: { sort: "top", depth: "1", limit: "50", raw_json: "1" },
    });
    // Pinned first, then by score, as Reddit sorts them; the trailing `more` stub is not a comment.
    expect(comments[0]).toMatchObject({ author: "AutoModerator", stickied: true, distinguished: "moderator" });
    expect(comments[1]).toMatchObject({ id: "c1nta", score: 9_400, deleted: false, removed: false });
    expect(comments.find((comment) => comment.id === "c4del")).toMatchObject({ deleted: true, removed: false });
    expect(comments.find((comment) => comment.id === "c5rem")).toMatchObject({ removed: true });
    expect(comments).toHaveLength(11);
    expect(comments.map((comment) => comment.id)).not.toContain("cbmo1");

    const withoutSub = await client.post({ postId: FIXTURE_POSTS.askRedditQuestion, commentLimit: 5 });
    expect(withoutSub.comments).toHaveLength(5);
    expect(fake.apiRequests().at(-1)?.path).toBe(`/comments/${FIXTURE_POSTS.askRedditQuestion}`);

    const noComments = await client.post({ postId: FIXTURE_POSTS.nosleepLong });
    expect(noComments.post.selftext).toHaveLength(40_000);
    expect(noComments.comments).toEqual([]);
  });

  it("says a post in another subreddit is not found there", async () => {
    const { client } = await setup();
    const err = await rejection(client.post({ postId: FIXTURE_POSTS.aitaTable, subreddit: "tifu" }));
    expect(err).toMatchObject({ kind: "not-found", subreddit: undefined });
    expect(err.message).toContain("not found in r/tifu");
    const unknown = await rejection(client.post({ postId: "zzzz99", subreddit: "tifu" }));
    expect(unknown).toMatchObject({ kind: "not-found", status: 404, subreddit: undefined });
  });

  it("reuses its token, and renews it a minute before it expires", async () => {
    const { fake, clock, client } = await setup({ fake: { tokenTtlSeconds: 3600 } });
    await client.listing({ subreddit: "tifu", sort: "hot" });
    await client.listing({ subreddit: "nosleep", sort: "hot" });
    expect(fake.tokenRequests()).toHaveLength(1);
    clock.advance(3600_000 - TOKEN_REFRESH_MARGIN_MS - 1000);
    await client.listing({ subreddit: "tifu", sort: "hot" });
    expect(fake.tokenRequests()).toHaveLength(1);
    clock.advance(2000);
    await client.listing({ subreddit: "tifu", sort: "hot" });
    expect(fake.tokenRequests()).toHaveLength(2);
    expect(fake.requests.every((request) => request.status === 200)).toBe(true);
    for (const request of fake.requests) expect(request.userAgent).toBe(USER_AGENT);
    for (const request of fake.apiRequests()) expect(request.query.raw_json).toBe("1");
  });

  it("renews the token exactly once on a 401 and retries the call", async () => {
    const { fake, client } = await setup();
    await client.listing({ subreddit: "tifu", sort: "hot" });
    fake.expireTokens();
    const page = await client.listing({ subreddit: "nosleep", sort: "hot" });
    expect(page.posts.length).toBeGreaterThan(0);
    expect(fake.requests.map((request) => `${request.kind} ${request.status}`)).toEqual([
      "token 200",
      "api 200",
      "api 401",
      "token 200",
      "api 200",
    ]);
  });

  it("gives up with an auth error when the new token is refused too", async () => {
    const { fake, client } = await setup();
    fake.addFault({ type: "expired-token" }, { times: 5 });
    const err = await rejection(client.listing({ subreddit: "tifu", sort: "hot" }));
    expect(err).toMatchObject({ kind: "auth", status: 401, retryable: false });
    expect(fake.tokenRequests()).toHaveLength(2);
    expect(fake.apiRequests()).toHaveLength(2);
  });

  it("reports refused credentials as an auth error", async () => {
    const { client, fake } = await setup({ client: { clientSecret: "wrong-secret" } });
    const err = await rejection(client.listing({ subreddit: "tifu", sort: "hot" }));
    expect(err).toMatchObject({ kind: "auth", status: 401 });
    expect(err.message).toContain("client id/secret");
    expect(fake.apiRequests()).toHaveLength(0);
  });

  it("waits for X-Ratelimit-Reset on a 429, then succeeds", async () => {
    const { fake, clock, client } = await setup();
    fake.addFault({ type: "rate-limited", resetSeconds: 2 });
    const page = await client.listing({ subreddit: "tifu", sort: "hot" });
    expect(page.posts.length).toBeGreaterThan(0);
    expect(clock.waits).toEqual([2000]);
    expect(fake.apiRequests().map((request) => request.status)).toEqual([429, 200]);
  });

  it("prefers Retry-After on a 429, and gives up after its retries", async () => {
    const { fake, clock, client } = await setup({ client: { maxRetries: 2 } });
    fake.addFault({ type: "rate-limited", resetSeconds: 30, retryAfterSeconds: 5 }, { times: 3 });
    const err = await rejection(client.listing({ subreddit: "tifu", sort: "hot" }));
    expect(err).toMatchObject({ kind: "rate-limited", status: 429, retryable: true });
    expect(clock.waits).toEqual([5000, 5000]);
    expect(fake.apiRequests()).toHaveLength(3);
  });

  it("does not call while X-Ratelimit-Remaining is spent: it waits for the reset", async () => {
    const { fake, clock, client } = await setup({ fake: { rateLimit: { limit: 2, windowSeconds: 60 } } });
    for (let i = 0; i < 5; i++) await client.listing({ subreddit: "tifu", sort: "hot", limit: 1 });
    expect(fake.apiRequests().map((request) => request.status)).toEqual([200, 200, 200, 200, 200]);
    expect(clock.waits.length).toBe(2);
    for (const wait of clock.waits) expect(wait).toBeGreaterThan(0);
  });

  it("retries a 503 with backoff, then succeeds", async () => {
    const { fake, clock, client } = await setup();
    fake.addFault({ type: "status", status: 503 }, { times: 2 });
    const page = await client.listing({ subreddit: "tifu", sort: "hot" });
    expect(page.posts.length).toBeGreaterThan(0);
    expect(fake.apiRequests().map((request) => request.status)).toEqual([503, 503, 200]);
    expect(clock.waits).toHaveLength(2);
    // Full jitter: at most the exponential bound (200 ms, then 400 ms).
    expect(clock.waits[0]).toBeLessThanOrEqual(200);
    expect(clock.waits[1]).toBeLessThanOrEqual(400);
  });

  it("gives up after maxRetries 5xx answers with a retryable 'unavailable' error", async () => {
    const { fake, client } = await setup({ client: { maxRetries: 1 } });
    fake.addFault({ type: "status", status: 502 }, { times: 5 });
    const err = await rejection(client.listing({ subreddit: "tifu", sort: "hot" }));
    expect(err).toMatchObject({ kind: "unavailable", status: 502, retryable: true, subreddit: "tifu" });
    expect(fake.apiRequests()).toHaveLength(2);
  });

  it("retries a dropped connection", async () => {
    const { fake, client } = await setup();
    fake.addFault({ type: "drop" });
    const { post } = await client.post({ postId: FIXTURE_POSTS.tifuEmoji });
    expect(post.id).toBe(FIXTURE_POSTS.tifuEmoji);
    expect(fake.apiRequests().map((request) => request.status)).toEqual([0, 200]);
  });

  it("gives up on an attempt that does not answer in time, and retries it", async () => {
    const { fake, client } = await setup({ client: { timeoutMs: 100 } });
    fake.addFault({ type: "hang" });
    const page = await client.listing({ subreddit: "tifu", sort: "hot" });
    expect(page.posts.length).toBeGreaterThan(0);
    expect(fake.apiRequests().map((request) => request.status)).toEqual([0, 200]);
  });

  it("retries the token endpoint too", async () => {
    const { fake, client } = await setup();
    fake.addFault({ type: "status", status: 500 }, { match: "token" });
    fake.addFault({ type: "drop" }, { match: "token" });
    await client.listing({ subreddit: "tifu", sort: "hot" });
    expect(fake.tokenRequests().map((request) => request.status)).toEqual([500, 0, 200]);
  });

  it("says a private or quarantined subreddit cannot be read (403)", async () => {
    const { fake, client } = await setup();
    const privateErr = await rejection(client.listing({ subreddit: FIXTURE_SUBREDDITS.private, sort: "hot" }));
    expect(privateErr).toMatchObject({ kind: "forbidden", status: 403, subreddit: "secretclub", retryable: false });
    expect(privateErr.message).toContain("r/secretclub is private");
    const quarantined = await rejection(client.listing({ subreddit: FIXTURE_SUBREDDITS.quarantined, sort: "top" }));
    expect(quarantined.message).toContain("r/edgyquarantine is quarantined");
    const post = await rejection(client.post({ postId: FIXTURE_POSTS.privatePost }));
    expect(post).toMatchObject({ kind: "forbidden", status: 403 });
    expect(post.message).toContain("private");
    fake.addFault({ type: "status", status: 403, body: { message: "Forbidden", error: 403 } });
    const generic = await rejection(client.listing({ subreddit: "tifu", sort: "hot" }));
    expect(generic.message).toContain("r/tifu is private, quarantined or banned");
    // Not retried.
    expect(fake.apiRequests().filter((request) => request.status === 403)).toHaveLength(4);
    expect(fake.apiRequests()).toHaveLength(4);
  });

  it("says an unknown post, subreddit or banned subreddit is not found (404)", async () => {
    const { client } = await setup();
    const post = await rejection(client.post({ postId: "zzzz99" }));
    expect(post).toMatchObject({ kind: "not-found", status: 404, retryable: false });
    expect(post.message).toContain("post zzzz99 not found");
    const sub = await rejection(client.listing({ subreddit: "no_such_place", sort: "hot" }));
    expect(sub).toMatchObject({ kind: "not-found", subreddit: "no_such_place" });
    const banned = await rejection(client.listing({ subreddit: FIXTURE_SUBREDDITS.banned, sort: "hot" }));
    expect(banned.message).toContain("banned");
  });

  it("rejects answers in the wrong shape or not JSON, without retrying", async () => {
    const { fake, client } = await setup();
    fake.addFault({ type: "wrong-shape" });
    const shape = await rejection(client.listing({ subreddit: "tifu", sort: "hot" }));
    expect(shape).toMatchObject({ kind: "bad-response", retryable: false });
    expect(shape.message).toContain("unexpected shape");
    fake.addFault({ type: "not-json" });
    const text = await rejection(client.post({ postId: FIXTURE_POSTS.tifuEmoji }));
    expect(text).toMatchObject({ kind: "bad-response", retryable: false });
    expect(fake.apiRequests()).toHaveLength(2);
  });

  it("validates subreddit names, post ids and cursors before calling", async () => {
    const { fake, client } = await setup();
    await expect(client.listing({ subreddit: "a", sort: "hot" })).rejects.toThrow(TypeError);
    await expect(client.listing({ subreddit: "tifu/../x", sort: "hot" })).rejects.toThrow(TypeError);
    await expect(client.listing({ subreddit: "tifu", sort: "hot", after: "bogus" })).rejects.toThrow(TypeError);
    await expect(client.listing({ subreddit: "tifu", sort: "hot", limit: 101 })).rejects.toThrow(TypeError);
    await expect(client.post({ postId: "ABC" })).rejects.toThrow(TypeError);
    await expect(client.post({ postId: "t1_abcdef" })).rejects.toThrow(TypeError);
    expect(fake.requests).toHaveLength(0);
  });

  it("stops at once when the caller aborts", async () => {
    const { fake, client } = await setup();
    fake.addFault({ type: "status", status: 503 }, { times: 3 });
    const controller = new AbortController();
    controller.abort(new Error("job cancelled"));
    await expect(client.listing({ subreddit: "tifu", sort: "hot", signal: controller.signal })).rejects.toThrow(
      "job cancelled",
    );
  });
});

describe("Reddit client without credentials", () => {
  it("uses the public .json endpoints, with the User-Agent and raw_json=1, and no token", async () => {
    const { fake, client } = await setup({ oauth: false });
    await client.listing({ subreddit: "nosleep", sort: "top", t: "week", limit: 2 });
    await client.post({ postId: FIXTURE_POSTS.tifuEmoji, subreddit: "tifu" });
    expect(fake.tokenRequests()).toHaveLength(0);
    expect(fake.apiRequests().map((request) => request.path)).toEqual([
      "/r/nosleep/top.json",
      `/r/tifu/comments/${FIXTURE_POSTS.tifuEmoji}.json`,
    ]);
    for (const request of fake.requests) {
      expect(request.userAgent).toBe(USER_AGENT);
      expect(request.query.raw_json).toBe("1");
      expect(request.authorization).toBeUndefined();
      expect(request.status).toBe(200);
    }
  });

  it("needs a User-Agent, and both halves of the credentials", () => {
    expect(() => createRedditClient({ userAgent: "  ", logger: silentLogger() })).toThrow(/User-Agent/);
    expect(() => createRedditClient({ userAgent: USER_AGENT, clientId: "only-id", logger: silentLogger() })).toThrow(
      /client secret/,
    );
  });
});
