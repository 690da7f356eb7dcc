import { writeFile } from "node:fs/promises";
import type { SpeechUsage } from "@video-service/contracts";
import type { Logger } from "@video-service/logger";
import {
  PCM_SAMPLE_RATE,
  POLLY_ENGINES,
  type PollyClient,
  type PollyEngineName,
  PollyRequestError,
  PollyUnavailableError,
  type PollyVoice,
} from "./polly.client.ts";
import { splitForRequests } from "./split-text.ts";
import { buildSsml, escapeSsmlText } from "./ssml.ts";
import {
  NothingToSpeakError,
  type SynthesisResult,
  type SynthesizeOptions,
  type TtsEngine,
  TtsEngineError,
  TtsUnavailableError,
  UnknownVoiceError,
  type VoiceInfo,
} from "./tts.ts";
import { encodeWav } from "./wav.ts";
import { type Token, tokenize, wordTimingsFromSlots } from "./word-timings.ts";

/**
 * USD per million characters billed, Polly's list prices (aws.amazon.com/polly/pricing, read
 * 2026-10-07; us-east-1, free tiers ignored). Used for the cost estimate recorded on each job.
 */
export const POLLY_PRICE_PER_MILLION_USD: Readonly<Record<PollyEngineName, number>> = {
  standard: 4,
  neural: 16,
  "long-form": 100,
  generative: 30,
};

/**
 * SynthesizeSpeech takes at most 3,000 billed characters and 6,000 in all (SSML tags included).
 * Parts stay under both with a margin: billed characters ≤ 2,900, and the escaped text ≤ 5,800
 * (checked as half of it against the same limit).
 */
const MAX_BILLED_PER_REQUEST = 2_900;
const SSML_OVERHEAD = 64;

/** Codes that mean "this engine cannot do it for this voice": the next engine is tried. */
const ENGINE_FALLBACK_CODES = new Set([
  "EngineNotSupportedException",
  "MarksNotSupportedForFormatException",
  "ValidationException",
]);

/** espeak-ng's default rate, which the voice request defaults to: Polly's normal speed. */
const NORMAL_WORDS_PER_MINUTE = 175;

export interface PollyEngineOptions {
  client: PollyClient;
  logger: Logger;
  /** The engines this deployment may use, in order of preference (default: all, most natural first). */
  engines?: readonly PollyEngineName[];
  /** How long DescribeVoices' answer is kept, ms (default 1 h). */
  voicesTtlMs?: number;
  now?: () => number;
}

export interface PollyTtsEngine extends TtsEngine {
  readonly name: "polly";
  hasVoice(voice: string): Promise<boolean>;
  /** The voices usable here, each with the engines it supports among the allowed ones, best first. */
  listVoices(signal?: AbortSignal): Promise<PollyVoice[]>;
  voices(signal?: AbortSignal): Promise<VoiceInfo[]>;
  close(): Promise<void>;
}

/**
 * Amazon Polly behind the TtsEngine interface. Per part of the text (split at sentence boundaries
 * under the request limit): one SynthesizeSpeech for word and sentence speech marks, one for 16 kHz
 * PCM audio, same voice, engine and SSML. The parts' samples are concatenated and each part's marks
 * are offset by the exact duration (sample count) of the parts before it, so timings stay exact.
 * Word ends come from the audio (each word's slot trimmed to the frames with sound), as for espeak.
 */
export function createPollyEngine(o: PollyEngineOptions): PollyTtsEngine {
  const allowed = POLLY_ENGINES.filter((engine) => (o.engines ?? POLLY_ENGINES).includes(engine));
  const ttlMs = o.voicesTtlMs ?? 3_600_000;
  const now = o.now ?? Date.now;
  let cache: { at: number; voices: Promise<PollyVoice[]> } | undefined;
  // Engines a voice turned out not to support for speech marks (e.g. generative): not tried again.
  const refused = new Map<string, Set<PollyEngineName>>();

  function listVoices(signal?: AbortSignal): Promise<PollyVoice[]> {
    if (!cache || now() - cache.at > ttlMs) {
      const voices = o.client.describeVoices(signal).then((list) =>
        list
          .map((voice) => ({ ...voice, engines: allowed.filter((engine) => voice.engines.includes(engine)) }))
          .filter((voice) => voice.engines.length > 0)
          .sort((a, b) => a.languageCode.localeCompare(b.languageCode) || a.id.localeCompare(b.id)),
      );
      const entry = { at: now(), voices };
      cache = entry;
      voices.catch(() => {
        if (cache === entry) cache = undefined; // a failed listing is retried on the next call
      });
    }
    return cache.voices;
  }

  async function findVoice(name: string, signal?: AbortSignal): Promise<PollyVoice | undefined> {
    const voices = await listVoices(signal).catch((error: unknown) => {
      throw engineError(error, "DescribeVoices");
    });
    return voices.find((voice) => voice.id.toLowerCase() === name.toLowerCase());
  }

  async function synthesizeWith(
    engine: PollyEngineName,
    voice: PollyVoice,
    parts: readonly string[],
    ratePercent: number,
    signal: AbortSignal | undefined,
  ) {
    const chunks: Int16Array[] = [];
    const tokens: Token[] = [];
    const slots: { tokenIndex: number; start: number }[] = [];
    const boundaries: number[] = [];
    let offset = 0;
    let billed = 0;
    for (const part of parts) {
      const { ssml, tokenBytes } = buildSsml(part, { ratePercent });
      const request = { ssml, voiceId: voice.id, engine, signal };
      // Marks first: if the engine cannot give them, no audio was paid for.
      const marks = await o.client.speechMarks(request);
      const audio = await o.client.synthesizePcm(request);
      billed += marks.billedCharacters + audio.billedCharacters;
      const samples = pcmSamples(audio.pcm);
      const toSample = (ms: number) => offset + Math.min(samples.length, Math.round((ms / 1000) * PCM_SAMPLE_RATE));
      const base = tokens.length;
      const partTokens = tokenize(part);
      for (const mark of marks.marks) {
        if (mark.type === "sentence") {
          if (mark.time > 0) boundaries.push(toSample(mark.time));
          continue;
        }
        if (mark.type !== "word") continue;
        const index = tokenAt(tokenBytes, mark.start);
        if (index < 0) continue;
        if (slots.at(-1)?.tokenIndex === base + index) continue;
        slots.push({ tokenIndex: base + index, start: toSample(mark.time) });
      }
      tokens.push(...partTokens);
      chunks.push(samples);
      offset += samples.length;
      boundaries.push(offset);
    }
    return { samples: concatSamples(chunks, offset), tokens, slots, boundaries, billed };
  }

  return {
    name: "polly",

    async hasVoice(name) {
      return (await findVoice(name)) !== undefined;
    },

    listVoices,

    async voices(signal) {
      const list = await listVoices(signal).catch((error: unknown) => {
        throw engineError(error, "DescribeVoices");
      });
      return list.map(
        (voice): VoiceInfo => ({
          engine: "polly",
          id: voice.id,
          name: voice.name,
          language: voice.languageCode,
          otherLanguages: voice.additionalLanguageCodes,
          gender: voice.gender,
          engines: voice.engines,
        }),
      );
    },

    async synthesize({ text, voice: name, rate, outputPath, signal }: SynthesizeOptions): Promise<SynthesisResult> {
      signal?.throwIfAborted();
      const voice = await findVoice(name, signal);
      if (!voice) throw new UnknownVoiceError(name);
      const ratePercent = Math.min(200, Math.max(20, (rate / NORMAL_WORDS_PER_MINUTE) * 100));
      const parts = splitForRequests(text, {
        max: MAX_BILLED_PER_REQUEST,
        measure: (part) => Math.max(part.length, Math.ceil((escapeSsmlText(part).length + SSML_OVERHEAD) / 2)),
      });
      if (parts.length === 0) throw new NothingToSpeakError("nothing to say");

      const candidates = voice.engines.filter((engine) => !refused.get(voice.id)?.has(engine));
      for (const [i, engine] of candidates.entries()) {
        let result: Awaited<ReturnType<typeof synthesizeWith>>;
        try {
          result = await synthesizeWith(engine, voice, parts, ratePercent, signal);
        } catch (error) {
          const isLast = i === candidates.length - 1;
          if (!isLast && error instanceof PollyRequestError && ENGINE_FALLBACK_CODES.has(error.code)) {
            o.logger.warn({ voice: voice.id, engine, code: error.code }, "Polly engine refused; trying the next one");
            const set = refused.get(voice.id) ?? new Set();
            set.add(engine);
            refused.set(voice.id, set);
            continue;
          }
          if (signal?.aborted) throw signal.reason ?? error;
          throw engineError(error, "SynthesizeSpeech");
        }
        if (result.samples.length === 0) throw new NothingToSpeakError("Polly produced no audio for the text");
        await writeFile(outputPath, encodeWav({ samples: result.samples, sampleRate: PCM_SAMPLE_RATE }));
        const usage: SpeechUsage = {
          provider: "polly",
          engine,
          billedCharacters: result.billed,
          estimatedCostUsd: estimateCostUsd(engine, result.billed),
        };
        return {
          durationSeconds: result.samples.length / PCM_SAMPLE_RATE,
          words: wordTimingsFromSlots({
            tokens: result.tokens,
            slots: result.slots,
            boundaries: result.boundaries,
            samples: result.samples,
            sampleRate: PCM_SAMPLE_RATE,
          }),
          usage,
        };
      }
      throw new UnknownVoiceError(name);
    },

    async close() {
      cache = undefined;
      o.client.close();
    },
  };
}

export function estimateCostUsd(engine: PollyEngineName, billedCharacters: number): number {
  return Math.round(((POLLY_PRICE_PER_MILLION_USD[engine] * billedCharacters) / 1_000_000) * 1e6) / 1e6;
}

/** The token whose byte range holds `byte`, else the last one starting before it; -1 if none. */
function tokenAt(ranges: readonly { start: number; end: number }[], byte: number): number {
  let found = -1;
  for (const [i, range] of ranges.entries()) {
    if (range.start > byte) break;
    found = i;
    if (byte < range.end) break;
  }
  return found;
}

/** 16-bit little-endian PCM bytes as samples, in a fresh aligned buffer (an odd trailing byte is dropped). */
function pcmSamples(pcm: Buffer): Int16Array {
  const samples = new Int16Array(Math.floor(pcm.length / 2));
  new Uint8Array(samples.buffer).set(pcm.subarray(0, samples.length * 2));
  return samples;
}

function concatSamples(chunks: readonly Int16Array[], total: number): Int16Array {
  const out = new Int16Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function engineError(error: unknown, what: string): unknown {
  if (error instanceof PollyUnavailableError) return new TtsUnavailableError(error.message, { cause: error });
  if (error instanceof PollyRequestError) return new TtsEngineError(`${what}: ${error.message}`, { cause: error });
  if (error instanceof Error && error.name === "AbortError") return error;
  return new TtsEngineError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}
