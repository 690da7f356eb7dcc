import { describe, expect, it } from "vitest";
import {
  type FrameRange,
  planChunks,
  sceneStartFrames,
  splitsTransition,
  timelineFrames,
  transitionWindows,
} from "./chunks.ts";

/** Small deterministic PRNG (mulberry32): property tests that fail the same way every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function tiles(ranges: readonly FrameRange[], totalFrames: number): boolean {
  let next = 0;
  for (const range of ranges) {
    if (range.start !== next || range.count <= 0) return false;
    next += range.count;
  }
  return next === totalFrames;
}

describe("timeline frames", () => {
  it("counts scenes minus one crossfade per join, and places each scene's start", () => {
    const frames = timelineFrames(
      { scenes: [{ duration: 2 }, { duration: 1.5 }, { duration: 1 }], transitionSeconds: 0.5 },
      30,
    );
    expect(frames).toEqual({ sceneFrames: [60, 45, 30], transitionFrames: 15, totalFrames: 105 });
    expect(sceneStartFrames(frames.sceneFrames, 15)).toEqual([0, 45, 75]);
    expect(transitionWindows(frames.sceneFrames, 15)).toEqual([
      { start: 45, count: 15 },
      { start: 75, count: 15 },
    ]);
    expect(transitionWindows(frames.sceneFrames, 0)).toEqual([]);
  });

  it("a boundary splits a crossfade only strictly inside it", () => {
    const windows = [{ start: 45, count: 15 }];
    expect([44, 45, 46, 59, 60].map((frame) => splitsTransition(frame, windows))).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
  });
});

describe("planChunks", () => {
  it("splits evenly without transitions", () => {
    expect(planChunks({ totalFrames: 90, chunks: 3 })).toEqual([
      { start: 0, count: 30 },
      { start: 30, count: 30 },
      { start: 60, count: 30 },
    ]);
  });

  it("moves a boundary out of a crossfade to its nearer end", () => {
    // Ideal boundary 50 inside the crossfade 45..59: the nearer end is 45.
    expect(planChunks({ totalFrames: 100, chunks: 2, transitions: [{ start: 45, count: 15 }] })).toEqual([
      { start: 0, count: 45 },
      { start: 45, count: 55 },
    ]);
    // Ideal boundary 50 inside 38..52: the nearer end is 53 (the frame after the crossfade).
    expect(planChunks({ totalFrames: 100, chunks: 2, transitions: [{ start: 38, count: 15 }] })).toEqual([
      { start: 0, count: 53 },
      { start: 53, count: 47 },
    ]);
  });

  it("one chunk for a short video, fewer chunks than asked when they would be too short", () => {
    expect(planChunks({ totalFrames: 40, chunks: 8, minFrames: 30 })).toEqual([{ start: 0, count: 40 }]);
    expect(planChunks({ totalFrames: 100, chunks: 8, minFrames: 30 })).toHaveLength(3);
    expect(planChunks({ totalFrames: 100, chunks: 1 })).toEqual([{ start: 0, count: 100 }]);
    expect(planChunks({ totalFrames: 100, chunks: 0 })).toEqual([{ start: 0, count: 100 }]);
  });

  it("property: tiles the timeline, never splits a crossfade, chunks near the ideal size", () => {
    const next = random(15);
    for (let run = 0; run < 2000; run++) {
      const fps = 30;
      const transitionSeconds = next() < 0.2 ? 0 : Math.round(next() * 30) / 30;
      const scenes = Array.from({ length: 1 + Math.floor(next() * 40) }, () => ({
        duration: transitionSeconds + 1 / fps + Math.round(next() * 20 * fps) / fps,
      }));
      const { sceneFrames, transitionFrames, totalFrames } = timelineFrames({ scenes, transitionSeconds }, fps);
      const transitions = transitionWindows(sceneFrames, transitionFrames);
      const chunks = 1 + Math.floor(next() * 12);
      const minFrames = Math.floor(next() * 60);
      const plan = planChunks({ totalFrames, chunks, transitions, minFrames });
      const context = JSON.stringify({ scenes: sceneFrames, transitionFrames, chunks, minFrames, plan });
      expect(tiles(plan, totalFrames), context).toBe(true);
      expect(plan.length, context).toBeLessThanOrEqual(Math.max(1, chunks));
      for (const range of plan.slice(1)) expect(splitsTransition(range.start, transitions), context).toBe(false);
      if (plan.length > 1)
        for (const range of plan) expect(range.count, context).toBeGreaterThanOrEqual(Math.max(1, minFrames));
      // A boundary moves at most half a crossfade from its ideal place, so no chunk is more than
      // one crossfade longer than the ideal size.
      if (plan.length === chunks) {
        for (const range of plan) {
          expect(range.count, context).toBeLessThanOrEqual(Math.ceil(totalFrames / chunks) + transitionFrames + 1);
        }
      }
    }
  });
});
