import { writeFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { EspeakVoiceList } from "./espeak.native.ts";
import type { EspeakWorkerReply, EspeakWorkerRequest, EspeakWorkerSettings } from "./espeak.protocol.ts";
import {
  NothingToSpeakError,
  type SynthesisResult,
  type SynthesizeOptions,
  type TtsEngine,
  TtsEngineError,
  UnknownVoiceError,
} from "./tts.ts";
import { encodeWav } from "./wav.ts";
import { wordTimingsFromEvents } from "./word-timings.ts";

export interface EspeakEngineOptions {
  /** Shared library to load; the system's libespeak-ng by default. */
  libraryPath?: string;
  /** Directory containing espeak-ng-data; the library's built-in default when absent. */
  dataPath?: string;
}

export interface EspeakEngine extends TtsEngine {
  readonly name: "espeak";
  /** Whether `voice` names an installed voice, optionally with a "+variant" (e.g. "en-us+f3"). */
  hasVoice(voice: string): Promise<boolean>;
  /** Stops the worker thread; pending syntheses fail. */
  close(): Promise<void>;
}

type Reply<T extends EspeakWorkerReply> = T extends { ok: true } ? T : never;
type SynthesisReply = Reply<Extract<EspeakWorkerReply, { type: "synthesis" }>>;
type VoicesReply = Reply<Extract<EspeakWorkerReply, { type: "voices" }>>;

interface Pending {
  resolve(reply: EspeakWorkerReply): void;
  reject(error: Error): void;
}

/**
 * espeak-ng through libespeak-ng in a worker thread: audio and the synthesiser's own word events
 * in one pass (see word-timings.ts and README.md for how word timings are made and how accurate
 * they are). The library is not re-entrant, so one worker owns it and handles one text at a time;
 * the main thread only encodes the WAV and computes timings.
 */
export function createEspeakEngine(o: EspeakEngineOptions = {}): EspeakEngine {
  const settings: EspeakWorkerSettings = {
    ...(o.libraryPath === undefined ? {} : { libraryPath: o.libraryPath }),
    ...(o.dataPath === undefined ? {} : { dataPath: o.dataPath }),
  };
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let voices: Promise<{ voices: Set<string>; variants: Set<string> }> | undefined;

  function failAll(error: Error): void {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  }

  function ensureWorker(): Worker {
    if (worker) return worker;
    const created = new Worker(new URL("./espeak.worker.ts", import.meta.url), { workerData: settings });
    // Idle, the worker must not keep the process alive; pending calls ref it (see call()).
    created.unref();
    created.on("message", (reply: EspeakWorkerReply) => {
      const entry = pending.get(reply.id);
      if (!entry) return;
      pending.delete(reply.id);
      if (pending.size === 0) created.unref();
      entry.resolve(reply);
    });
    created.on("error", (error) => {
      if (worker === created) worker = undefined;
      failAll(new TtsEngineError(`espeak-ng worker failed: ${error.message}`, { cause: error }));
    });
    created.on("exit", (code) => {
      if (worker === created) worker = undefined;
      failAll(new TtsEngineError(`espeak-ng worker exited (code ${code})`));
    });
    worker = created;
    return created;
  }

  function call(request: EspeakWorkerRequest): Promise<EspeakWorkerReply> {
    const target = ensureWorker();
    return new Promise((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      target.ref();
      target.postMessage(request);
    });
  }

  function loadVoices(): Promise<{ voices: Set<string>; variants: Set<string> }> {
    voices ??= call({ id: nextId++, type: "voices" }).then((reply) => {
      if (!reply.ok) throw new TtsEngineError(`espeak-ng could not list voices: ${reply.message}`);
      const list: EspeakVoiceList = (reply as VoicesReply).voices;
      return { voices: new Set(list.voices), variants: new Set(list.variants) };
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

    async synthesize({ text, voice, rate, outputPath, signal }: SynthesizeOptions): Promise<SynthesisResult> {
      signal?.throwIfAborted();
      const abortFlag = new Int32Array(new SharedArrayBuffer(4));
      const onAbort = () => Atomics.store(abortFlag, 0, 1);
      signal?.addEventListener("abort", onAbort, { once: true });
      // NUL would end the C string early; every other character keeps its position for the events.
      const spoken = text.replaceAll("\0", " ");
      let reply: EspeakWorkerReply;
      try {
        reply = await call({ id: nextId++, type: "synthesize", text: spoken, voice, rate, abortFlag });
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
      if (!reply.ok) {
        if (reply.kind === "unknown-voice") throw new UnknownVoiceError(voice);
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
      const current = worker;
      worker = undefined;
      voices = undefined;
      if (current) await current.terminate();
      failAll(new TtsEngineError("espeak-ng engine closed"));
    },
  };
}
