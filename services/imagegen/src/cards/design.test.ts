import { FORMATS } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import { cardLayout, formatCount } from "./design.ts";

describe("formatCount", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [1000, "1k"],
    [1234, "1.2k"],
    [48_213, "48.2k"],
    [123_456, "123k"],
    [1_500_000, "1.5M"],
    [-2500, "-2.5k"],
  ])("%d → %s", (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });
});

describe("cardLayout", () => {
  it("keeps panels clear of the caption zone: lower 22 % of a Short, lower 18 % of 16:9", () => {
    expect(cardLayout("short").panel.bottom).toBeLessThanOrEqual(FORMATS.short.height * 0.78);
    for (const format of ["standard", "long"] as const) {
      expect(cardLayout(format).panel.bottom).toBeLessThanOrEqual(FORMATS[format].height * 0.82);
    }
  });

  it("keeps panels inside the canvas", () => {
    for (const format of ["short", "standard", "long"] as const) {
      const { panel, width } = cardLayout(format);
      expect(panel.left).toBeGreaterThan(0);
      expect(panel.left + panel.width).toBeLessThan(width);
      expect(panel.top).toBeGreaterThan(0);
    }
  });
});
