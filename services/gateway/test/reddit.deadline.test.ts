import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

describe("POST /v1/videos with a Reddit source: a deadline", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ reddit: true, runWorker: false, env: { REDDIT_CREATE_TIMEOUT_MS: "400" } });
  });
  afterAll(async () => {
    h?.fakeReddit?.setFault(null);
    await h?.close();
  });

  it("answers 503 with Retry-After when Reddit does not answer in time, and creates nothing", async () => {
    h.fakeReddit?.setFault({ type: "hang" }, { match: "any", times: 100 });
    const started = performance.now();
    const response = await h.call("POST", "/v1/videos", {
      source: { type: "reddit", subreddit: "tifu" },
      format: "short",
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("10");
    expect(((await response.json()) as { detail: string }).detail).toMatch(/Reddit did not answer within 400 ms/);
    // Well under the Reddit client's own timeouts and retries.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await h.redis.zcard("vs:jobs")).toBe(0);
  });
});
