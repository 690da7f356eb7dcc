import { type Format, type SpeechUsage, storageKeys, type Voice, type WordTiming } from "@video-service/contracts";
import { refitToDurations, type Script } from "../../script/index.ts";
import type { RendererClient } from "../pipeline.types.ts";

export interface SegmentNarration {
  key: string;
  durationSeconds: number;
  words: WordTiming[];
}

/** What the narration cost, for a paid engine (Polly): recorded on the job's outputs. */
export interface NarrationUsage {
  /** The Polly engines used (a voice of another language may use another engine). */
  engines: string[];
  billedCharacters: number;
  estimatedCostUsd: number;
}

export interface NarrationOutput {
  /** The script refitted to the measured durations of its narration. */
  script: Script;
  narrations: Record<string, SegmentNarration>;
  /** Absent for espeak-ng (free). */
  usage?: NarrationUsage;
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
  const usages: SpeechUsage[] = [];
  let done = 0;
  await mapBounded(segments, NARRATION_CONCURRENCY, async (segment) => {
    signal.throwIfAborted();
    const response = await renderer.speak(
      {
        text: segment.speech,
        // Runs of another script in the voice of their language: one clip, joined by the renderer.
        ...(segment.speechParts ? { parts: segment.speechParts } : {}),
        ...(voice ? { voice } : {}),
        outputKey: storageKeys.tempAudio(jobId, `${safeKeySegment(segment.id)}.wav`),
      },
      { signal },
    );
    narrations[segment.id] = { key: response.key, durationSeconds: response.durationSeconds, words: response.words };
    if (response.usage) usages.push(response.usage);
    done += 1;
    onProgress(done / segments.length);
  });
  const durations: Record<string, number> = {};
  for (const [id, narration] of Object.entries(narrations)) durations[id] = narration.durationSeconds;
  const usage = totalUsage(usages);
  return { script: refitToDurations(script, durations, format), narrations, ...(usage ? { usage } : {}) };
}

/** The segments' usage added up (characters of dropped segments included: they were billed). */
export function totalUsage(usages: readonly SpeechUsage[]): NarrationUsage | undefined {
  if (usages.length === 0) return undefined;
  return {
    engines: [...new Set(usages.flatMap((u) => u.engine.split("+")))].sort(),
    billedCharacters: usages.reduce((sum, u) => sum + u.billedCharacters, 0),
    estimatedCostUsd: Math.round(usages.reduce((sum, u) => sum + u.estimatedCostUsd, 0) * 1e6) / 1e6,
  };
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
