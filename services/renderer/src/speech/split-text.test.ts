import { describe, expect, it } from "vitest";
import { splitForRequests } from "./split-text.ts";
import { buildSsml, escapeSsmlText } from "./ssml.ts";
import { tokenize } from "./word-timings.ts";

const tokens = (text: string) => tokenize(text).map((t) => t.text);

describe("splitForRequests", () => {
  it("keeps a text that fits whole, and cuts a longer one at sentence ends, packing sentences", () => {
    expect(splitForRequests("  One. Two.  ", { max: 100 })).toEqual(["One. Two."]);
    expect(splitForRequests("One one. Two two! Three three? Four 少し。 Five.", { max: 20 })).toEqual([
      "One one. Two two!",
      "Three three?",
      "Four 少し。 Five.",
    ]);
  });

  it("cuts a sentence too long for a part at clauses, then words, then code points", () => {
    const parts = splitForRequests("alpha beta, gamma delta; epsilon zeta eta theta iota. Supercalifragilistic.", {
      max: 12,
    });
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(12);
    expect(parts.slice(0, 3)).toEqual(["alpha beta,", "gamma delta;", "epsilon zeta"]);
    expect(parts.at(-2)).toBe("Supercalifra");
  });

  it("never changes the words (except a word longer than a part), whatever the measure", () => {
    const text = Array.from({ length: 200 }, (_, i) => `w${i}&<>`).join(" ");
    const measure = (part: string) => escapeSsmlText(part).length;
    const parts = splitForRequests(text, { max: 300, measure });
    for (const part of parts) expect(measure(part)).toBeLessThanOrEqual(300);
    expect(parts.flatMap(tokens)).toEqual(tokens(text));
  });
});

describe("buildSsml", () => {
  it("gives each token its UTF-8 byte range in the SSML", () => {
    const { ssml, tokenBytes } = buildSsml("a&b 日本 <x>", { ratePercent: 120 });
    expect(ssml).toBe('<speak><prosody rate="120%">a&amp;b 日本 &lt;x&gt;</prosody></speak>');
    const bytes = Buffer.from(ssml);
    expect(tokenBytes.map((r) => bytes.subarray(r.start, r.end).toString())).toEqual(["a&amp;b", "日本", "&lt;x&gt;"]);
  });
});
