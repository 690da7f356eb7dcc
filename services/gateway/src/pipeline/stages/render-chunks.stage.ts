import { createHash } from "node:crypto";
import {
  FORMATS,
  type FrameRange,
  planChunks,
  type RenderPart,
  type RenderRequestInput,
  renderRequestSchema,
  storageKeys,
  timelineFrames,
  transitionWindows,
} from "@video-service/contracts";
import type { ObjectStore } from "@video-service/object-store";
import { WaitingChildrenError } from "bullmq";
import type { RenderDone, RendererClient } from "../pipeline.types.ts";
import type { RenderCapacity } from "./render-capacity.ts";

/**
 * Chunked rendering, the gateway's half (docs/chunked-rendering.md). The render stage of a long
 * video splits the timeline into N frame ranges, and the video's BullMQ job becomes the parent of
 * one child job per part (N video chunks + the audio) on the chunks queue, which any worker of any
 * gateway task takes and renders on any renderer task. The parent waits (BullMQ's waiting-children
 * state) and runs the stage again once every child has finished; then the renderer joins the parts.
 * A part's output in storage is the record that it is done: a retry, a crash or a drained task
 * re-renders only the parts whose objects are missing.
 */

/** When to chunk: the configuration (RENDER_* variables) and the render capacity. */
export interface ChunkPolicy {
  /** "auto", or a fixed number of chunks for every video (1 = never). */
  chunks: "auto" | number;
  /** Render slots across every renderer task: RENDER_CAPACITY, or discovered (render-capacity.ts). */
  capacity: RenderCapacity;
  /** auto: shorter videos render in one piece. */
  minVideoSeconds: number;
  /** auto: about this much video per chunk. */
  chunkSeconds: number;
}

/**
 * How many chunks a video gets: the job's own choice, else the configured number, else (auto) one
 * per `chunkSeconds` of video up to the render capacity — and 1 (one piece) for videos under
 * `minVideoSeconds` or with a single render slot, where chunking cannot pay.
 */
export function chunkCount(options: {
  videoSeconds: number;
  policy: Omit<ChunkPolicy, "capacity">;
  capacity: number;
  requested?: number | undefined;
}) {
  const { videoSeconds, policy, capacity, requested } = options;
  if (requested !== undefined) return requested;
  if (policy.chunks !== "auto") return policy.chunks;
  if (capacity < 2 || videoSeconds < policy.minVideoSeconds) return 1;
  return Math.max(1, Math.min(capacity, Math.ceil(videoSeconds / policy.chunkSeconds)));
}

/** chunkCount, asking for the render capacity only when the answer depends on it. */
export async function chooseChunkCount(options: {
  videoSeconds: number;
  policy: ChunkPolicy;
  requested?: number | undefined;
  signal?: AbortSignal;
}): Promise<number> {
  const { videoSeconds, policy, requested } = options;
  const dependsOnCapacity =
    requested === undefined && policy.chunks === "auto" && videoSeconds >= policy.minVideoSeconds;
  const capacity = dependsOnCapacity ? await policy.capacity.current(options.signal) : 1;
  return chunkCount({ videoSeconds, policy, capacity, requested });
}

/** A chunk shorter than this is not worth an encode of its own. */
const MIN_CHUNK_SECONDS = 2;

/** The audio part's share of the parts' work, against the video's frames (it renders in seconds). */
const AUDIO_PART_WEIGHT = 0.05;
/** The parts' share of the render stage; the join (stream copy) is the rest. */
const PARTS_SHARE = 0.95;

/** The render stage's fraction when the parts are `partsFraction` done (0..1, weighted by frames). */
export const renderFractionOfParts = (partsFraction: number): number => PARTS_SHARE * partsFraction;

/** One part of a chunked render, as a chunk job carries it. */
export interface RenderPartJob {
  videoId: string;
  run: number;
  /** "audio" or "chunk-<i>": unique within a render. */
  name: string;
  /** Where the part goes (and, once there, the proof that it is done). */
  key: string;
  /** The timeline, stored once for all the parts. */
  timelineKey: string;
  part: RenderPart;
}

/** The running video job as the parent of its part jobs (BullMQ flow); built by the worker. */
export interface RenderFlow {
  /** Queues the parts as children of the video job (the same part in the same attempt is queued once). */
  addParts(parts: readonly RenderPartJob[]): Promise<void>;
  /** Moves the video job to waiting-children; false when every child has finished already. */
  waitForParts(): Promise<boolean>;
  /** Why parts of this attempt failed for good (after their own retries). */
  partFailures(): Promise<string[]>;
  /** Records the parts' weights and which are done, so the chunk workers can report progress. */
  planProgress(parts: readonly { name: string; weight: number; done: boolean }[]): Promise<void>;
}

export interface ChunkLayout {
  ranges: FrameRange[];
  timelineKey: string;
  /** `weight`: the part's share of the work (a chunk's frames; the audio a fraction of the video's). */
  parts: { name: string; key: string; part: RenderPart; weight: number }[];
}

/**
 * The parts of a timeline and their keys. Keys are named by the timeline's content, so a retry
 * of the same video (the same narration and cards) finds the parts an earlier run rendered, and a
 * changed timeline never reuses a stale part.
 */
export function chunkLayout(jobId: string, timeline: RenderRequestInput, chunks: number): ChunkLayout {
  const parsed = renderRequestSchema.parse(timeline);
  const { fps } = FORMATS[parsed.format];
  const { sceneFrames, transitionFrames, totalFrames } = timelineFrames(parsed, fps);
  const ranges = planChunks({
    totalFrames,
    chunks,
    transitions: transitionWindows(sceneFrames, transitionFrames),
    minFrames: MIN_CHUNK_SECONDS * fps,
  });
  const digest = createHash("sha256")
    .update(JSON.stringify({ ...parsed, outputKey: "" }))
    .digest("hex")
    .slice(0, 16);
  const base = `${storageKeys.tempRenderPrefix(jobId)}${digest}/`;
  return {
    ranges,
    timelineKey: `${base}timeline.json`,
    parts: [
      { name: "audio", key: `${base}audio.m4a`, part: { type: "audio" }, weight: AUDIO_PART_WEIGHT * totalFrames },
      ...ranges.map((frames, index) => ({
        name: `chunk-${index}`,
        key: `${base}video-${frames.start}-${frames.count}.ts`,
        part: { type: "video" as const, frames },
        weight: frames.count,
      })),
    ],
  };
}

/**
 * Renders a timeline as chunks through the queue, then joins them. Throws WaitingChildrenError
 * after queueing the missing parts (the worker hands the job back to BullMQ until they finish);
 * throws an Error naming the failed parts when some could not be rendered (the job's retry then
 * re-renders only those).
 */
export async function renderInChunks(options: {
  jobId: string;
  run: number;
  timeline: RenderRequestInput;
  layout: ChunkLayout;
  flow: RenderFlow;
  store: ObjectStore;
  renderer: RendererClient;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
  timeoutMs: number;
}): Promise<RenderDone> {
  const { jobId, run, timeline, layout, flow, store, signal } = options;
  const missingParts = async () => {
    const present = await Promise.all(layout.parts.map((part) => store.head(part.key)));
    return layout.parts.filter((_, index) => present[index] === undefined);
  };
  let missing = await missingParts();
  const totalWeight = layout.parts.reduce((sum, part) => sum + part.weight, 0);
  const doneWeight = layout.parts.filter((part) => !missing.includes(part)).reduce((sum, p) => sum + p.weight, 0);
  options.onProgress(renderFractionOfParts(doneWeight / totalWeight));
  if (missing.length > 0) {
    signal.throwIfAborted();
    if ((await store.head(layout.timelineKey)) === undefined) {
      await store.put(layout.timelineKey, JSON.stringify(timeline), { contentType: "application/json" });
    }
    await flow.planProgress(
      layout.parts.map((part) => ({ name: part.name, weight: part.weight, done: !missing.includes(part) })),
    );
    await flow.addParts(
      missing.map(({ weight: _weight, ...part }) => ({
        videoId: jobId,
        run,
        timelineKey: layout.timelineKey,
        ...part,
      })),
    );
    if (await flow.waitForParts()) throw new WaitingChildrenError();
    // Every child has finished (the parent was already resumed once): what is still missing failed.
    missing = await missingParts();
    if (missing.length > 0) {
      const failures = await flow.partFailures();
      throw new Error(
        `${missing.length} part(s) of the chunked render failed (${missing.map((part) => part.name).join(", ")})${failures.length > 0 ? `: ${failures.slice(0, 3).join("; ")}` : ""}`,
      );
    }
  }
  const audio = layout.parts[0];
  if (audio?.name !== "audio") throw new Error("chunk layout without its audio part");
  return options.renderer.joinParts(
    {
      format: timeline.format,
      outputKey: timeline.outputKey,
      audioKey: audio.key,
      chunks: layout.parts
        .slice(1)
        .map((part, index) => ({ key: part.key, frames: layout.ranges[index] as FrameRange })),
    },
    {
      signal,
      timeoutMs: options.timeoutMs,
      onProgress: (fraction) =>
        options.onProgress(renderFractionOfParts(1) + (1 - renderFractionOfParts(1)) * fraction),
    },
  );
}
