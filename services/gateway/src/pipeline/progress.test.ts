import { describe, expect, it } from "vitest";
import { STAGE_NAMES } from "../jobs/job.types.ts";
import { progressAtStart, STAGE_WEIGHTS } from "./progress.ts";

describe("stage weights", () => {
  it("add up to the whole job, with rendering the largest part", () => {
    const total = STAGE_NAMES.reduce((sum, stage) => sum + STAGE_WEIGHTS[stage], 0);
    expect(total).toBeCloseTo(1, 10);
    const largest = STAGE_NAMES.reduce((a, b) => (STAGE_WEIGHTS[a] >= STAGE_WEIGHTS[b] ? a : b));
    expect(largest).toBe("render");
  });

  it("start each stage where the previous ones end", () => {
    expect(progressAtStart("source")).toBe(0);
    for (const [index, stage] of STAGE_NAMES.entries()) {
      if (index === 0) continue;
      const previous = STAGE_NAMES[index - 1] as (typeof STAGE_NAMES)[number];
      expect(progressAtStart(stage)).toBeCloseTo(progressAtStart(previous) + STAGE_WEIGHTS[previous], 10);
    }
  });
});
