import { silentLogger } from "@video-service/logger";
import { describe, expect, it } from "vitest";
import { createVideoRequestSchema } from "../src/api/video.schemas.ts";
import { gatewayConfigSchema } from "../src/config.ts";
import type { YoutubePublishRequest } from "../src/jobs/video-request.types.ts";
import { mediaCreditLines } from "../src/media/media-choice.ts";
import type { Story } from "../src/script/index.ts";
import { createYoutubePublisherFromConfig } from "../src/youtube/index.ts";
import { buildVideoResource, cutAtWord, fitTags } from "../src/youtube/video-metadata.ts";
import { parseGoogleError, youtubeError } from "../src/youtube/youtube-errors.ts";

const defaults: YoutubePublishRequest = { privacy: "private", madeForKids: false, notifySubscribers: true };
const story: Story = { title: "A title", comments: [] };

describe("YouTube metadata", () => {
  it("cuts long titles at a word boundary, at most 100 characters, without < or >", () => {
    const long = `<b>${"lorem ipsum dolor ".repeat(10)}</b>`;
    const { snippet } = buildVideoResource({
      story: { ...story, title: long },
      format: "standard",
      request: defaults,
      defaultCategoryId: "24",
    });
    expect(snippet.title.length).toBeLessThanOrEqual(100);
    expect(snippet.title).not.toMatch(/[<>]/);
    expect(snippet.title.endsWith("…")).toBe(true);
    expect(snippet.title.slice(0, -1)).toMatch(/(lorem|ipsum|dolor)$/);
    expect(cutAtWord("short enough", 100)).toBe("short enough");
  });

  it("keeps the description within 5000 characters with #Shorts for a short, and the credit line", () => {
    const { snippet } = buildVideoResource({
      story: { ...story, subreddit: "AskReddit", author: "someone", permalink: "/r/AskReddit/comments/x/y/" },
      format: "short",
      request: { ...defaults, description: "x ".repeat(4000) },
      defaultCategoryId: "24",
    });
    expect(snippet.description.length).toBeLessThanOrEqual(5000);
    expect(snippet.description.endsWith("#Shorts")).toBe(true);
    expect(snippet.description).toContain("r/AskReddit");
  });

  it("credits the library's background and music, whatever the description and its cut", () => {
    const lines = mediaCreditLines([
      { kind: "background-video", name: "ocean", credit: "CC BY 4.0, Jane <Doe>" },
      { kind: "music", name: "calm", credit: "own work" },
    ]);
    const { snippet } = buildVideoResource({
      story,
      format: "short",
      request: { ...defaults, description: "y ".repeat(4000) },
      defaultCategoryId: "24",
      mediaCredits: lines,
    });
    expect(snippet.description.length).toBeLessThanOrEqual(5000);
    expect(snippet.description).toContain("Background: ocean (CC BY 4.0, Jane Doe)\nMusic: calm (own work)");
    expect(snippet.description.endsWith("#Shorts")).toBe(true);
    const plain = buildVideoResource({
      story,
      format: "long",
      request: defaults,
      defaultCategoryId: "24",
      mediaCredits: lines,
    });
    expect(plain.snippet.description).toContain("Music: calm (own work)");
  });

  it("uses the source's own description (the Reddit credit) when the story has one", () => {
    const { snippet } = buildVideoResource({
      story: { ...story, description: "Credit: u/poster on r/tifu https://www.reddit.com/r/tifu/comments/1/" } as Story,
      format: "long",
      request: defaults,
      defaultCategoryId: "24",
    });
    expect(snippet.description).toBe("Credit: u/poster on r/tifu https://www.reddit.com/r/tifu/comments/1/");
  });

  it("does not add #Shorts twice, nor to long videos", () => {
    const short = buildVideoResource({
      story: { ...story, title: "Wow #shorts" },
      format: "short",
      request: defaults,
      defaultCategoryId: "24",
    });
    expect(short.snippet.description).not.toContain("#Shorts");
    const long = buildVideoResource({ story, format: "long", request: defaults, defaultCategoryId: "24" });
    expect(long.snippet.description).not.toContain("#Shorts");
    expect(long.snippet.tags).not.toContain("shorts");
  });

  it("fits tags within 500 characters as YouTube counts them", () => {
    const tags = fitTags(Array.from({ length: 60 }, (_, i) => `tag number ${i}`));
    const cost = tags.reduce((sum, tag) => sum + tag.length + (tag.includes(" ") ? 2 : 0), 0) + tags.length - 1;
    expect(cost).toBeLessThanOrEqual(500);
    expect(tags.length).toBeGreaterThan(20);
    expect(fitTags(["a,b", "<x>", "A,B"])).toEqual(["a b", "x"]);
  });

  it("always declares made-for-kids and synthetic media; schedules only future private videos", () => {
    const now = new Date("2026-11-27T12:00:00Z");
    const future = buildVideoResource({
      story,
      format: "short",
      request: { ...defaults, madeForKids: true, publishAt: "2026-12-01T09:00:00+01:00" },
      defaultCategoryId: "22",
      now,
    });
    expect(future.status).toEqual({
      privacyStatus: "private",
      publishAt: "2026-12-01T08:00:00.000Z",
      selfDeclaredMadeForKids: true,
      containsSyntheticMedia: true,
    });
    expect(future.snippet.categoryId).toBe("22");
    const past = buildVideoResource({
      story,
      format: "short",
      request: { ...defaults, publishAt: "2026-11-01T00:00:00Z" },
      defaultCategoryId: "24",
      now,
    });
    expect(past.status.publishAt).toBeUndefined();
  });

  it("the request schema refuses publishAt on public videos and in the past", () => {
    const base = { source: { type: "text", title: "t" }, format: "short" };
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const parse = (youtube: Record<string, unknown>) =>
      createVideoRequestSchema.safeParse({ ...base, publish: { youtube } });
    expect(parse({ publishAt: future }).success).toBe(true);
    const publicScheduled = parse({ privacy: "public", publishAt: future });
    expect(publicScheduled.error?.issues[0]?.message).toMatch(/privacy "private"/);
    expect(parse({ publishAt: "2020-01-01T00:00:00Z" }).error?.issues[0]?.message).toMatch(/future/);
    expect(parse({ categoryId: "abc" }).success).toBe(false);
  });

  it("turns Google's error JSON into a specific error", () => {
    const body = JSON.stringify({
      error: { code: 400, message: "upload limit", errors: [{ reason: "uploadLimitExceeded", message: "limit" }] },
    });
    const error = youtubeError("upload", parseGoogleError(400, body));
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/uploadLimitExceeded — the channel reached YouTube's 24-hour upload limit/);
    expect(youtubeError("upload", parseGoogleError(403, "<html>nope</html>")).message).toMatch(/HTTP 403/);
  });
});

describe("YouTube configuration", () => {
  const base = {
    API_KEYS: "test-api-key-0123456789",
    INTERNAL_TOKEN: "test-internal-token-0123456789",
    STORAGE_SIGNING_SECRET: "test-signing-secret-0123456789",
  };

  it("is off without credentials and needs all three of them", () => {
    const off = gatewayConfigSchema.parse(base);
    expect(
      createYoutubePublisherFromConfig({ config: off, redis: {} as never, store: {} as never, logger: silentLogger() }),
    ).toBeUndefined();
    expect(off.YOUTUBE_DAILY_UPLOADS).toBe(6);
    expect(off.YOUTUBE_CATEGORY_ID).toBe("24");
    expect(off.YOUTUBE_UPLOAD_URL).toBe("https://www.googleapis.com/upload/youtube/v3");
    const partial = gatewayConfigSchema.safeParse({ ...base, YOUTUBE_CLIENT_ID: "id" });
    expect(partial.error?.issues[0]?.message).toMatch(
      /YOUTUBE_CLIENT_ID, YOUTUBE_CLIENT_SECRET and YOUTUBE_REFRESH_TOKEN/,
    );
    const on = gatewayConfigSchema.parse({
      ...base,
      YOUTUBE_CLIENT_ID: "id",
      YOUTUBE_CLIENT_SECRET: "secret",
      YOUTUBE_REFRESH_TOKEN: "token",
    });
    const publisher = createYoutubePublisherFromConfig({
      config: on,
      redis: {} as never,
      store: {} as never,
      logger: silentLogger(),
    });
    expect(publisher?.defaultCategoryId).toBe("24");
  });

  it("refuses chunk sizes that are not multiples of 256 KiB and unknown time zones", () => {
    expect(gatewayConfigSchema.safeParse({ ...base, YOUTUBE_CHUNK_BYTES: "300000" }).success).toBe(false);
    expect(gatewayConfigSchema.safeParse({ ...base, YOUTUBE_CHUNK_BYTES: String(512 * 1024) }).success).toBe(true);
    expect(gatewayConfigSchema.safeParse({ ...base, YOUTUBE_QUOTA_TIMEZONE: "Mars/Olympus" }).success).toBe(false);
  });
});
