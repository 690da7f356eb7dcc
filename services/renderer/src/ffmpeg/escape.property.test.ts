import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeFilterValue } from "./escape.ts";

/**
 * One level of FFmpeg's filter parsing, written from ffmpeg-filters "Notes on filtergraph escaping"
 * and not from escape.ts: a backslash takes the next character literally; an unescaped quote or
 * one of `specials` would end or split the value. Returns the unescaped value, or throws.
 */
function unescapeLevel(text: string, specials: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === "\\") {
      if (i + 1 >= text.length) throw new Error("dangling backslash");
      out += text[i + 1];
      i++;
    } else if (char === "'" || specials.includes(char)) {
      throw new Error(`unescaped ${char} at ${i}`);
    } else {
      out += char;
    }
  }
  return out;
}

describe("FFmpeg filter value escaping (property)", () => {
  const hostile = fc.oneof(
    fc.string({ unit: "binary" }),
    fc.string({ unit: fc.constantFrom("\\", "'", ":", "[", "]", ",", ";", "=", "a", "/", " ") }),
  );

  it("survives the graph parser then the option parser as the same value", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const graphLevel = unescapeLevel(escapeFilterValue(value), "[],;");
        expect(unescapeLevel(graphLevel, ":")).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});
