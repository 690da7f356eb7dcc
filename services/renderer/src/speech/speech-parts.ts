import { readFile, rm, writeFile } from "node:fs/promises";
import { NothingToSpeakError, type SpeechUsage, type SynthesisResult, type TtsEngine, TtsEngineError } from "./tts.ts";
import { decodeWav, encodeWav } from "./wav.ts";

export interface SpeechPartRequest {
  text: string;
  voice: string;
}

/**
 * Several runs of text, each in its own voice of one engine, as one clip: each part is synthesised
 * on its own, the samples are concatenated, and each part's word timings are offset by the exact
 * length (sample count) of the parts before it. A part the engine finds nothing to say in is left
 * out; if none has anything, NothingToSpeakError.
 */
export async function synthesizeParts(
  engine: TtsEngine,
  o: { parts: readonly SpeechPartRequest[]; rate: number; outputPath: string; signal?: AbortSignal },
): Promise<SynthesisResult> {
  const [only] = o.parts;
  if (o.parts.length === 1 && only) {
    return engine.synthesize({
      text: only.text,
      voice: only.voice,
      rate: o.rate,
      outputPath: o.outputPath,
      signal: o.signal,
    });
  }
  const chunks: Int16Array[] = [];
  const words: SynthesisResult["words"] = [];
  const usages: SpeechUsage[] = [];
  let sampleRate: number | undefined;
  let total = 0;
  for (const [i, part] of o.parts.entries()) {
    const partPath = `${o.outputPath}.part${i}.wav`;
    try {
      let result: SynthesisResult;
      try {
        result = await engine.synthesize({ ...part, rate: o.rate, outputPath: partPath, signal: o.signal });
      } catch (error) {
        if (error instanceof NothingToSpeakError) continue;
        throw error;
      }
      const wav = decodeWav(await readFile(partPath));
      if (sampleRate !== undefined && wav.sampleRate !== sampleRate) {
        throw new TtsEngineError(`voice ${part.voice} speaks at ${wav.sampleRate} Hz, the others at ${sampleRate} Hz`);
      }
      sampleRate = wav.sampleRate;
      const offset = total / sampleRate;
      for (const word of result.words) {
        words.push({ text: word.text, start: roundMs(word.start + offset), end: roundMs(word.end + offset) });
      }
      chunks.push(wav.samples);
      total += wav.samples.length;
      if (result.usage) usages.push(result.usage);
    } finally {
      await rm(partPath, { force: true });
    }
  }
  if (sampleRate === undefined || total === 0) throw new NothingToSpeakError("no part had anything to say");
  const samples = new Int16Array(total);
  let at = 0;
  for (const chunk of chunks) {
    samples.set(chunk, at);
    at += chunk.length;
  }
  await writeFile(o.outputPath, encodeWav({ samples, sampleRate }));
  const usage = mergeUsage(usages);
  return { durationSeconds: total / sampleRate, words, ...(usage ? { usage } : {}) };
}

/** One usage for the clip: characters and cost added up, the engines named ("neural+standard"). */
function mergeUsage(usages: readonly SpeechUsage[]): SpeechUsage | undefined {
  const [first] = usages;
  if (!first) return undefined;
  return {
    provider: first.provider,
    engine: [...new Set(usages.map((u) => u.engine))].join("+"),
    billedCharacters: usages.reduce((sum, u) => sum + u.billedCharacters, 0),
    estimatedCostUsd: Math.round(usages.reduce((sum, u) => sum + u.estimatedCostUsd, 0) * 1e6) / 1e6,
  };
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
