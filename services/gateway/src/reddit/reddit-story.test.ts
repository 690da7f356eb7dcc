import { silentLogger } from "@video-service/logger";
import { describe, expect, it } from "vitest";
import { startFakeReddit } from "../../test/fakes/fake-reddit.ts";
import { FIXTURE_POSTS } from "../../test/fixtures/reddit/reddit-fixtures.ts";
import { buildScript, toSpeakableText } from "../script/index.ts";
import { createRedditClient } from "./reddit.client.ts";
import type { RedditComment, RedditPost } from "./reddit.types.ts";
import { commentSkipReason, creditLine, isBotAuthor, selectComments, storyFromReddit } from "./reddit-story.ts";

function comment(overrides: Partial<RedditComment> & { id: string }): RedditComment {
  return {
    author: "someone",
    body: "A fine comment.",
    score: 10,
    stickied: false,
    distinguished: null,
    createdUtc: 1_800_000_000,
    deleted: false,
    removed: false,
    ...overrides,
  };
}

const post: RedditPost = {
  id: "abc123",
  fullname: "t3_abc123",
  subreddit: "tifu",
  title: "TIFU by mowing my neighbour's lawn",
  selftext: "It was **not** my lawn. TL;DR: wrong lawn.",
  author: "lawn_guy",
  score: 1234,
  upvoteRatio: 0.97,
  numComments: 56,
  createdUtc: 1_800_000_000,
  over18: false,
  stickied: false,
  isSelf: true,
  removed: false,
  permalink: "https://www.reddit.com/r/tifu/comments/abc123/tifu_by_mowing/",
  url: "https://www.reddit.com/r/tifu/comments/abc123/tifu_by_mowing/",
  distinguished: null,
  spoiler: false,
  locked: false,
};

describe("selectComments", () => {
  it("skips deleted, removed, stickied, moderator, admin, bot and over-length comments; best score first", () => {
    const comments = [
      comment({ id: "low", score: 5 }),
      comment({ id: "deleted", author: "[deleted]", body: "[deleted]", deleted: true, score: 900 }),
      comment({ id: "removed", body: "[removed]", removed: true, score: 800 }),
      comment({ id: "sticky", stickied: true, score: 700 }),
      comment({ id: "mod", distinguished: "moderator", score: 600 }),
      comment({ id: "admin", distinguished: "admin", score: 600 }),
      comment({ id: "automod", author: "AutoModerator", score: 500 }),
      comment({ id: "remindme", author: "RemindMeBot", score: 400 }),
      comment({ id: "dashbot", author: "helper-bot", score: 400 }),
      comment({ id: "underbot", author: "Some_BOT", score: 400 }),
      comment({ id: "long", body: "word ".repeat(200), score: 300 }),
      comment({ id: "emoji-only", body: "😂😂😂", score: 250 }),
      comment({ id: "top", score: 100 }),
      comment({ id: "mid-a", score: 50 }),
      comment({ id: "mid-b", score: 50 }),
    ];
    expect(selectComments(comments, { maxComments: 10 }).map((c) => c.id)).toEqual(["top", "mid-a", "mid-b", "low"]);
    expect(selectComments(comments, { maxComments: 2 }).map((c) => c.id)).toEqual(["top", "mid-a"]);
    expect(selectComments(comments, { maxComments: 10, maxCommentChars: 2000 }).map((c) => c.id)).toContain("long");
    expect(selectComments(comments, { maxComments: 0 })).toEqual([]);
  });

  it("measures length on the card text, not the Markdown", () => {
    const linked = comment({ id: "linked", body: `[short](https://example.com/${"x".repeat(700)})` });
    expect(commentSkipReason(linked, 600)).toBeUndefined();
    expect(commentSkipReason(comment({ id: "x", body: "y".repeat(601) }), 600)).toBe("too long");
  });

  it("recognises bots by name", () => {
    for (const name of ["AutoModerator", "automoderator", "RemindMeBot", "sneakpeekbot", "x-bot", "x_BOT"]) {
      expect(isBotAuthor(name)).toBe(true);
    }
    for (const name of ["robotics_fan", "bottle_opener", "lawn_guy"]) expect(isBotAuthor(name)).toBe(false);
  });
});

describe("storyFromReddit", () => {
  it("keeps the original wording and fills the Reddit fields", () => {
    const story = storyFromReddit(
      post,
      [comment({ id: "a", author: "neighbour", body: "NTA, but **mow mine** too. OP rocks.", score: 42 })],
      { maxComments: 3 },
    );
    expect(story).toEqual({
      title: "TIFU by mowing my neighbour's lawn",
      body: "It was **not** my lawn. TL;DR: wrong lawn.",
      comments: [{ author: "neighbour", body: "NTA, but **mow mine** too. OP rocks.", score: 42 }],
      subreddit: "tifu",
      author: "lawn_guy",
      score: 1234,
      commentCount: 56,
      permalink: "https://www.reddit.com/r/tifu/comments/abc123/tifu_by_mowing/",
    });
    // The script stage derives speech from it: the voice expands, the card keeps the words.
    const script = buildScript({ story, format: "short", wordsPerMinute: 170 });
    const title = script.segments.find((segment) => segment.kind === "title");
    expect(title?.speech).toBe("Today I messed up by mowing my neighbour's lawn.");
    expect(JSON.stringify(title?.card)).toContain("TIFU by mowing");
  });

  it("leaves out the body of link posts and removed posts", () => {
    expect(storyFromReddit({ ...post, selftext: "", isSelf: false }, [], { maxComments: 3 }).body).toBeUndefined();
    expect(storyFromReddit({ ...post, selftext: "[removed]" }, [], { maxComments: 3 }).body).toBeUndefined();
  });

  it("credits the subreddit, the author and the permalink", () => {
    expect(creditLine(post)).toBe(
      "Story from r/tifu by u/lawn_guy: https://www.reddit.com/r/tifu/comments/abc123/tifu_by_mowing/",
    );
    expect(creditLine({ ...post, author: "[deleted]" })).toBe(
      "Story from r/tifu by a deleted account: https://www.reddit.com/r/tifu/comments/abc123/tifu_by_mowing/",
    );
  });

  it("builds a story from the fake's AmItheAsshole thread", async () => {
    const fake = await startFakeReddit();
    try {
      const client = createRedditClient({
        userAgent: "server:video-service-tests:1.0.0 (by /u/video_service_bot)",
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        authUrl: fake.url,
        apiUrl: fake.url,
        logger: silentLogger(),
      });
      const { post: thread, comments } = await client.post({ postId: FIXTURE_POSTS.aitaTable });
      const story = storyFromReddit(thread, comments, { maxComments: 4 });
      // AutoModerator, the moderator, [deleted], [removed], the bots and the over-long comment are gone.
      expect(story.comments.map((c) => c.author)).toEqual([
        "kitchen_table_judge",
        "devils_advocate_88",
        "middle_ground_mary",
        "ελληνίδα_99",
      ]);
      expect(story.comments[3]?.body).toContain("😂");
      expect(toSpeakableText(story.comments[0]?.body ?? "")).toBe(
        "Not the a-hole. It's your flat. If she wants a walk-in closet she can pay for one. The original poster, change the lock.",
      );
      expect(story.body).toContain("| Room | $600 | $150 |");
      expect(story.permalink).toMatch(/^https:\/\/www\.reddit\.com\/r\/AmItheAsshole\/comments\/ai1tbl\//);
    } finally {
      await fake.close();
    }
  });
});
