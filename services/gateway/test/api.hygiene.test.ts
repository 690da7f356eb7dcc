import { Writable } from "node:stream";
import { createLogger } from "@video-service/logger";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, textStory } from "./harness.ts";

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ service: "gateway", level: "info", destination }), lines };
}

describe("request hygiene", () => {
  let h: Harness;
  const log = capturingLogger();
  beforeAll(async () => {
    h = await startHarness({ runWorker: false, logger: log.logger, env: { RATE_LIMIT_PER_MINUTE: "0" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers bad percent-encoding with 400, never a 500 or an error-level log", async () => {
    for (const path of ["/files/%zz", "/files/%", "/files/%ff%fe", "/files/%c0%ae", "/v1/videos/%E0%A4%A", "/%"]) {
      const response = await h.app.request(path);
      expect(response.status, path).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/problem\+json/);
    }
    expect((await h.call("GET", "/v1/videos/%zz")).status).toBe(400);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.lines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it("answers a known path with the wrong method 405 and Allow", async () => {
    const put = await h.call("PUT", "/v1/videos", textStory());
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, HEAD, POST");
    const patch = await h.call("PATCH", "/v1/videos/00mx4yr2q2-dy0yicg29b");
    expect(patch.status).toBe(405);
    expect(patch.headers.get("allow")).toBe("DELETE, GET, HEAD");
    expect((await h.app.request("/healthz", { method: "POST" })).status).toBe(405);
    expect((await h.call("GET", "/v1/nothing-here")).status).toBe(404);
  });

  it("refuses control characters in text (422), keeps line breaks where text has paragraphs", async () => {
    const story = textStory();
    const withBell = { ...story, source: { ...story.source, title: "Ring\u0007the bell" } };
    expect((await h.call("POST", "/v1/videos", withBell)).status).toBe(422);
    const twoLineTitle = { ...story, source: { ...story.source, title: "Two\nlines" } };
    expect((await h.call("POST", "/v1/videos", twoLineTitle)).status).toBe(422);
    const ansi = { ...story, source: { ...story.source, body: "ANSI \u001b[31mred\u001b[0m" } };
    expect((await h.call("POST", "/v1/videos", ansi)).status).toBe(422);
    const paragraphs = { ...story, source: { ...story.source, body: "First paragraph.\n\nSecond\tone." } };
    expect((await h.call("POST", "/v1/videos", paragraphs)).status).toBe(202);
  });

  it("property: any JSON body to POST /v1/videos is answered 2xx or 4xx problem, never 5xx", async () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.constantFrom("", " ", "\u0000", "a".repeat(400)),
    );
    const near = fc.record(
      {
        source: fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              type: fc.constantFrom("text", "reddit", "story", ""),
              title: text,
              body: text,
              subreddit: text,
              comments: fc.array(fc.record({ author: text, body: text }, { requiredKeys: [] }), { maxLength: 3 }),
            },
            { requiredKeys: [] },
          ),
        ),
        format: fc.oneof(fc.constantFrom("short", "standard", "long"), fc.jsonValue()),
        style: fc.jsonValue(),
        voice: fc.jsonValue(),
        webhook: fc.oneof(fc.record({ url: fc.oneof(fc.webUrl(), text) }), fc.jsonValue()),
        publish: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), near), async (body) => {
        const response = await h.call("POST", "/v1/videos", JSON.stringify(body));
        if (response.status >= 500 || response.status < 200) return false;
        if (response.status >= 400) return /problem\+json/.test(response.headers.get("content-type") ?? "");
        return true;
      }),
      { numRuns: 150 },
    );
  });
});

describe("limits per API key", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      runWorker: false,
      env: { RATE_LIMIT_PER_MINUTE: "4", MAX_UNFINISHED_JOBS_PER_KEY: "2" },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("caps unfinished jobs (429 + Retry-After), freeing a place when one ends", async () => {
    const first = await h.call("POST", "/v1/videos", textStory("One"));
    expect(first.status).toBe(202);
    expect(first.headers.get("ratelimit-limit")).toBe("4");
    expect(first.headers.get("ratelimit-remaining")).toBe("3");
    expect(first.headers.get("ratelimit-policy")).toBe("4;w=60");
    const { id } = (await first.json()) as { id: string };
    expect((await h.call("POST", "/v1/videos", textStory("Two"))).status).toBe(202);
    const third = await h.call("POST", "/v1/videos", textStory("Three"));
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("30");
    expect(((await third.json()) as { detail: string }).detail).toMatch(/2 unfinished jobs/);
    // Cancelling one frees its place (the fourth request of the minute).
    expect((await h.call("DELETE", `/v1/videos/${id}`)).status).toBe(202);
    expect(await h.jobs.countUnfinished((await h.jobs.get(id))?.owner ?? "")).toBe(1);
  });

  it("limits requests per minute with a token bucket: 429, Retry-After and RateLimit headers", async () => {
    // The bucket of this key is empty after the four requests above; another key has its own.
    const limited = await h.call("GET", "/v1/videos");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    const other = await h.call("GET", "/v1/videos", undefined, { authorization: "Bearer second-api-key-0123456789" });
    expect(other.status).toBe(200);
    // Health checks are not limited.
    expect((await h.app.request("/healthz")).status).toBe(200);
  });
});
