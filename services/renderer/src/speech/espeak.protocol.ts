import type { EspeakEvent, EspeakVoiceList } from "./espeak.native.ts";

/** Messages between espeak.engine.ts (main thread) and espeak.worker.ts. */
export interface EspeakWorkerSettings {
  libraryPath?: string;
  dataPath?: string;
  /** The worker's script; espeak.worker.ts unless a test stands in a hung one. Not sent to the worker. */
  workerUrl?: URL;
}

export type EspeakWorkerRequest =
  | { id: number; type: "voices" }
  | {
      id: number;
      type: "synthesize";
      text: string;
      voice: string;
      rate: number;
      /** Shared with the main thread: set to 1 to stop the synthesis between audio chunks. */
      abortFlag: Int32Array;
    };

export type EspeakWorkerReply =
  | { id: number; ok: true; type: "voices"; voices: EspeakVoiceList }
  | { id: number; ok: true; type: "synthesis"; samples: Int16Array; sampleRate: number; events: EspeakEvent[] }
  | { id: number; ok: false; kind: "unknown-voice" | "aborted" | "failed"; message: string };
