import {
  AUDIO_SAMPLE_RATE,
  type FormatSpec,
  LOUDNESS_TARGET_LUFS,
  type Motion,
  type RenderRequest,
  timelineFrames,
  VIDEO_BUFSIZE,
  VIDEO_MAXRATE,
} from "@video-service/contracts";
import { escapeFilterValue, formatSeconds } from "../ffmpeg/escape.ts";

export { timelineFrames };

/** Local files for every key of the request, in request order. */
export interface RenderInputs {
  /** One per scene. */
  images: readonly string[];
  /** One per narration clip. */
  narration: readonly string[];
  music?: string | undefined;
  /** The library background (request.background), when there is one. */
  background?: string | undefined;
}

export interface BuildRenderCommandOptions {
  request: RenderRequest;
  inputs: RenderInputs;
  /** The captions file; undefined when the request has no captions to burn in. */
  assPath: string | undefined;
  outputPath: string;
  /** Where the caller writes `filterGraph` (passed with -filter_complex_script: no argv length limit). */
  filterScriptPath: string;
  /** Canvas and encoder settings: FORMATS[request.format]. */
  preset: FormatSpec;
}

export interface RenderCommand {
  /** FFmpeg's arguments, without the program name. */
  args: string[];
  /** The -filter_complex graph, to be written to `filterScriptPath`. */
  filterGraph: string;
  /** Exact length of the output, seconds (a whole number of frames). */
  durationSeconds: number;
  totalFrames: number;
}

/** Motion scales the still once to this factor of the canvas and moves a crop window over it. */
export const MOTION_MARGIN = 0.08;

/** Sidechain settings: music drops ~10× under speech within 15 ms and recovers over 350 ms. */
const DUCKING = "threshold=0.02:ratio=10:attack=15:release=350";

function even(value: number): number {
  return Math.round(value / 2) * 2;
}

/**
 * One scene's chain. The still is decoded ONCE (a single-frame input), scaled and converted to
 * yuv420p (limited range, BT.709) once, and only then repeated with `loop`, so a static scene costs
 * nothing but the encode. Motion never uses zoompan (it rescales a full frame for every output
 * frame, ~2× the cost). Pans move a `crop` window (a pointer offset, nearly free) over a still
 * scaled once to 108 %, in 2-px steps that keep luma and chroma aligned, so x264 finds the exact
 * shift: 1-px steps (`exact=1`) cost 1.6× a static scene and 3.6× the bytes on a noisy 1080×1920
 * still, 2-px steps 1.15× and 1.15×. Zooms scale per frame with cheap bilinear and crop the
 * centre; the width moves in 4-px steps, so the picture changes every few frames instead of
 * every frame (each change is a whole new picture for the encoder: 2-px steps gave 8.9 MB per
 * 10 s, 4-px steps 5.3 MB against 1.6 MB static).
 */
export function sceneChain(options: {
  input: number;
  motion: Motion;
  /** Frames this chain outputs. */
  frames: number;
  width: number;
  height: number;
  output: string;
  /** Keep the card's alpha (cards laid over a background) instead of an opaque frame. */
  alpha?: boolean;
  /**
   * A chunk render shows only part of a scene: the scene's first `skipFrames` frames are not
   * output, and motion is computed over the whole scene (`motionFrames`), so every frame is the
   * same as in the whole render. Defaults: 0 and `frames`.
   */
  skipFrames?: number;
  motionFrames?: number;
}): string {
  const {
    input,
    motion,
    frames,
    width,
    height,
    output,
    alpha = false,
    skipFrames = 0,
    motionFrames = frames,
  } = options;
  // n is the frame number within the chain (crop and per-frame scale both expose it); the motion
  // runs 0 → 1 over the scene's frames, counted from the scene's own first frame.
  const frameInScene = skipFrames > 0 ? `(n+${skipFrames})` : "n";
  const progress = `(${frameInScene}/${Math.max(1, motionFrames - 1)})`;
  const colour = "out_color_matrix=bt709:out_range=tv";
  const repeat = `format=${alpha ? "yuva420p" : "yuv420p"},loop=loop=${frames - 1}:size=1:start=0,setpts=N/FRAME_RATE/TB`;
  const largeW = even(width * (1 + MOTION_MARGIN));
  const largeH = even(height * (1 + MOTION_MARGIN));
  const steps: string[] = [];
  switch (motion) {
    case "none":
      steps.push(`scale=${width}:${height}:${colour}`, repeat);
      break;
    case "pan-left":
    case "pan-right": {
      // Pan right: the window moves right across the still (crop rounds x to the chroma grid: 2 px).
      const x = motion === "pan-right" ? `(in_w-out_w)*${progress}` : `(in_w-out_w)*(1-${progress})`;
      steps.push(`scale=${largeW}:${largeH}:${colour}`, repeat, `crop=w=${width}:h=${height}:x=${x}:y=(in_h-out_h)/2`);
      break;
    }
    case "zoom-in":
    case "zoom-out": {
      const factor = motion === "zoom-in" ? `(1+${MOTION_MARGIN}*${progress})` : `(1+${MOTION_MARGIN}*(1-${progress}))`;
      const zoomW = `trunc(${width}*${factor}/4)*4`;
      const zoomH = `trunc(${height}*${factor}/4)*4`;
      // The crop window is centred by explicit per-frame expressions: crop's in_w/in_h keep the
      // size of the chain's FIRST frame, so its default centre would depend on where the chain
      // starts (a chunk that starts mid-zoom would crop elsewhere than the whole render).
      steps.push(
        `scale=${width}:${height}:${colour}`,
        repeat,
        `scale=w=${zoomW}:h=${zoomH}:eval=frame:flags=bilinear`,
        `crop=w=${width}:h=${height}:x=(${zoomW}-${width})/2:y=(${zoomH}-${height})/2`,
      );
      break;
    }
  }
  steps.push("setsar=1");
  return `[${input}:v]${steps.join(",")}[${output}]`;
}

/**
 * The library background for the whole video. A video is already at the canvas, 30 fps (normalised
 * at upload): it is only cut to the video's frames; an image is converted once and repeated like a
 * still. Dim scales luma toward black and chroma toward grey (what darkening the RGB does); blur
 * runs at a quarter of the size, where it is 16× cheaper and looks the same on a background.
 */
export function backgroundChain(options: {
  input: number;
  kind: "video" | "image";
  frames: number;
  fps: number;
  width: number;
  height: number;
  dim: number;
  blur: number;
  output: string;
  /** Frames of the (video) input to drop first: a chunk seeks to a keyframe before its first frame. */
  skipFrames?: number;
}): string {
  const { input, kind, frames, fps, width, height, dim, blur, output, skipFrames = 0 } = options;
  const looks: string[] = [];
  if (blur > 0) {
    const sigma = formatSeconds(Math.max(0.5, blur / 4));
    looks.push(
      `scale=${even(width / 4)}:${even(height / 4)}:flags=bilinear`,
      `gblur=sigma=${sigma}`,
      `scale=${width}:${height}:flags=bilinear`,
    );
  }
  if (dim > 0) {
    const keep = formatSeconds(1 - dim);
    looks.push(`lutyuv=y=16+(val-16)*${keep}:u=128+(val-128)*${keep}:v=128+(val-128)*${keep}`);
  }
  const steps =
    kind === "video"
      ? // Timestamps from frame numbers: FFmpeg 5.1 restarts them when a seeked input loops (the
        // clip is constant 30 fps, normalised at upload), which would make overlay drop frames.
        skipFrames > 0
        ? [
            `setpts=N/(${fps}*TB)`,
            `trim=start_frame=${skipFrames}:end_frame=${skipFrames + frames}`,
            "setpts=PTS-STARTPTS",
            "format=yuv420p",
            ...looks,
          ]
        : [`setpts=N/(${fps}*TB)`, `trim=end_frame=${frames}`, "format=yuv420p", ...looks]
      : [
          `scale=${width}:${height}:out_color_matrix=bt709:out_range=tv`,
          "format=yuv420p",
          ...looks,
          `loop=loop=${frames - 1}:size=1:start=0`,
          "setpts=N/FRAME_RATE/TB",
        ];
  steps.push("setsar=1");
  return `[${input}:v]${steps.join(",")}[${output}]`;
}

/**
 * Builds the whole FFmpeg invocation for a render. Pure: no I/O, the same request and paths always
 * give the same arguments (golden-tested per format).
 *
 * Inputs: each still (single frame), each narration clip, the music (looped by the demuxer), the
 * library background (a video seeked and looped by the demuxer, or an image).
 * Video: scene chains → xfade chain (or concat when transitions are 0) → over the background when
 * there is one (the scenes are then cards with alpha) → captions with libass.
 * Audio: narration clips placed with adelay and mixed → music trimmed, ducked with sidechaincompress
 * keyed by the narration → loudnorm to −14 LUFS → 48 kHz stereo.
 */
export function buildRenderCommand(options: BuildRenderCommandOptions): RenderCommand {
  const { request, inputs, assPath, outputPath, filterScriptPath, preset } = options;
  const { width, height, fps } = preset;
  const { sceneFrames, transitionFrames, totalFrames } = timelineFrames(request, fps);
  const duration = formatSeconds(totalFrames / fps);
  const args: string[][] = [["-hide_banner"], ["-nostdin"], ["-nostats"], ["-y"]];
  const graph: string[] = [];

  // Inputs. -framerate makes each still a 30 fps stream, so loop/setpts/xfade share one time base.
  for (const image of inputs.images) args.push(["-framerate", String(fps)], ["-i", image]);
  const narrationBase = inputs.images.length;
  for (const clip of inputs.narration) args.push(["-i", clip]);
  const musicInput = inputs.music === undefined ? undefined : narrationBase + inputs.narration.length;
  if (inputs.music !== undefined) args.push(["-stream_loop", "-1"], ["-i", inputs.music]);
  const background =
    request.background && inputs.background !== undefined
      ? {
          ...request.background,
          path: inputs.background,
          input: narrationBase + inputs.narration.length + (inputs.music === undefined ? 0 : 1),
        }
      : undefined;
  if (background?.kind === "video") {
    // One input, decoded once: seek to the segment (the clip has a keyframe every second), loop if short.
    // (A chunk starts at its own frame of this sequence: backgroundClipFrame in chunk-command.ts.)
    args.push(["-ss", formatSeconds(background.startSeconds)], ["-stream_loop", "-1"], ["-i", background.path]);
  } else if (background) {
    args.push(["-framerate", String(fps)], ["-i", background.path]);
  }

  // Video.
  request.scenes.forEach((scene, index) => {
    graph.push(
      sceneChain({
        input: index,
        motion: scene.motion,
        frames: sceneFrames[index] as number,
        width,
        height,
        output: `s${index}`,
        alpha: background !== undefined,
      }),
    );
  });
  const transitions = sceneTransitions({ sceneFrames, transitionFrames, fps });
  graph.push(...transitions.graph);
  let video = transitions.output;
  if (background) {
    graph.push(backgroundChain({ ...background, frames: totalFrames, fps, width, height, output: "bg" }));
    // The cards (transparent outside their panel, crossfading as before) over the moving background.
    graph.push(`[bg][${video}]overlay=x=0:y=0:format=yuv420:eof_action=pass[vbg]`);
    video = "vbg";
  }
  if (assPath !== undefined) {
    // Captions are timed by frame number: xfade's output timestamps wobble by a frame inside a
    // crossfade (FFmpeg 5.1), which would move a caption change that falls there (and differently in
    // a chunk, whose crossfades start elsewhere in its own graph).
    graph.push(`[${video}]settb=1/${fps},setpts=N,ass=filename=${escapeFilterValue(assPath)}[vout]`);
    video = "vout";
  }

  graph.push(...audioGraph({ request, narrationBase, narrationInputs: inputs.narration.length, musicInput, duration }));

  args.push(
    ["-filter_complex_script", filterScriptPath],
    ["-map", `[${video}]`],
    ["-map", "[aout]"],
    ...videoEncoderArgs(preset),
    ...audioEncoderArgs(preset),
    ["-frames:v", String(totalFrames)],
    ["-t", duration],
    ["-movflags", "+faststart"],
    ["-progress", "pipe:1"],
    [outputPath],
  );
  return { args: args.flat(), filterGraph: graph.join(";\n"), durationSeconds: totalFrames / fps, totalFrames };
}

/**
 * The scene chains [s0]…[sN-1] joined into one stream: xfade chain (or concat when scenes cut).
 * `sceneFrames` are the frames each chain outputs; the crossfade into scene i starts where the
 * frames so far, minus one crossfade per join, end.
 */
export function sceneTransitions(options: { sceneFrames: readonly number[]; transitionFrames: number; fps: number }): {
  graph: string[];
  output: string;
} {
  const { sceneFrames, transitionFrames, fps } = options;
  const graph: string[] = [];
  let video = "s0";
  if (sceneFrames.length > 1 && transitionFrames > 0) {
    let elapsedFrames = sceneFrames[0] as number;
    for (let index = 1; index < sceneFrames.length; index++) {
      const offset = formatSeconds((elapsedFrames - transitionFrames) / fps);
      const output = index === sceneFrames.length - 1 ? "vx" : `x${index}`;
      graph.push(
        `[${video}][s${index}]xfade=transition=fade:duration=${formatSeconds(transitionFrames / fps)}:offset=${offset}[${output}]`,
      );
      video = output;
      elapsedFrames += (sceneFrames[index] as number) - transitionFrames;
    }
  } else if (sceneFrames.length > 1) {
    graph.push(`${sceneFrames.map((_, index) => `[s${index}]`).join("")}concat=n=${sceneFrames.length}:v=1:a=0[vx]`);
    video = "vx";
  }
  return { graph, output: video };
}

/**
 * The whole audio graph, ending in [aout]: narration clips placed with adelay and mixed, music
 * trimmed and ducked under the narration, loudness normalised, 48 kHz stereo. Every branch is
 * 48 kHz stereo float before mixing.
 */
export function audioGraph(options: {
  request: RenderRequest;
  /** Input index of the first narration clip; the clips follow in request order. */
  narrationBase: number;
  narrationInputs: number;
  musicInput: number | undefined;
  /** The video's length, seconds, as formatted for filters. */
  duration: string;
}): string[] {
  const { request, narrationBase, narrationInputs, musicInput, duration } = options;
  const graph: string[] = [];
  const normalise = `aresample=${AUDIO_SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo`;
  if (narrationInputs > 0) {
    for (let index = 0; index < narrationInputs; index++) {
      const delayMs = Math.round((request.narration[index]?.start ?? 0) * 1000);
      graph.push(`[${narrationBase + index}:a]${normalise},adelay=delays=${delayMs}:all=1[n${index}]`);
    }
    // normalize=0: clips rarely overlap, and amix must not scale each voice down by the input count.
    const mixed =
      narrationInputs === 1
        ? "[n0]"
        : `${Array.from({ length: narrationInputs }, (_, index) => `[n${index}]`).join("")}amix=inputs=${narrationInputs}:duration=longest:normalize=0,`;
    graph.push(`${mixed}apad=whole_dur=${duration},atrim=end=${duration}[speech]`);
  } else {
    graph.push(`anullsrc=r=${AUDIO_SAMPLE_RATE}:cl=stereo,atrim=end=${duration}[speech]`);
  }
  let audio = "speech";
  if (musicInput !== undefined && request.music) {
    const volume = formatSeconds(request.music.volume);
    graph.push(`[${musicInput}:a]${normalise},volume=${volume},atrim=end=${duration}[music]`);
    if (request.music.duck && narrationInputs > 0) {
      graph.push("[speech]asplit=2[speechmix][speechkey]");
      graph.push(`[music][speechkey]sidechaincompress=${DUCKING}[ducked]`);
      graph.push("[speechmix][ducked]amix=inputs=2:duration=first:normalize=0[mixed]");
    } else {
      graph.push("[speech][music]amix=inputs=2:duration=first:normalize=0[mixed]");
    }
    audio = "mixed";
  }
  // Single-pass (dynamic) loudnorm: a measuring first pass would run the whole audio graph twice
  // and delay the render by a second FFmpeg run; narration is already level, so the dynamic mode
  // lands within about 1 LU of −14 LUFS. loudnorm works at 192 kHz internally: resample back to 48 kHz.
  graph.push(
    `[${audio}]loudnorm=I=${LOUDNESS_TARGET_LUFS}:TP=-1.5:LRA=11,aresample=${AUDIO_SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo[aout]`,
  );

  return graph;
}

/** The encoder settings of the format (the product's spec), identical for a whole render and every chunk. */
export function videoEncoderArgs(preset: FormatSpec): string[][] {
  return [
    ["-c:v", "libx264"],
    ["-preset", preset.preset],
    ["-crf", String(preset.crf)],
    ["-maxrate", VIDEO_MAXRATE],
    ["-bufsize", VIDEO_BUFSIZE],
    ["-pix_fmt", "yuv420p"],
    ["-color_range", "tv"],
    ["-colorspace", "bt709"],
    ["-color_primaries", "bt709"],
    ["-color_trc", "bt709"],
    ["-r", String(preset.fps)],
  ];
}

export function audioEncoderArgs(preset: FormatSpec): string[][] {
  return [
    ["-c:a", "aac"],
    ["-b:a", preset.audioBitrate],
    ["-ar", String(AUDIO_SAMPLE_RATE)],
    ["-ac", "2"],
  ];
}
