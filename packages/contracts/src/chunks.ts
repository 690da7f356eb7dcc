import { z } from "zod";
import { formatSchema } from "./formats.ts";
import { objectKeySchema } from "./keys.ts";
import { type RenderRequest, renderRequestSchema } from "./renders.ts";

/**
 * Chunked rendering: a long timeline is rendered as N video parts (frame ranges of the SAME
 * timeline, video only, each a fresh encode that starts on a keyframe) plus one audio part for the
 * whole video, then joined without re-encoding (concat with stream copy + the audio muxed).
 * The frame arithmetic lives here because the gateway plans the chunks and the renderer renders
 * them: both must agree on every frame.
 */

/** Frames of each scene and of the crossfade, whole frames so every offset lands on a frame. */
export function timelineFrames(
  request: { scenes: readonly Pick<RenderRequest["scenes"][number], "duration">[]; transitionSeconds: number },
  fps: number,
) {
  const sceneFrames = request.scenes.map((scene) => Math.max(1, Math.round(scene.duration * fps)));
  const transitionFrames = request.scenes.length > 1 ? Math.round(request.transitionSeconds * fps) : 0;
  const totalFrames =
    sceneFrames.reduce((sum, frames) => sum + frames, 0) - (sceneFrames.length - 1) * transitionFrames;
  return { sceneFrames, transitionFrames, totalFrames };
}

/** First frame of each scene on the timeline (scene i > 0 starts with its crossfade from scene i-1). */
export function sceneStartFrames(sceneFrames: readonly number[], transitionFrames: number): number[] {
  const starts: number[] = [];
  let start = 0;
  for (const frames of sceneFrames) {
    starts.push(start);
    start += frames - transitionFrames;
  }
  return starts;
}

export const frameRangeSchema = z.object({
  /** First frame of the range, 0-based, on the whole timeline. */
  start: z.number().int().nonnegative(),
  count: z.number().int().positive(),
});
export type FrameRange = z.infer<typeof frameRangeSchema>;

/** Crossfades as frame windows [start, end) on the timeline; empty when scenes cut. */
export function transitionWindows(sceneFrames: readonly number[], transitionFrames: number): FrameRange[] {
  if (transitionFrames <= 0) return [];
  return sceneStartFrames(sceneFrames, transitionFrames)
    .slice(1)
    .map((start) => ({ start, count: transitionFrames }));
}

/** True when a chunk starting at `frame` would split a crossfade (both scenes are needed on each side). */
export function splitsTransition(frame: number, windows: readonly FrameRange[]): boolean {
  return windows.some((window) => frame > window.start && frame < window.start + window.count);
}

/**
 * Splits `totalFrames` into at most `chunks` ranges of about equal frame count, contiguous and
 * covering every frame once, with no boundary inside a crossfade: an ideal boundary that falls
 * inside one moves to the nearer end of it. Chunks shorter than `minFrames` are merged away (a
 * boundary that collides with another is dropped), so fewer chunks may come back.
 * Pure; the renderer renders exactly these ranges and the join checks they tile the timeline.
 */
export function planChunks(options: {
  totalFrames: number;
  chunks: number;
  transitions?: readonly FrameRange[];
  /** Shortest chunk worth a separate encode; default 1 frame. */
  minFrames?: number;
}): FrameRange[] {
  const { totalFrames, transitions = [] } = options;
  const minFrames = Math.max(1, Math.floor(options.minFrames ?? 1));
  const wanted = Math.max(1, Math.min(Math.floor(options.chunks), Math.floor(totalFrames / minFrames)));
  // A scene shorter than two crossfades makes its two crossfades overlap: the frames strictly
  // inside either one form one span no boundary may enter.
  const spans: { start: number; end: number }[] = [];
  for (const window of [...transitions].sort((a, b) => a.start - b.start)) {
    const last = spans.at(-1);
    const end = window.start + window.count;
    if (last && window.start < last.end) last.end = Math.max(last.end, end);
    else spans.push({ start: window.start, end });
  }
  const boundaries: number[] = [];
  for (let k = 1; k < wanted; k++) {
    let boundary = Math.round((k * totalFrames) / wanted);
    const inside = spans.find((span) => boundary > span.start && boundary < span.end);
    if (inside) boundary = boundary - inside.start <= inside.end - boundary ? inside.start : inside.end;
    const previous = boundaries.at(-1) ?? 0;
    if (boundary - previous >= minFrames && totalFrames - boundary >= minFrames) boundaries.push(boundary);
  }
  const ranges: FrameRange[] = [];
  let start = 0;
  for (const boundary of [...boundaries, totalFrames]) {
    ranges.push({ start, count: boundary - start });
    start = boundary;
  }
  return ranges;
}

/** What a part render produces: a frame range of the video (MPEG-TS, no audio), or the whole audio (AAC). */
export const renderPartSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("video"), frames: frameRangeSchema }),
  z.object({ type: z.literal("audio") }),
]);
export type RenderPart = z.infer<typeof renderPartSchema>;

/**
 * POST /v1/renders/parts: the whole timeline (the same body as POST /v1/renders) and which part of
 * it to render; `outputKey` is where the part goes (e.g. under the job's temp prefix).
 */
export const renderPartRequestSchema = renderRequestSchema.extend({ part: renderPartSchema });
export type RenderPartRequest = z.infer<typeof renderPartRequestSchema>;
export type RenderPartRequestInput = z.input<typeof renderPartRequestSchema>;

/**
 * POST /v1/renders/join: the video parts in order (they must tile frames 0..N-1 without gap or
 * overlap) and the audio part become one MP4 at `outputKey`, without re-encoding.
 */
export const renderJoinRequestSchema = z.object({
  format: formatSchema,
  outputKey: objectKeySchema,
  chunks: z
    .array(z.object({ key: objectKeySchema, frames: frameRangeSchema }))
    .min(1)
    .max(512),
  audioKey: objectKeySchema,
});
export type RenderJoinRequest = z.infer<typeof renderJoinRequestSchema>;
