import { describe, expect, it } from "vitest";
import { canonicalJson, cardCacheKey, RENDERER_VERSION } from "./cache-key.ts";

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined fields", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe("cardCacheKey", () => {
  const base = {
    format: "short",
    theme: "dark",
    backgroundSeed: "seed",
    card: { kind: "title", title: "Hello", score: 5 },
  } as const;

  it("is a SHA-256 hex digest, stable across key order", () => {
    const key = cardCacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cardCacheKey({ ...base, card: { score: 5, title: "Hello", kind: "title" } })).toBe(key);
    expect(RENDERER_VERSION).toBeGreaterThan(0);
  });

  it("changes with the format, the theme, the background and the card", () => {
    const key = cardCacheKey(base);
    const variants = [
      cardCacheKey({ ...base, format: "standard" }),
      cardCacheKey({ ...base, theme: "light" }),
      cardCacheKey({ ...base, backgroundSeed: "other" }),
      cardCacheKey({ ...base, card: { kind: "title", title: "Hello!", score: 5 } }),
    ];
    expect(new Set([key, ...variants]).size).toBe(5);
  });

  it("ignores the request's background seed for background cards, which carry their own", () => {
    const card = { kind: "background", seed: "abc" } as const;
    expect(cardCacheKey({ ...base, card, backgroundSeed: "x" })).toBe(
      cardCacheKey({ ...base, card, backgroundSeed: "y" }),
    );
  });

  it("keys a transparent card apart from the opaque one, and ignores the seed for it", () => {
    expect(cardCacheKey({ ...base, transparent: true })).not.toBe(cardCacheKey(base));
    expect(cardCacheKey({ ...base, transparent: true, backgroundSeed: "x" })).toBe(
      cardCacheKey({ ...base, transparent: true, backgroundSeed: "y" }),
    );
    const thumbnail = { kind: "thumbnail", title: "Hi" } as const;
    expect(cardCacheKey({ ...base, card: thumbnail, transparent: true })).toBe(
      cardCacheKey({ ...base, card: thumbnail }),
    );
  });
});
