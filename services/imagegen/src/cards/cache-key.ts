import { createHash } from "node:crypto";
import type { CardSpec, Format, Theme } from "@video-service/contracts";

/**
 * Part of every cache key: bump it whenever the drawing changes (layout, colours, fonts, encoding),
 * so cached cards drawn by an older renderer are never served again.
 */
export const RENDERER_VERSION = 1;

/** JSON with object keys sorted and undefined fields dropped: equal specs give equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}

export interface CardKeyInput {
  format: Format;
  theme: Theme;
  /** The background full-frame cards are drawn over; part of their look, hence of the key. */
  backgroundSeed: string;
  /** Drawn over a clear canvas (no background at all). */
  transparent?: boolean;
  card: CardSpec;
}

/** SHA-256 (hex) of everything that decides what a card looks like. */
export function cardCacheKey({ format, theme, backgroundSeed, transparent, card }: CardKeyInput): string {
  // A background card is drawn from its own seed, so the request's seed does not change it; a
  // transparent panel card has no background at all (the thumbnail keeps its own).
  const clear = transparent === true && card.kind !== "thumbnail" && card.kind !== "background";
  const background = card.kind === "background" ? undefined : clear ? "transparent" : backgroundSeed;
  const canonical = canonicalJson({ rendererVersion: RENDERER_VERSION, format, theme, background, card });
  return createHash("sha256").update(canonical).digest("hex");
}
