import type { Format, Motion, RenderBackground, RenderRequestInput, WordTiming } from "@video-service/contracts";
import type { ScriptSegment } from "./script.types.ts";

export interface NarratedSegment {
  segment: ScriptSegment;
  /** The segment's card image in the object store. */
  cardKey: string;
  narration: { key: string; durationSeconds: number; words: WordTiming[] };
}

/**
 * Silence around the narration, seconds: before the first words, after each clip before the
 * crossfade to the next card begins, and after the last words before the video ends.
 */
export const TIMELINE_PADDING = { leadInSeconds: 0.3, gapSeconds: 0.3, tailSeconds: 0.8 } as const;

/** The render contract's default crossfade; used when a caller gives none. */
export const DEFAULT_TRANSITION_SECONDS = 0.5;

/** Variety without randomness: the same script always makes the same video. */
const MOTIONS: readonly Motion[] = ["zoom-in", "pan-left", "zoom-out", "pan-right"];

/**
 * The length of a video whose clips last `narrationSeconds`, seconds:
 *
 *     leadIn + Σ narration + (n − 1)·(gap + transition) + tail
 *
 * Clip i + 1 starts `gap + transition` after clip i ends: the gap of silence, then the crossfade
 * into the next card, during which nobody speaks. Zero clips make no video (0).
 */
export function narratedVideoSeconds(
  narrationSeconds: readonly number[],
  transitionSeconds = DEFAULT_TRANSITION_SECONDS,
): number {
  const n = narrationSeconds.length;
  if (n === 0) return 0;
  const { leadInSeconds, gapSeconds, tailSeconds } = TIMELINE_PADDING;
  const speech = narrationSeconds.reduce((sum, seconds) => sum + seconds, 0);
  return leadInSeconds + speech + (n - 1) * (gapSeconds + transitionSeconds) + tailSeconds;
}

/** The length buildTimeline's video will have, seconds (the end-to-end test checks the MP4 against it). */
export function expectedVideoSeconds(
  segments: readonly Pick<NarratedSegment, "narration">[],
  transitionSeconds = DEFAULT_TRANSITION_SECONDS,
): number {
  return narratedVideoSeconds(
    segments.map((s) => s.narration.durationSeconds),
    transitionSeconds,
  );
}

/**
 * The render request for narrated segments: one scene per segment showing its card, crossfading
 * into the next. With T the transition, scene i (of n) lasts
 *
 *     (i > 0 ? T : leadIn) + narration_i + (i < n − 1 ? gap + T : tail)
 *
 * so its clip starts once the crossfade into it has finished, and ends `gap` before the crossfade
 * out of it begins. Scene i starts at Σ_{j<i} (duration_j − T), so the total is the sum of the
 * durations minus (n − 1)·T, which equals narratedVideoSeconds. Word timings move to video time.
 */
export function buildTimeline(o: {
  format: Format;
  segments: readonly NarratedSegment[];
  captions: "word" | "sentence" | "none";
  transitionSeconds?: number;
  outputKey: string;
  music?: { audioKey: string; volume?: number };
  /** A library background: the cards (drawn transparent) lie still over it, without motion. */
  background?: RenderBackground;
}): RenderRequestInput {
  if (o.segments.length === 0) throw new Error("buildTimeline: a video needs at least one segment");
  const transition = o.transitionSeconds ?? DEFAULT_TRANSITION_SECONDS;
  const { leadInSeconds, gapSeconds, tailSeconds } = TIMELINE_PADDING;
  const last = o.segments.length - 1;

  const scenes: RenderRequestInput["scenes"] = [];
  const narration: NonNullable<RenderRequestInput["narration"]> = [];
  const words: WordTiming[] = [];
  let sceneStart = 0;
  for (const [i, { cardKey, narration: clip }] of o.segments.entries()) {
    const before = i === 0 ? leadInSeconds : transition;
    const after = i === last ? tailSeconds : gapSeconds + transition;
    const duration = before + clip.durationSeconds + after;
    const clipStart = sceneStart + before;
    const motion = o.background ? "none" : (MOTIONS[i % MOTIONS.length] ?? "none");
    scenes.push({ imageKey: cardKey, duration: roundTime(duration), motion });
    narration.push({ audioKey: clip.key, start: roundTime(clipStart) });
    if (o.captions !== "none") {
      for (const word of clip.words) {
        words.push({ text: word.text, start: roundTime(clipStart + word.start), end: roundTime(clipStart + word.end) });
      }
    }
    sceneStart += duration - transition;
  }

  return {
    format: o.format,
    outputKey: o.outputKey,
    scenes,
    transitionSeconds: transition,
    narration,
    captions: { mode: o.captions, words },
    ...(o.music
      ? {
          music: {
            audioKey: o.music.audioKey,
            duck: true,
            ...(o.music.volume === undefined ? {} : { volume: o.music.volume }),
          },
        }
      : {}),
    ...(o.background ? { background: o.background } : {}),
  };
}

/** A render request's video length: Σ scene durations − (n − 1)·transition. */
export function timelineDurationSeconds(r: RenderRequestInput): number {
  const transition = r.transitionSeconds ?? DEFAULT_TRANSITION_SECONDS;
  const total = r.scenes.reduce((sum, scene) => sum + scene.duration, 0);
  return total - (r.scenes.length - 1) * transition;
}

/** Microsecond precision keeps the JSON readable without drifting the sums measurably. */
function roundTime(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
