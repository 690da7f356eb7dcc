import { writeFile } from "node:fs/promises";
import { startDeadline } from "@video-service/retry";
import type { EspeakVoiceDetails, EspeakVoiceList } from "./espeak.native.ts";
import type { EspeakWorkerReply } from "./espeak.protocol.ts";
import { acquireEspeakWorker } from "./espeak-worker.client.ts";
import {
  NothingToSpeakError,
  type SynthesisResult,
  type SynthesizeOptions,
  type TtsEngine,
  TtsEngineError,
  UnknownVoiceError,
  type VoiceInfo,
} from "./tts.ts";
import { encodeWav } from "./wav.ts";
import { wordTimingsFromEvents } from "./word-timings.ts";

export interface EspeakEngineOptions {
  /** Shared library to load; the system's libespeak-ng by default. */
  libraryPath?: string;
  /** Directory containing espeak-ng-data; the library's built-in default when absent. */
  dataPath?: string;
  /**
   * One synthesis's deadline (default 60 s; espeak speaks a paragraph in well under a second). At
   * the deadline the synthesis is asked to stop; if the library does not return within a grace of
   * 5 s more, its worker thread is terminated and replaced.
   */
  synthesisTimeoutMs?: number;
  /** Stands in for espeak.worker.ts (tests of a hung library). */
  workerUrl?: URL;
}

export const DEFAULT_SYNTHESIS_TIMEOUT_MS = 60_000;
const HUNG_WORKER_GRACE_MS = 5_000;

export interface EspeakEngine extends TtsEngine {
  readonly name: "espeak";
  /** Whether `voice` names an installed voice, optionally with a "+variant" (e.g. "en-us+f3"). */
  hasVoice(voice: string): Promise<boolean>;
  voices(): Promise<VoiceInfo[]>;
  /** Gives up the shared worker thread (the last engine to close stops it). */
  close(): Promise<void>;
}

type Reply<T extends EspeakWorkerReply> = T extends { ok: true } ? T : never;
type SynthesisReply = Reply<Extract<EspeakWorkerReply, { type: "synthesis" }>>;
type VoicesReply = Reply<Extract<EspeakWorkerReply, { type: "voices" }>>;

/**
 * espeak-ng through libespeak-ng in a worker thread: audio and the synthesiser's own word events
 * in one pass (see word-timings.ts and README.md for how word timings are made and how accurate
 * they are). The library is not re-entrant, so one worker per process owns it and handles one
 * text at a time (engines created in the same process share it); the main thread only encodes
 * the WAV and computes timings.
 */
export function createEspeakEngine(o: EspeakEngineOptions = {}): EspeakEngine {
  const worker = acquireEspeakWorker({
    ...(o.libraryPath === undefined ? {} : { libraryPath: o.libraryPath }),
    ...(o.dataPath === undefined ? {} : { dataPath: o.dataPath }),
    ...(o.workerUrl === undefined ? {} : { workerUrl: o.workerUrl }),
  });
  const synthesisTimeoutMs = o.synthesisTimeoutMs ?? DEFAULT_SYNTHESIS_TIMEOUT_MS;
  type Voices = { voices: Set<string>; variants: Set<string>; details: EspeakVoiceDetails[] };
  let voices: Promise<Voices> | undefined;

  function loadVoices(): Promise<Voices> {
    voices ??= worker.call({ type: "voices" }).then((reply) => {
      if (!reply.ok) throw new TtsEngineError(`espeak-ng could not list voices: ${reply.message}`);
      const list: EspeakVoiceList = (reply as VoicesReply).voices;
      return { voices: new Set(list.voices), variants: new Set(list.variants), details: list.details };
    });
    voices.catch(() => {
      voices = undefined; // a failed listing is retried on the next call
    });
    return voices;
  }

  return {
    name: "espeak",

    async hasVoice(voice) {
      const { voices, variants } = await loadVoices();
      const [base, variant, ...rest] = voice.split("+");
      if (rest.length > 0 || !base) return false;
      // espeak matches voice names case-insensitively; a variant is a file name, matched exactly.
      return voices.has(base.toLowerCase()) && (variant === undefined || variants.has(variant));
    },

    async voices() {
      const { details } = await loadVoices();
      return details.map(
        (voice): VoiceInfo => ({
          engine: "espeak",
          id: voice.id,
          name: voice.name,
          language: voice.languages[0] ?? voice.id,
          otherLanguages: voice.languages.slice(1),
          gender: voice.gender,
        }),
      );
    },

    async synthesize({ text, voice, rate, outputPath, signal }: SynthesizeOptions): Promise<SynthesisResult> {
      signal?.throwIfAborted();
      const deadline = startDeadline(synthesisTimeoutMs, signal, "espeak-ng synthesis");
      const abortFlag = new Int32Array(new SharedArrayBuffer(4));
      const onAbort = () => Atomics.store(abortFlag, 0, 1);
      deadline.signal.addEventListener("abort", onAbort, { once: true });
      // NUL would end the C string early; every other character keeps its position for the events.
      const spoken = text.replaceAll("\0", " ");
      let reply: EspeakWorkerReply;
      try {
        reply = await worker.call(
          { type: "synthesize", text: spoken, voice, rate, abortFlag },
          { hardTimeoutMs: synthesisTimeoutMs + HUNG_WORKER_GRACE_MS },
        );
      } finally {
        deadline.signal.removeEventListener("abort", onAbort);
        deadline.dispose();
      }
      if (!reply.ok) {
        if (reply.kind === "unknown-voice") throw new UnknownVoiceError(voice);
        if (reply.kind === "aborted" && deadline.timedOut() && !signal?.aborted) {
          throw new TtsEngineError(
            `espeak-ng did not finish within ${synthesisTimeoutMs} ms; the synthesis was stopped`,
          );
        }
        if (reply.kind === "aborted") throw signal?.reason ?? new DOMException("synthesis aborted", "AbortError");
        throw new TtsEngineError(`espeak-ng failed: ${reply.message}`);
      }
      const { samples, sampleRate, events } = reply as SynthesisReply;
      if (samples.length === 0) throw new NothingToSpeakError("espeak-ng produced no audio for the text");
      await writeFile(outputPath, encodeWav({ samples, sampleRate }));
      return {
        durationSeconds: samples.length / sampleRate,
        words: wordTimingsFromEvents({ text: spoken, events, samples, sampleRate }),
      };
    },

    async close() {
      voices = undefined;
      await worker.release();
    },
  };
}
