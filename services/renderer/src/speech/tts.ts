import type { SpeechUsage, VoiceInfo, WordTiming } from "@video-service/contracts";

export type { SpeechUsage, VoiceInfo, WordTiming } from "@video-service/contracts";

export interface SynthesizeOptions {
  /** Plain speakable text (the gateway normalises Markdown; control characters are already stripped). */
  text: string;
  /** Engine-specific voice name, e.g. "en-us" or "en-us+f3" for espeak-ng. */
  voice: string;
  /** Words per minute. */
  rate: number;
  /** Where the WAV file (16-bit PCM, mono) is written. */
  outputPath: string;
  signal?: AbortSignal;
}

export interface SynthesisResult {
  durationSeconds: number;
  /** One entry per spoken word of `text`, in order, seconds from the start of the clip. */
  words: WordTiming[];
  /** What a paid engine billed for it (Polly); absent for espeak-ng. */
  usage?: SpeechUsage;
}

/** A text-to-speech engine: espeak-ng locally, Amazon Polly in AWS. */
export interface TtsEngine {
  readonly name: "espeak" | "polly";
  synthesize(o: SynthesizeOptions): Promise<SynthesisResult>;
  /**
   * Whether the engine has the voice, so requests are refused before any work is done (the answer
   * is cached by the engine). Optional: an engine without it throws UnknownVoiceError from synthesize.
   */
  hasVoice?(voice: string): Promise<boolean>;
  /** The voices the engine has, for GET /v1/voices (cached by the engine). */
  voices?(signal?: AbortSignal): Promise<VoiceInfo[]>;
}

/** The engine does not know the requested voice: the caller's mistake, answered with 422. */
export class UnknownVoiceError extends Error {
  override readonly name = "UnknownVoiceError";
  readonly voice: string;
  constructor(voice: string) {
    super(`unknown voice: ${JSON.stringify(voice)}`);
    this.voice = voice;
  }
}

/** The text has nothing the engine can pronounce (no audio came out): answered with 422. */
export class NothingToSpeakError extends Error {
  override readonly name = "NothingToSpeakError";
}

/** The engine itself failed (library error, crashed worker): answered with 502. */
export class TtsEngineError extends Error {
  override readonly name = "TtsEngineError";
}

/** The engine's service is throttling or down after every retry: answered with 503, worth retrying later. */
export class TtsUnavailableError extends Error {
  override readonly name = "TtsUnavailableError";
}
