import { cardSpecSchema, FORMATS, type Format } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import { buildScript, CARD_LIMITS, estimateSpeechSeconds, paginate, refitToDurations } from "./build-script.ts";
import type { Script, Story } from "./script.types.ts";
import { narratedVideoSeconds } from "./timeline.ts";

const WPM = 175;

/** n distinct sentences of about 12 words each. */
function sentences(n: number, prefix = "Sentence"): string {
  return Array.from(
    { length: n },
    (_, i) => `${prefix} number ${i + 1} tells a little more of the story than the one before it did.`,
  ).join(" ");
}

function story(overrides: Partial<Story> = {}): Story {
  return {
    title: "AITA for telling my roommate to stop adopting cats?",
    body: sentences(2),
    comments: [
      { author: "alice", body: "NTA. Three cats is a lot.", score: 120 },
      { author: "bob", body: "YTA, cats are great.", score: 40 },
    ],
    subreddit: "AmItheAsshole",
    author: "throwaway123",
    score: 5400,
    commentCount: 812,
    ...overrides,
  };
}

const hugeStory = (): Story =>
  story({
    body: Array.from({ length: 60 }, (_, p) => sentences(8, `Paragraph ${p + 1} sentence`)).join("\n\n"),
    comments: Array.from({ length: 300 }, (_, i) => ({
      author: `user${i}`,
      body: sentences(2, `Comment ${i}`),
      score: 1,
    })),
  });

describe("buildScript", () => {
  it("tells the title, then the body, then the comments, with valid cards and stable ids", () => {
    const script = buildScript({ story: story(), format: "standard", wordsPerMinute: WPM });
    expect(script.segments.map((s) => s.id)).toEqual(["title", "body-1", "comment-1", "comment-2"]);
    expect(script.segments.map((s) => s.kind)).toEqual(["title", "body", "comment", "comment"]);
    for (const segment of script.segments) {
      expect(cardSpecSchema.safeParse(segment.card).success).toBe(true);
      expect(segment.speech).toMatch(/[.!?]$/);
      expect(segment.estimatedSeconds).toBeCloseTo(estimateSpeechSeconds(segment.speech, WPM), 6);
    }
    expect(script.segments[0]?.card).toEqual({
      kind: "title",
      title: "AITA for telling my roommate to stop adopting cats?",
      subreddit: "AmItheAsshole",
      author: "throwaway123",
      score: 5400,
      comments: 812,
    });
    expect(script.segments[2]?.card).toEqual({
      kind: "comment",
      body: "NTA. Three cats is a lot.",
      author: "alice",
      score: 120,
    });
    expect(script).toMatchObject({ droppedComments: 0, truncated: false });
    expect(script.estimatedSeconds).toBeCloseTo(
      narratedVideoSeconds(script.segments.map((s) => s.estimatedSeconds)),
      6,
    );
  });

  it.each(["short", "standard", "long"] as Format[])("fits a huge story into the %s budget", (format) => {
    const script = buildScript({ story: hugeStory(), format, wordsPerMinute: WPM });
    const { max } = FORMATS[format].targetSeconds;
    expect(script.estimatedSeconds).toBeLessThanOrEqual(max);
    // Full: nothing else of the story's size would fit (a page is at most 15 s plus padding).
    expect(script.estimatedSeconds).toBeGreaterThan(max - 20);
    expect(script.segments[0]?.id).toBe("title");
    expect(script.truncated).toBe(true);
    expect(script.droppedComments).toBe(300 - script.segments.filter((s) => s.kind === "comment").length);
  });

  it("scales the budget with the speaking rate", () => {
    const slow = buildScript({ story: hugeStory(), format: "short", wordsPerMinute: 120 });
    const fast = buildScript({ story: hugeStory(), format: "short", wordsPerMinute: 300 });
    const words = (s: Script) => s.segments.reduce((sum, seg) => sum + seg.speech.split(" ").length, 0);
    expect(words(fast)).toBeGreaterThan(words(slow) * 2);
  });

  it("cuts a body that does not fit at a sentence boundary", () => {
    const script = buildScript({ story: hugeStory(), format: "short", wordsPerMinute: WPM });
    const pages = script.segments.filter((s) => s.kind === "body");
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) {
      expect(page.card.kind === "text" && page.card.body).toMatch(/\.$/);
    }
    expect(script.truncated).toBe(true);
  });

  it("splits the body into numbered pages that fit a card and take 8–15 s to say", () => {
    const script = buildScript({ story: story({ body: sentences(30) }), format: "long", wordsPerMinute: WPM });
    const pages = script.segments.filter((s) => s.kind === "body");
    expect(pages.length).toBeGreaterThan(2);
    for (const [i, page] of pages.entries()) {
      if (page.card.kind !== "text") throw new Error("body pages are text cards");
      expect(page.card.body.length).toBeLessThanOrEqual(CARD_LIMITS.long.pageChars);
      expect(page.card.page).toEqual({ index: i + 1, total: pages.length });
      expect(page.estimatedSeconds).toBeGreaterThanOrEqual(8);
      expect(page.estimatedSeconds).toBeLessThanOrEqual(15 + 1);
      expect(page.id).toBe(`body-${i + 1}`);
    }
    // Nothing lost or repeated: the pages are the body, in order.
    const rejoined = pages.map((p) => (p.card.kind === "text" ? p.card.body : "")).join(" ");
    expect(rejoined).toBe(sentences(30));
    expect(script.truncated).toBe(false);
  });

  it("uses smaller pages on the vertical short canvas", () => {
    const pages = paginate(sentences(20), { ...CARD_LIMITS.short, wordsPerMinute: WPM });
    expect(pages.every((p) => p.text.length <= CARD_LIMITS.short.pageChars)).toBe(true);
    const widePages = paginate(sentences(20), { ...CARD_LIMITS.standard, wordsPerMinute: WPM });
    expect(pages.length).toBeGreaterThanOrEqual(widePages.length);
  });

  it("splits a single over-long sentence at word boundaries, and a giant word anywhere", () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`);
    const runOn = `${words.join(" ")}.`;
    const pages = paginate(runOn, { ...CARD_LIMITS.short, wordsPerMinute: WPM });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p.text).join(" ")).toBe(runOn);
    for (const page of pages) {
      expect(page.text.length).toBeLessThanOrEqual(CARD_LIMITS.short.pageChars);
      expect(page.text).toMatch(/^word\d+\b/);
    }
    const giant = "x".repeat(1000);
    const giantPages = paginate(giant, { ...CARD_LIMITS.short, wordsPerMinute: WPM });
    expect(giantPages.map((p) => p.text).join("")).toBe(giant);
    expect(giantPages.every((p) => p.text.length <= CARD_LIMITS.short.pageChars)).toBe(true);
  });

  it("starts a new page at a paragraph once the page is long enough", () => {
    const body = `${sentences(2, "First")}\n\n${sentences(2, "Second")}`;
    const pages = paginate(body, { ...CARD_LIMITS.long, wordsPerMinute: WPM });
    expect(pages.map((p) => p.text)).toEqual([sentences(2, "First"), sentences(2, "Second")]);
  });

  it("puts hostile and non-Latin text on the cards unchanged", () => {
    const hostile = 'Ünïcödé 日本語 😀🤷🏽‍♀️ "quotes" {\\an8} <script>alert(1)</script> 100% C:\\path';
    const script = buildScript({
      story: story({ title: hostile, body: hostile, comments: [{ body: hostile, author: "名前" }] }),
      format: "short",
      wordsPerMinute: WPM,
    });
    expect(script.segments.map((s) => s.card)).toEqual([
      expect.objectContaining({ kind: "title", title: hostile }),
      { kind: "text", body: hostile },
      { kind: "comment", body: hostile, author: "名前" },
    ]);
    // The voice gets speakable text: no emoji, no tags.
    // No Japanese voice given: the run of kanji stays on the card and out of the narration.
    expect(script.segments[0]?.speech).toBe('Ünïcödé "quotes" {\\an8} alert(1) 100% C:\\path.');
  });

  it("card text drops Markdown syntax while speech also drops URLs", () => {
    const script = buildScript({
      story: story({ body: "**Update:** see [my post](https://reddit.com/x) or https://example.com" }),
      format: "short",
      wordsPerMinute: WPM,
    });
    expect(script.segments[1]).toMatchObject({
      card: { kind: "text", body: "Update: see my post or https://example.com" },
      speech: "Update: see my post or link.",
    });
  });

  it("skips deleted, empty and card-overflowing comments, and counts them as dropped", () => {
    const tooLong = sentences(40);
    const script = buildScript({
      story: story({
        body: undefined,
        comments: [
          { body: "[deleted]" },
          { body: "First real one." },
          { body: tooLong },
          { body: "😀" },
          { body: "Second real one." },
        ],
      }),
      format: "standard",
      wordsPerMinute: WPM,
    });
    expect(script.segments.map((s) => s.id)).toEqual(["title", "comment-2", "comment-5"]);
    expect(script.droppedComments).toBe(3);
    expect(script.truncated).toBe(false);
  });

  it("always has the title, even when it alone says little", () => {
    const script = buildScript({ story: { title: "🎉🎉", comments: [] }, format: "short", wordsPerMinute: WPM });
    expect(script.segments).toHaveLength(1);
    expect(script.segments[0]).toMatchObject({ id: "title", speech: "Untitled post.", card: { title: "🎉🎉" } });
  });

  it("keeps card fields within the contract's limits", () => {
    const script = buildScript({
      story: story({ title: "t".repeat(500), subreddit: "s".repeat(100), author: "a".repeat(100) }),
      format: "short",
      wordsPerMinute: WPM,
    });
    const card = script.segments[0]?.card;
    expect(cardSpecSchema.safeParse(card).success).toBe(true);
    expect(card?.kind === "title" && card.title).toHaveLength(400);
  });
});

describe("refitToDurations", () => {
  const script = buildScript({
    story: story({
      body: sentences(8),
      comments: Array.from({ length: 6 }, (_, i) => ({ body: `Comment ${i + 1} is short.` })),
    }),
    format: "short",
    wordsPerMinute: WPM,
  });

  it("keeps a script whose real durations fit, taking them as its timings", () => {
    const durations = Object.fromEntries(script.segments.map((s) => [s.id, 1]));
    const refitted = refitToDurations(script, durations, "short");
    expect(refitted.segments.map((s) => s.id)).toEqual(script.segments.map((s) => s.id));
    expect(refitted.segments.every((s) => s.estimatedSeconds === 1)).toBe(true);
    expect(refitted.estimatedSeconds).toBeCloseTo(narratedVideoSeconds(script.segments.map(() => 1)), 6);
    expect(refitted.droppedComments).toBe(script.droppedComments);
  });

  it("drops trailing comments first, then body pages, until the real durations fit", () => {
    const ids = script.segments.map((s) => s.id);
    const pageCount = ids.filter((id) => id.startsWith("body-")).length;
    const commentCount = ids.filter((id) => id.startsWith("comment-")).length;
    expect(pageCount).toBeGreaterThan(1);
    expect(commentCount).toBeGreaterThan(0);

    // Every clip takes 10 s: 60 s hold the title and four more clips with padding (5·10 + 4·0.8 + 1.1).
    const durations = Object.fromEntries(script.segments.map((s) => [s.id, 10]));
    const refitted = refitToDurations(script, durations, "short");
    expect(refitted.segments.map((s) => s.id)).toEqual(ids.slice(0, 5));
    expect(refitted.estimatedSeconds).toBeLessThanOrEqual(FORMATS.short.targetSeconds.max);
    expect(refitted.droppedComments).toBe(script.droppedComments + commentCount - Math.max(0, 4 - pageCount));
    const pages = refitted.segments.filter((s) => s.kind === "body");
    expect(refitted.truncated).toBe(pages.length < pageCount);
    // Pages are renumbered for what remains.
    for (const [i, page] of pages.entries()) {
      if (page.card.kind !== "text") throw new Error("body pages are text cards");
      expect(page.card.page).toEqual(pages.length > 1 ? { index: i + 1, total: pages.length } : undefined);
    }
  });

  it("never drops the title", () => {
    const durations = Object.fromEntries(script.segments.map((s) => [s.id, 100]));
    const refitted = refitToDurations(script, durations, "short");
    expect(refitted.segments.map((s) => s.id)).toEqual(["title"]);
    expect(refitted.truncated).toBe(true);
  });

  it("uses the estimate for a segment that was not measured", () => {
    const refitted = refitToDurations(script, {}, "short");
    expect(refitted.segments.map((s) => s.estimatedSeconds)).toEqual(script.segments.map((s) => s.estimatedSeconds));
  });
});
