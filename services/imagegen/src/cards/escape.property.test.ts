import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapePangoMarkup, escapeXml } from "./escape.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: what XML 1.0 cannot carry
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const DECODE: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * An XML reader's view of escaped text, written from the XML spec and not from escape.ts: markup
 * characters may not appear raw, every `&` must start one of the five predefined entities.
 * Returns the text a parser would see, or throws when the text would be parsed as markup.
 */
function readXmlText(escaped: string): string {
  if (/[<>"']/.test(escaped)) throw new Error(`raw markup character in ${JSON.stringify(escaped)}`);
  if (XML_FORBIDDEN.test(escaped)) throw new Error("a character XML cannot carry");
  return escaped.replace(/&([a-z]*);?/g, (match, name: string) => {
    const char = DECODE[name];
    if (char === undefined || !match.endsWith(";")) throw new Error(`bad entity ${match}`);
    return char;
  });
}

describe("SVG / Pango escaping (property)", () => {
  const hostile = fc.oneof(
    fc.string({ unit: "binary" }),
    fc.string({ unit: fc.constantFrom("<", ">", "&", '"', "'", ";", "a", "\u0000", "\uD800", "/", "=") }),
  );

  it("any text reads back as itself (minus what XML cannot carry) and never as markup", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const expected = text.toWellFormed().replace(XML_FORBIDDEN, "");
        expect(readXmlText(escapeXml(text))).toBe(expected);
        expect(readXmlText(escapePangoMarkup(text))).toBe(expected);
        // Inside an attribute and an element of a real document.
        const doc = `<text x="${escapeXml(text)}">${escapeXml(text)}</text>`;
        expect(doc.match(/</g)?.length).toBe(2);
      }),
      { numRuns: 500 },
    );
  });
});
