import type { Voice, VoiceInfo, VoiceList } from "@video-service/contracts";
import { singleFlight } from "@video-service/retry";
import type { ScriptVoices } from "../script/index.ts";

/** What the catalog needs of the renderer client. */
export interface VoiceSource {
  voices(options?: { signal?: AbortSignal }): Promise<VoiceList>;
}

/**
 * The voices this deployment can speak with, as the renderer lists them (espeak-ng's installed
 * voices; Polly's when it is enabled), kept for `ttlMs`: the list changes only with a deploy or
 * when AWS adds voices. Concurrent callers share one request; a failure is not kept.
 */
export interface VoiceCatalog {
  list(signal?: AbortSignal): Promise<VoiceList>;
  /** The voice a request names, or undefined; espeak-ng's "+variant" suffix is ignored. */
  find(voice: Pick<Voice, "engine" | "voice">, signal?: AbortSignal): Promise<VoiceInfo | undefined>;
  /** The job's voice and the other voices of its engine, for the script's runs of other scripts. */
  scriptVoices(voice: Pick<Voice, "engine" | "voice"> | undefined, signal?: AbortSignal): Promise<ScriptVoices>;
}

export const DEFAULT_VOICE = { engine: "espeak", voice: "en-us" } as const;

export function createVoiceCatalog(o: { source: VoiceSource; ttlMs?: number; now?: () => number }): VoiceCatalog {
  const ttlMs = o.ttlMs ?? 5 * 60_000;
  const now = o.now ?? Date.now;
  let cached: { at: number; list: VoiceList } | undefined;
  const load = singleFlight(
    async (signal) => {
      const list = await o.source.voices({ signal });
      cached = { at: now(), list };
      return list;
    },
    { timeoutMs: 30_000, what: "listing the renderer's voices" },
  );

  const catalog: VoiceCatalog = {
    async list(signal) {
      if (cached && now() - cached.at < ttlMs) return cached.list;
      return load(signal);
    },
    async find(voice, signal) {
      const { voices } = await catalog.list(signal);
      const id =
        voice.engine === "espeak" ? (voice.voice.split("+")[0] ?? "").toLowerCase() : voice.voice.toLowerCase();
      return voices.find((v) => v.engine === voice.engine && v.id.toLowerCase() === id);
    },
    async scriptVoices(requested, signal) {
      const voice = requested ?? DEFAULT_VOICE;
      const { voices } = await catalog.list(signal);
      const found = await catalog.find(voice, signal);
      return {
        // An unlisted voice is refused when the job is created; if the list changed since, its
        // language is unknown and taken as English (the narration then reports the voice).
        main: found
          ? { ...found, id: voice.voice }
          : { engine: voice.engine, id: voice.voice, language: "en", gender: null },
        available: voices.filter((v) => v.engine === voice.engine),
      };
    },
  };
  return catalog;
}
