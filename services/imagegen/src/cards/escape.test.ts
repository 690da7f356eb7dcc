import { describe, expect, it } from "vitest";
import { escapePangoMarkup, escapeXml } from "./escape.ts";
import { svgElement } from "./svg.ts";

const HOSTILE = `</text><image href="file:///etc/passwd"/> & 'quotes'`;

describe.each([
  ["escapePangoMarkup", escapePangoMarkup],
  ["escapeXml", escapeXml],
])("%s", (_name, escapeText) => {
  it("escapes the five XML special characters", () => {
    expect(escapeText(`& < > " '`)).toBe("&amp; &lt; &gt; &quot; &apos;");
  });

  it("leaves no markup in hostile text", () => {
    const escaped = escapeText(HOSTILE);
    expect(escaped).not.toMatch(/[<>"']/);
    expect(escaped).toBe("&lt;/text&gt;&lt;image href=&quot;file:///etc/passwd&quot;/&gt; &amp; &apos;quotes&apos;");
  });

  it("escapes ampersands of existing entities again, so they show literally", () => {
    expect(escapeText("&amp;")).toBe("&amp;amp;");
  });

  it("drops characters XML cannot carry and keeps newlines, tabs, emoji and other scripts", () => {
    expect(escapeText("a\u0000b\u0007c\u001Fd\uFFFE")).toBe("abcd");
    expect(escapeText("line\n\tnext 😀 日本語 שלום")).toBe("line\n\tnext 😀 日本語 שלום");
    expect(escapeText("lone \uD800 surrogate")).toBe("lone \uFFFD surrogate");
  });
});

describe("svgElement", () => {
  it("escapes attribute values so they cannot open elements", () => {
    const svg = svgElement("rect", { fill: `red"/><image href="file:///etc/passwd`, width: 10.5 });
    expect(svg).toBe('<rect fill="red&quot;/&gt;&lt;image href=&quot;file:///etc/passwd" width="10.50"/>');
    expect(svg).not.toContain("<image");
  });
});
