import { renderRequestSchema } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import type { ScriptSegment } from "./script.types.ts";
import {
  buildTimeline,
  expectedVideoSeconds,
  type NarratedSegment,
  narratedVideoSeconds,
  TIMELINE_PADDING,
  timelineDurationSeconds,
} from "./timeline.ts";

const { leadInSeconds: LEAD, gapSeconds: GAP, tailSeconds: TAIL } = TIMELINE_PADDING;

function narrated(id: string, durationSeconds: number, words: { text: string; start: number; end: number }[] = []) {
  const segment: ScriptSegment = {
    id,
    kind: id === "title" ? "title" : "comment",
    speech: words.map((w) => w.text).join(" ") || "x.",
    card: { kind: "comment", body: id },
    estimatedSeconds: durationSeconds,
  };
  return {
    segment,
    cardKey: `images/cache/${id}.png`,
    narration: { key: `audio/temp/job-123456/${id}.wav`, durationSeconds, words },
  } satisfies NarratedSegment;
}

const segments = [
  narrated("title", 2, [
    { text: "Hello", start: 0.1, end: 0.5 },
    { text: "world.", start: 0.6, end: 1.9 },
  ]),
  narrated("body-1", 5, [{ text: "Page.", start: 0, end: 4.8 }]),
  narrated("comment-1", 3, [{ text: "Nice!", start: 0.2, end: 2.5 }]),
  narrated("comment-2", 1.5),
  narrated("comment-3", 4),
];

describe("buildTimeline", () => {
  const T = 0.5;
  const timeline = buildTimeline({
    format: "short",
    segments,
    captions: "word",
    transitionSeconds: T,
    outputKey: "videos/short/job-123456.mp4",
  });

  it("is a valid render request, one scene per segment showing its card", () => {
    const parsed = renderRequestSchema.parse(timeline);
    expect(parsed.scenes.map((s) => s.imageKey)).toEqual(segments.map((s) => s.cardKey));
    expect(parsed.narration.map((n) => n.audioKey)).toEqual(segments.map((s) => s.narration.key));
    expect(parsed.transitionSeconds).toBe(T);
    expect(parsed.outputKey).toBe("videos/short/job-123456.mp4");
    expect(parsed.music).toBeUndefined();
  });

  it("sizes each scene to its narration plus padding, the last with the tail", () => {
    expect(timeline.scenes.map((s) => s.duration)).toEqual(
      [LEAD + 2 + GAP + T, T + 5 + GAP + T, T + 3 + GAP + T, T + 1.5 + GAP + T, T + 4 + TAIL].map((seconds) =>
        expect.closeTo(seconds, 6),
      ),
    );
  });

  it("starts every clip after the crossfade into its scene has finished, and ends it before the next", () => {
    const sceneStarts: number[] = [];
    let at = 0;
    for (const scene of timeline.scenes) {
      sceneStarts.push(at);
      at += scene.duration - T;
    }
    const clips = timeline.narration ?? [];
    expect(clips.map((c) => c.start)).toEqual(
      [LEAD, LEAD + 2 + GAP + T, LEAD + 7 + 2 * (GAP + T), LEAD + 10 + 3 * (GAP + T), LEAD + 11.5 + 4 * (GAP + T)].map(
        (v) => expect.closeTo(v, 6),
      ),
    );
    for (const [i, clip] of clips.entries()) {
      const sceneStart = sceneStarts[i] ?? Number.NaN;
      const incomingFadeEnd = i === 0 ? 0 : sceneStart + T;
      expect(clip.start).toBeGreaterThanOrEqual(incomingFadeEnd - 1e-9);
      const clipEnd = clip.start + (segments[i]?.narration.durationSeconds ?? 0);
      const outgoingFadeStart = sceneStart + (timeline.scenes[i]?.duration ?? 0) - T;
      if (i < clips.length - 1) expect(clipEnd).toBeCloseTo(outgoingFadeStart - GAP, 6);
      else expect(clipEnd).toBeCloseTo(sceneStart + (timeline.scenes[i]?.duration ?? 0) - TAIL, 6);
    }
  });

  it("shifts word timings to video time", () => {
    const clips = timeline.narration ?? [];
    const secondClip = clips[1]?.start ?? Number.NaN;
    const thirdClip = clips[2]?.start ?? Number.NaN;
    expect(timeline.captions?.mode).toBe("word");
    expect(timeline.captions?.words).toEqual([
      { text: "Hello", start: expect.closeTo(LEAD + 0.1, 6), end: expect.closeTo(LEAD + 0.5, 6) },
      { text: "world.", start: expect.closeTo(LEAD + 0.6, 6), end: expect.closeTo(LEAD + 1.9, 6) },
      { text: "Page.", start: expect.closeTo(secondClip, 6), end: expect.closeTo(secondClip + 4.8, 6) },
      { text: "Nice!", start: expect.closeTo(thirdClip + 0.2, 6), end: expect.closeTo(thirdClip + 2.5, 6) },
    ]);
  });

  it("alternates the motions across scenes", () => {
    expect(timeline.scenes.map((s) => s.motion)).toEqual(["zoom-in", "pan-left", "zoom-out", "pan-right", "zoom-in"]);
  });

  it("lasts exactly the narration plus padding: leadIn + Σ narration + (n−1)(gap + T) + tail", () => {
    const narration = 2 + 5 + 3 + 1.5 + 4;
    const expected = LEAD + narration + 4 * (GAP + T) + TAIL;
    expect(timelineDurationSeconds(timeline)).toBeCloseTo(expected, 6);
    expect(expectedVideoSeconds(segments, T)).toBeCloseTo(expected, 6);
    expect(narratedVideoSeconds([2, 5, 3, 1.5, 4], T)).toBeCloseTo(expected, 6);
    // The last clip ends exactly `tail` before the video does.
    const lastClip = timeline.narration?.at(-1)?.start ?? Number.NaN;
    expect(lastClip + 4 + TAIL).toBeCloseTo(expected, 6);
  });

  it("uses the contract's default crossfade when none is given", () => {
    const defaulted = buildTimeline({
      format: "standard",
      segments,
      captions: "word",
      outputKey: "videos/standard/x.mp4",
    });
    expect(defaulted.transitionSeconds).toBe(0.5);
    expect(timelineDurationSeconds(defaulted)).toBeCloseTo(expectedVideoSeconds(segments), 6);
  });

  it("works with cuts (no crossfade) and a single segment", () => {
    const cuts = buildTimeline({
      format: "long",
      segments,
      captions: "word",
      transitionSeconds: 0,
      outputKey: "v/x.mp4",
    });
    expect(timelineDurationSeconds(cuts)).toBeCloseTo(expectedVideoSeconds(segments, 0), 6);
    expect(timelineDurationSeconds(cuts)).toBeCloseTo(LEAD + 15.5 + 4 * GAP + TAIL, 6);

    const [title] = segments;
    if (!title) throw new Error("fixture");
    const single = buildTimeline({ format: "short", segments: [title], captions: "word", outputKey: "v/x.mp4" });
    expect(single.scenes).toEqual([
      { imageKey: title.cardKey, duration: expect.closeTo(LEAD + 2 + TAIL, 6), motion: "zoom-in" },
    ]);
    expect(timelineDurationSeconds(single)).toBeCloseTo(expectedVideoSeconds([title]), 6);
  });

  it("sends no words when captions are off, and keeps the mode for sentence captions", () => {
    const none = buildTimeline({ format: "short", segments, captions: "none", outputKey: "v/x.mp4" });
    expect(none.captions).toEqual({ mode: "none", words: [] });
    const sentence = buildTimeline({ format: "short", segments, captions: "sentence", outputKey: "v/x.mp4" });
    expect(sentence.captions?.mode).toBe("sentence");
    expect(sentence.captions?.words).toHaveLength(4);
  });

  it("passes music through with ducking", () => {
    const withMusic = buildTimeline({
      format: "short",
      segments,
      captions: "word",
      outputKey: "v/x.mp4",
      music: { audioKey: "music/calm.mp3", volume: 0.2 },
    });
    expect(withMusic.music).toEqual({ audioKey: "music/calm.mp3", volume: 0.2, duck: true });
    const defaultVolume = buildTimeline({
      format: "short",
      segments,
      captions: "word",
      outputKey: "v/x.mp4",
      music: { audioKey: "m.mp3" },
    });
    expect(renderRequestSchema.parse(defaultVolume).music).toEqual({ audioKey: "m.mp3", volume: 0.25, duck: true });
  });

  it("refuses an empty script", () => {
    expect(() => buildTimeline({ format: "short", segments: [], captions: "word", outputKey: "v/x.mp4" })).toThrow();
    expect(narratedVideoSeconds([])).toBe(0);
  });
});
