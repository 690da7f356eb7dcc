import { describe, expect, it } from "vitest";
import { escapeFilterValue, formatSeconds } from "./escape.ts";

describe("escapeFilterValue", () => {
  it("leaves ordinary paths alone", () => {
    expect(escapeFilterValue("/tmp/render-abc/captions.ass")).toBe("/tmp/render-abc/captions.ass");
  });

  it("escapes the option level, then the graph level", () => {
    // ':' is special to the option parser only; ',' ';' '[' ']' to the graph parser only;
    // '\' and "'" to both, so they are escaped twice.
    expect(escapeFilterValue("a:b")).toBe("a\\\\:b");
    expect(escapeFilterValue("a,b;c[d]")).toBe("a\\,b\\;c\\[d\\]");
    expect(escapeFilterValue("it's")).toBe("it\\\\\\'s");
    expect(escapeFilterValue("back\\slash")).toBe("back\\\\\\\\slash");
  });
});

describe("formatSeconds", () => {
  it("prints fixed decimals without trailing zeros or exponents", () => {
    expect(formatSeconds(9.5)).toBe("9.5");
    expect(formatSeconds(10)).toBe("10");
    expect(formatSeconds(1 / 3)).toBe("0.333333");
    expect(formatSeconds(1e-7)).toBe("0");
  });
});
