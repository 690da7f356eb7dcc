import { type Format, storageKeys, type Voice, type WordTiming } from "@video-service/contracts";
import { refitToDurations, type Script } from "../../script/index.ts";
import type { RendererClient } from "../pipeline.types.ts";

export interface SegmentNarration {
  key: string;
  durationSeconds: number;
  words: WordTiming[];
}

export interface NarrationOutput {
  /** The script refitted to the measured durations of its narration. */
  script: Script;
  narrations: Record<string, SegmentNarration>;
}

/** Parallel TTS calls per job: enough to keep the renderer busy without hogging its admission slots. */
const NARRATION_CONCURRENCY = 4;

/** Segment ids become object key segments. */
export const safeKeySegment = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[._-]+/, "s");

/** Stage 3: one speech call per segment (bounded parallelism), then the script refitted to the real durations. */
export async function narrate({
  jobId,
  script,
  format,
  voice,
  renderer,
  signal,
  onProgress,
}: {
  jobId: string;
  script: Script;
  format: Format;
  voice: Voice | undefined;
  renderer: RendererClient;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
}): Promise<NarrationOutput> {
  const segments = script.segments;
  const narrations: Record<string, SegmentNarration> = {};
  let done = 0;
  await mapBounded(segments, NARRATION_CONCURRENCY, async (segment) => {
    signal.throwIfAborted();
    const response = await renderer.speak(
      {
        text: segment.speech,
        ...(voice ? { voice } : {}),
        outputKey: storageKeys.tempAudio(jobId, `${safeKeySegment(segment.id)}.wav`),
      },
      { signal },
    );
    narrations[segment.id] = { key: response.key, durationSeconds: response.durationSeconds, words: response.words };
    done += 1;
    onProgress(done / segments.length);
  });
  const durations: Record<string, number> = {};
  for (const [id, narration] of Object.entries(narrations)) durations[id] = narration.durationSeconds;
  return { script: refitToDurations(script, durations, format), narrations };
}

/** Runs fn over items with at most `limit` at a time; the first failure rejects (the rest finish or abort). */
export async function mapBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
