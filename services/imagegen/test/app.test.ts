import {
  type CardSpec,
  type CardsRequestInput,
  type CardsResponse,
  cardsResponseSchema,
  INTERNAL_TOKEN_HEADER,
} from "@video-service/contracts";
import { silentLogger } from "@video-service/logger";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, MAX_BODY_BYTES } from "../src/app.ts";
import { DEFAULT_BACKGROUND_SEED } from "../src/cards/background.ts";
import { cardCacheKey } from "../src/cards/cache-key.ts";
import { readImageInfo } from "../src/cards/sharp.engine.ts";
import { createTestStore, type TestStore } from "./helpers.ts";

const TOKEN = "internal-token-for-tests-0123";

let testStore: TestStore;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  testStore = await createTestStore();
  app = createApp({ store: testStore.store, logger: silentLogger(), internalToken: TOKEN, concurrency: 2 });
});
afterEach(() => testStore.cleanup());

function post(body: string, headers: Record<string, string> = {}) {
  return app.request("/v1/cards", {
    method: "POST",
    headers: { "content-type": "application/json", [INTERNAL_TOKEN_HEADER]: TOKEN, ...headers },
    body,
  });
}

/** A request as tests write it (`as const` literals are readonly). */
type RequestBody = Omit<CardsRequestInput, "cards"> & { cards: readonly CardSpec[] };

async function cards(request: RequestBody): Promise<CardsResponse> {
  const response = await post(JSON.stringify(request));
  expect(response.status).toBe(200);
  return cardsResponseSchema.parse(await response.json());
}

const comment = { kind: "comment", author: "someone", score: 12, body: "A comment worth reading." } as const;

describe("health", () => {
  it("answers /healthz and /readyz without a token", async () => {
    expect(await (await app.request("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });
});

describe("POST /v1/cards errors", () => {
  it("rejects calls without the internal token, or with a wrong one", async () => {
    const body = JSON.stringify({ format: "short", cards: [comment] });
    for (const headers of [
      { [INTERNAL_TOKEN_HEADER]: "" },
      { [INTERNAL_TOKEN_HEADER]: "wrong-token-of-some-length" },
    ]) {
      const response = await post(body, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    const withoutHeader = await app.request("/v1/cards", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(withoutHeader.status).toBe(401);
    expect(testStore.puts()).toBe(0);
  });

  it("answers 415 to a body that is not JSON and 400 to malformed JSON", async () => {
    expect((await post("format=short", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    const malformed = await post('{"format": "short", "cards": [');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ type: expect.stringContaining("malformed-json") });
  });

  it("answers 422 to wrong types and unknown card kinds, naming the field", async () => {
    const wrongType = await post(JSON.stringify({ format: "short", cards: [{ kind: "comment", body: 42 }] }));
    expect(wrongType.status).toBe(422);
    const problem = (await wrongType.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain("body.cards.0.body");

    for (const body of [
      { format: "short", cards: [{ kind: "meme", text: "hi" }] },
      { format: "square", cards: [comment] },
      { format: "short", cards: [] },
      { format: "short", theme: "neon", cards: [comment] },
    ]) {
      expect((await post(JSON.stringify(body))).status).toBe(422);
    }
  });

  it("answers 413 above the body limit and keeps serving afterwards", async () => {
    const huge = JSON.stringify({ format: "short", cards: [{ ...comment, body: "x".repeat(MAX_BODY_BYTES) }] });
    const response = await post(huge);
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toContain("application/problem+json");

    const after = await cards({ format: "short", cards: [comment] });
    expect(after.cards).toHaveLength(1);
    expect(after.cards[0]?.cached).toBe(false);
  });
});

describe("POST /v1/cards", () => {
  it("returns a batch of 6 cards in request order, stored under their content keys", async () => {
    const request = {
      format: "short",
      theme: "light",
      backgroundSeed: "job-1",
      cards: [
        { kind: "title", title: "A post title", subreddit: "AskReddit", author: "op", score: 100, comments: 7 },
        comment,
        { kind: "text", body: "The body of the post.", page: { index: 1, total: 2 } },
        { kind: "thumbnail", title: "A post title", subreddit: "AskReddit" },
        { kind: "background", seed: "job-1" },
        { ...comment, body: "Another comment." },
      ],
    } as const;
    const response = await cards(request);
    expect(response.cards).toHaveLength(6);
    response.cards.forEach((card, index) => {
      const spec = request.cards[index];
      if (!spec) throw new Error("missing spec");
      const hash = cardCacheKey({ format: "short", theme: "light", backgroundSeed: "job-1", card: spec });
      expect(card.key).toBe(`images/cache/${hash}.${spec.kind === "thumbnail" ? "jpg" : "png"}`);
      expect(card.cached).toBe(false);
      expect({ width: card.width, height: card.height }).toEqual(
        spec.kind === "thumbnail" ? { width: 1280, height: 720 } : { width: 1080, height: 1920 },
      );
    });
    const thumbnail = response.cards[3];
    if (!thumbnail) throw new Error("missing thumbnail");
    const stored = await testStore.store.get(thumbnail.key);
    expect(stored.length).toBe(thumbnail.bytes);
    expect(await readImageInfo(stored)).toMatchObject({ format: "jpeg", width: 1280, height: 720 });
    expect(testStore.puts()).toBe(6);
  });

  it("serves a second identical request from the cache without writing anything", async () => {
    const request = { format: "standard", theme: "dark", cards: [comment] } as const;
    const first = await cards(request);
    const second = await cards(request);
    expect(first.cards[0]?.cached).toBe(false);
    expect(second.cards[0]).toEqual({ ...first.cards[0], cached: true });
    expect(testStore.puts()).toBe(1);
    expect(await testStore.store.list("images/cache/")).toHaveLength(1);

    const otherTheme = await cards({ ...request, theme: "light" });
    expect(otherTheme.cards[0]?.key).not.toBe(first.cards[0]?.key);
    expect(otherTheme.cards[0]?.cached).toBe(false);
    expect(await testStore.store.list("images/cache/")).toHaveLength(2);
  });

  it("uses the default background seed when none is given, as part of the key", async () => {
    const response = await cards({ format: "standard", cards: [comment] });
    const hash = cardCacheKey({
      format: "standard",
      theme: "dark",
      backgroundSeed: DEFAULT_BACKGROUND_SEED,
      card: comment,
    });
    expect(response.cards[0]?.key).toBe(`images/cache/${hash}.png`);
  });

  it("renders identical cards once, within a batch and across concurrent requests", async () => {
    const request = { format: "standard", cards: [comment, comment] } as const;
    const [a, b] = await Promise.all([cards(request), cards(request)]);
    expect(testStore.puts()).toBe(1);
    const keys = new Set([...a.cards, ...b.cards].map((card) => card.key));
    expect(keys.size).toBe(1);
  });
});
