import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeAssText } from "./captions.ts";

const WORD_JOINER = "\u2060";

/**
 * How libass reads event text, written from its rules and not from captions.ts: `{` opens an
 * override block, `\N` `\n` are line breaks, `\h` a hard space, `\{` `\}` draw braces; any other
 * backslash is drawn. Returns the drawn text, or throws when the text would be read as more than text.
 */
function drawnAssText(text: string): string {
  let drawn = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    const next = text[i + 1];
    if (char === "{") throw new Error(`override block opened at ${i}`);
    if (char === "}") throw new Error(`raw closing brace at ${i}`);
    if (char === "\\" && (next === "N" || next === "n" || next === "h")) throw new Error(`escape \\${next} at ${i}`);
    if (char === "\\" && (next === "{" || next === "}")) {
      drawn += next;
      i++;
      continue;
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a control character would break the event line
    if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(char)) throw new Error(`control character at ${i}`);
    drawn += char;
  }
  return drawn;
}

describe("ASS caption escaping (property)", () => {
  const hostile = fc.oneof(
    fc.string({ unit: "binary" }),
    fc.string({ unit: fc.constantFrom("{", "}", "\\", "N", "n", "h", "\n", "\r", "\u2028", "a", " ", ",") }),
  );

  it("any word is drawn as itself: braces and backslashes literal, line breaks as spaces", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const drawn = drawnAssText(escapeAssText(text)).replaceAll(`\\${WORD_JOINER}`, "\\");
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the escaping turns these runs into spaces
        expect(drawn).toBe(text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " "));
      }),
      { numRuns: 500 },
    );
  });
});
