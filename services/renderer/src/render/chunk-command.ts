import {
  type FormatSpec,
  type FrameRange,
  type RenderRequest,
  sceneStartFrames,
  splitsTransition,
  timelineFrames,
  transitionWindows,
} from "@video-service/contracts";
import { escapeFilterValue, formatSeconds } from "../ffmpeg/escape.ts";
import {
  audioEncoderArgs,
  audioGraph,
  backgroundChain,
  type RenderCommand,
  type RenderInputs,
  sceneChain,
  sceneTransitions,
  videoEncoderArgs,
} from "./build-render-command.ts";

/**
 * The FFmpeg commands of a chunked render: a video part (a frame range of the whole timeline) and
 * the audio part (the whole video's sound, once). Pure, like buildRenderCommand, and built from
 * the same pieces (scene chains, transitions, audio graph, encoder settings), so a chunk's frames
 * are the whole render's frames.
 */

/** The part of one scene a chunk shows. */
export interface ChunkScene {
  /** Index of the scene in the request. */
  index: number;
  /** Frames of the scene before the chunk starts (not output). */
  skipFrames: number;
  /** Frames of the scene output in this chunk (crossfade frames included). */
  frames: number;
  /** The scene's whole length: motion runs over it. */
  sceneFrames: number;
}

/**
 * The scenes a frame range shows, in order, and which of their frames. A crossfade is never split
 * (the planner guarantees it and this checks it): the chunk either holds all of a crossfade's
 * frames, with both scenes, or none.
 */
export function chunkScenes(request: RenderRequest, fps: number, range: FrameRange): ChunkScene[] {
  const { sceneFrames, transitionFrames, totalFrames } = timelineFrames(request, fps);
  const end = range.start + range.count;
  if (end > totalFrames) {
    throw new RangeError(`frames ${range.start}..${end - 1} run past the timeline's ${totalFrames} frames`);
  }
  const windows = transitionWindows(sceneFrames, transitionFrames);
  for (const boundary of [range.start, end]) {
    if (splitsTransition(boundary, windows)) {
      throw new RangeError(`a chunk boundary at frame ${boundary} splits a crossfade`);
    }
  }
  const starts = sceneStartFrames(sceneFrames, transitionFrames);
  const scenes: ChunkScene[] = [];
  starts.forEach((start, index) => {
    const frames = sceneFrames[index] as number;
    const from = Math.max(start, range.start);
    const to = Math.min(start + frames, end);
    if (to > from) scenes.push({ index, skipFrames: from - start, frames: to - from, sceneFrames: frames });
  });
  return scenes;
}

/**
 * The clip frame a background video shows at `timelineFrame`. A whole render seeks the clip to
 * `startSeconds` (the first frame at or after it: FFmpeg's accurate seek) and the demuxer loops it
 * from its first frame when it ends, so the sequence is clip frames s0, s0+1, …, last, 0, 1, …
 * (FFmpeg 5.1 drops the first frames of the clip's second pass when the input was seeked past the
 * clip's middle; the gateway never asks for that: it starts past 0 only in a clip longer than the
 * video, which then never loops.)
 */
export function backgroundClipFrame(options: {
  startSeconds: number;
  timelineFrame: number;
  clipFrames: number;
  fps: number;
}): number {
  const { startSeconds, timelineFrame, clipFrames, fps } = options;
  // The same seconds the whole render passes to -ss, then its first frame (a hair under it for float noise).
  const first = Math.ceil(Number(formatSeconds(startSeconds)) * fps - 1e-6);
  return (first + timelineFrame) % Math.max(1, clipFrames);
}

export interface BuildVideoPartOptions {
  request: RenderRequest;
  frames: FrameRange;
  /** One still per scene of chunkScenes(), in that order (only the scenes this chunk shows). */
  images: readonly string[];
  /** The captions file of the WHOLE timeline; undefined when there are no captions. */
  assPath: string | undefined;
  /**
   * The library background's local file (when the request has one) and, for a video, its frame
   * count: the chunk's background starts where the whole render's is at the chunk's first frame.
   */
  background?: { path: string; clipFrames: number } | undefined;
  outputPath: string;
  filterScriptPath: string;
  preset: FormatSpec;
}

/**
 * One chunk: frames [start, start+count) of the timeline, video only, MPEG-TS (Annex B, SPS/PPS in
 * band, no MP4 edit lists), encoded with the format's settings and a closed GOP. Every encode starts
 * with an IDR frame, so each chunk decodes on its own and chunks concatenate with stream copy.
 * Motion continues because each scene's motion is computed from its own first frame (skipFrames);
 * captions continue because the captions filter sees the whole timeline's timestamps (the chunk's
 * frames are shifted by its start before `ass` and back after), with the whole video's ASS file.
 */
export function buildVideoPartCommand(options: BuildVideoPartOptions): RenderCommand {
  const { request, frames, images, assPath, outputPath, filterScriptPath, preset } = options;
  const { width, height, fps } = preset;
  const scenes = chunkScenes(request, fps, frames);
  if (images.length !== scenes.length) {
    throw new RangeError(`the chunk shows ${scenes.length} scene(s) but ${images.length} still(s) were given`);
  }
  const background =
    request.background && options.background ? { ...request.background, ...options.background } : undefined;
  if (request.background && !background) throw new RangeError("the request has a background but no file was given");
  const { transitionFrames } = timelineFrames(request, fps);
  const args: string[][] = [["-hide_banner"], ["-nostdin"], ["-nostats"], ["-y"]];
  for (const image of images) args.push(["-framerate", String(fps)], ["-i", image]);
  // The clip frame the whole render shows at the chunk's first frame. The chunk seeks to the
  // keyframe (a whole second) at or before it and drops the frames up to it in the graph — unless
  // the clip loops within the chunk: FFmpeg 5.1 then drops frames of the clip's second pass when
  // the input was seeked past the clip's middle, so such a chunk decodes the clip from its start.
  let backgroundSkip = 0;
  if (background?.kind === "video") {
    const clipFrame = backgroundClipFrame({
      startSeconds: background.startSeconds,
      timelineFrame: frames.start,
      clipFrames: background.clipFrames,
      fps,
    });
    const loops = clipFrame + frames.count > background.clipFrames;
    const keyframeSecond = loops ? 0 : Math.floor(clipFrame / fps);
    backgroundSkip = clipFrame - keyframeSecond * fps;
    if (keyframeSecond > 0) args.push(["-ss", String(keyframeSecond)]);
    args.push(["-stream_loop", "-1"], ["-i", background.path]);
  } else if (background) {
    args.push(["-framerate", String(fps)], ["-i", background.path]);
  }
  const graph = scenes.map((scene, position) =>
    sceneChain({
      input: position,
      motion: request.scenes[scene.index]?.motion ?? "none",
      frames: scene.frames,
      width,
      height,
      output: `s${position}`,
      alpha: background !== undefined,
      skipFrames: scene.skipFrames,
      motionFrames: scene.sceneFrames,
    }),
  );
  const transitions = sceneTransitions({
    sceneFrames: scenes.map((scene) => scene.frames),
    transitionFrames: scenes.length > 1 ? transitionFrames : 0,
    fps,
  });
  graph.push(...transitions.graph);
  let video = transitions.output;
  if (background) {
    const input = images.length;
    graph.push(
      backgroundChain({
        ...background,
        input,
        frames: frames.count,
        fps,
        width,
        height,
        output: "bg",
        skipFrames: backgroundSkip,
      }),
    );
    // As in the whole render: the cards (transparent outside their panel) over the background.
    graph.push(`[bg][${video}]overlay=x=0:y=0:format=yuv420:eof_action=pass[vbg]`);
    video = "vbg";
  }
  if (assPath !== undefined) {
    // Timed by frame number on the whole timeline, exactly as a whole render times them (xfade's
    // own timestamps wobble inside a crossfade).
    graph.push(
      `[${video}]settb=1/${fps},setpts=N+${frames.start},ass=filename=${escapeFilterValue(assPath)},setpts=PTS-STARTPTS[vout]`,
    );
    video = "vout";
  }
  args.push(
    ["-filter_complex_script", filterScriptPath],
    ["-map", `[${video}]`],
    ["-an"],
    ...videoEncoderArgs(preset),
    // Explicitly closed GOPs (x264's default too): no frame refers across a keyframe.
    ["-flags", "+cgop"],
    ["-frames:v", String(frames.count)],
    ["-f", "mpegts"],
    ["-muxdelay", "0"],
    ["-muxpreload", "0"],
    ["-progress", "pipe:1"],
    [outputPath],
  );
  return {
    args: args.flat(),
    filterGraph: graph.join(";\n"),
    durationSeconds: frames.count / fps,
    totalFrames: frames.count,
  };
}

/**
 * The audio part: the whole timeline's sound (narration, music, ducking, loudness) rendered ONCE,
 * AAC in an M4A, exactly the audio graph and encoder settings of a whole render.
 */
export function buildAudioPartCommand(options: {
  request: RenderRequest;
  inputs: Pick<RenderInputs, "narration" | "music">;
  outputPath: string;
  filterScriptPath: string;
  preset: FormatSpec;
}): RenderCommand {
  const { request, inputs, outputPath, filterScriptPath, preset } = options;
  const { totalFrames } = timelineFrames(request, preset.fps);
  const duration = formatSeconds(totalFrames / preset.fps);
  const args: string[][] = [["-hide_banner"], ["-nostdin"], ["-nostats"], ["-y"]];
  for (const clip of inputs.narration) args.push(["-i", clip]);
  const musicInput = inputs.music === undefined ? undefined : inputs.narration.length;
  if (inputs.music !== undefined) args.push(["-stream_loop", "-1"], ["-i", inputs.music]);
  const graph = audioGraph({
    request,
    narrationBase: 0,
    narrationInputs: inputs.narration.length,
    musicInput,
    duration,
  });
  args.push(
    ["-filter_complex_script", filterScriptPath],
    ["-map", "[aout]"],
    ["-vn"],
    ...audioEncoderArgs(preset),
    ["-t", duration],
    ["-f", "mp4"],
    ["-progress", "pipe:1"],
    [outputPath],
  );
  return {
    args: args.flat(),
    filterGraph: graph.join(";\n"),
    durationSeconds: totalFrames / preset.fps,
    totalFrames,
  };
}
