/**
 * The only file that talks to libespeak-ng, through the koffi FFI. It is loaded inside the espeak
 * worker thread (espeak.worker.ts): the library keeps global state and is not re-entrant, so one
 * thread owns it and synthesises one text at a time, and the service's event loop never blocks.
 *
 * Types and constants are those of /usr/include/espeak-ng/speak_lib.h (API revision 12).
 */
import koffi from "koffi";

/** A timing event of the synthesis, as espeak-ng reports it. */
export interface EspeakEvent {
  type: "word" | "sentence" | "end";
  /** 1-based position of the word in the input text, counted in Unicode code points. */
  textPosition: number;
  /** Length of the word, in code points (WORD events only). */
  length: number;
  /** Milliseconds from the start of the audio. */
  audioMs: number;
}

export interface EspeakVoiceList {
  /**
   * Voice names espeak_SetVoiceByName accepts: the voice files' names, e.g. "en-us", "en" (British),
   * "en-gb-x-rp", "de" (lower-case; the library matches them case-insensitively). Language codes
   * that are not file names ("en-gb") are not accepted by the library, so they are not listed.
   */
  voices: string[];
  /** Voice variants that may follow a "+", e.g. "f3", "klatt", "Alex" (case as on disk). */
  variants: string[];
  /** Each voice of `voices` with its languages (by priority) and gender, for listing. */
  details: EspeakVoiceDetails[];
}

export interface EspeakVoiceDetails {
  /** The voice file name, as in `voices`. */
  id: string;
  name: string;
  /** Language codes the voice speaks, most preferred first ("en-us", "en"). */
  languages: string[];
  gender: "female" | "male" | null;
}

export interface EspeakSynthesis {
  /** 16-bit mono PCM at sampleRate. */
  samples: Int16Array;
  sampleRate: number;
  events: EspeakEvent[];
}

export class EspeakUnknownVoiceError extends Error {
  override readonly name = "EspeakUnknownVoiceError";
}

export class EspeakAbortedError extends Error {
  override readonly name = "EspeakAbortedError";
}

export interface EspeakLibrary {
  readonly sampleRate: number;
  listVoices(): EspeakVoiceList;
  /** Synthesises synchronously; stops early (EspeakAbortedError) once `abortFlag[0]` becomes non-zero. */
  synthesize(o: { text: string; voice: string; rate: number; abortFlag?: Int32Array }): EspeakSynthesis;
}

// espeak_AUDIO_OUTPUT: like RETRIEVAL, but espeak_Synth returns only when synthesis is complete.
const AUDIO_OUTPUT_SYNCHRONOUS = 2;
// espeak_POSITION_TYPE
const POS_CHARACTER = 1;
const espeakCHARS_UTF8 = 1;
// espeak_PARAMETER
const espeakRATE = 1;
// espeak_ERROR
const EE_OK = 0;
const EE_NOT_FOUND = 2;
// espeak_EVENT_TYPE
const EVENT_LIST_TERMINATED = 0;
const EVENT_WORD = 1;
const EVENT_SENTENCE = 2;
const EVENT_END = 5;

const eventId = koffi.union("espeak_EVENT_id", { number: "int", name: "const char *", string: koffi.array("char", 8) });
// The union holds a pointer, so it is 8-aligned: on LP64 the struct is 40 bytes with `id` at offset 32.
const espeakEvent = koffi.struct("espeak_EVENT", {
  type: "int",
  unique_identifier: "uint",
  text_position: "int",
  length: "int",
  audio_position: "int",
  sample: "int",
  user_data: "void *",
  id: eventId,
});
const espeakVoice = koffi.struct("espeak_VOICE", {
  name: "const char *",
  // (priority byte, NUL-terminated language) pairs ending with a zero byte; unused here.
  languages: "void *",
  identifier: "const char *",
  gender: "uchar",
  age: "uchar",
  variant: "uchar",
  xx1: "uchar",
  score: "int",
  spare: "void *",
});
const synthCallback = koffi.proto("int espeak_SynthCallback(void *wav, int numsamples, void *events)");

interface RawEvent {
  type: number;
  text_position: number;
  length: number;
  audio_position: number;
}
interface RawVoice {
  name: string | null;
  languages: unknown;
  identifier: string | null;
  gender: number;
}

/** espeak_VOICE.languages: (priority byte, NUL-terminated language) pairs, ended by a zero priority. */
function decodeLanguages(pointer: unknown): string[] {
  const languages: string[] = [];
  if (!pointer) return languages;
  let at = 0;
  // A voice lists a handful of languages; the bound only guards against a malformed list.
  while (at < 1024) {
    const priority = koffi.decode(pointer, at, "uint8") as number;
    if (priority === 0) break;
    at++;
    let language = "";
    for (let byte = koffi.decode(pointer, at, "uint8") as number; byte !== 0; ) {
      language += String.fromCharCode(byte);
      at++;
      byte = koffi.decode(pointer, at, "uint8") as number;
    }
    at++;
    if (language) languages.push(language);
  }
  return languages;
}

/** Loads the library and initialises it once for this thread. */
export function openEspeak(o: { libraryPath?: string; dataPath?: string } = {}): EspeakLibrary {
  const lib = koffi.load(o.libraryPath ?? "libespeak-ng.so.1");
  const initialize = lib.func("int espeak_Initialize(int output, int buflength, const char *path, int options)");
  const setSynthCallback = lib.func("void espeak_SetSynthCallback(espeak_SynthCallback *cb)");
  const synth = lib.func(
    "int espeak_Synth(const char *text, size_t size, uint position, int position_type, uint end_position, uint flags, void *unique_identifier, void *user_data)",
  );
  const setVoiceByName = lib.func("int espeak_SetVoiceByName(const char *name)");
  const setParameter = lib.func("int espeak_SetParameter(int parameter, int value, int relative)");
  const listVoicesNative = lib.func("void *espeak_ListVoices(espeak_VOICE *voice_spec)");

  const sampleRate = initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, o.dataPath ?? null, 0) as number;
  if (!(sampleRate > 0)) throw new Error(`espeak_Initialize failed (${sampleRate}): is espeak-ng-data installed?`);

  // The callback of the synthesis in progress; one registered trampoline serves every call.
  let onChunk: (wav: unknown, numSamples: number, events: unknown) => number = () => 0;
  const callback = koffi.register(
    (wav: unknown, numSamples: number, events: unknown) => onChunk(wav, numSamples, events),
    koffi.pointer(synthCallback),
  );
  setSynthCallback(callback);
  const eventSize = koffi.sizeof(espeakEvent);
  const pointerSize = koffi.sizeof("void *");

  function voicesMatching(spec: Record<string, unknown> | null): RawVoice[] {
    const list = listVoicesNative(spec);
    const voices: RawVoice[] = [];
    if (!list) return voices;
    for (let i = 0; ; i++) {
      const item = koffi.decode(list, i * pointerSize, "void *");
      if (!item) break;
      voices.push(koffi.decode(item, espeakVoice) as RawVoice);
    }
    return voices;
  }

  return {
    sampleRate,
    listVoices() {
      const details = new Map<string, EspeakVoiceDetails>();
      for (const voice of voicesMatching(null)) {
        const id = voice.identifier?.split("/").pop()?.toLowerCase() ?? "";
        if (!id || details.has(id)) continue;
        details.set(id, {
          id,
          name: voice.name ?? id,
          languages: decodeLanguages(voice.languages),
          gender: voice.gender === 1 ? "male" : voice.gender === 2 ? "female" : null,
        });
      }
      const voices = [...details.keys()];
      const variants = voicesMatching({
        name: null,
        languages: "variant",
        identifier: null,
        gender: 0,
        age: 0,
        variant: 0,
        xx1: 0,
        score: 0,
        spare: null,
      })
        .map((voice) => voice.identifier?.split("/").pop() ?? "")
        .filter((variant) => variant.length > 0);
      return {
        voices: voices.sort(),
        variants: [...new Set(variants)].sort(),
        details: [...details.values()].sort((a, b) => a.id.localeCompare(b.id)),
      };
    },
    synthesize({ text, voice, rate, abortFlag }) {
      const voiceStatus = setVoiceByName(voice) as number;
      if (voiceStatus === EE_NOT_FOUND) throw new EspeakUnknownVoiceError(`espeak-ng has no voice ${voice}`);
      if (voiceStatus !== EE_OK) throw new Error(`espeak_SetVoiceByName(${voice}) failed (${voiceStatus})`);
      const rateStatus = setParameter(espeakRATE, rate, 0) as number;
      if (rateStatus !== EE_OK) throw new Error(`espeak_SetParameter(rate ${rate}) failed (${rateStatus})`);

      const chunks: Buffer[] = [];
      const events: EspeakEvent[] = [];
      let aborted = false;
      onChunk = (wav, numSamples, eventList) => {
        if (abortFlag && Atomics.load(abortFlag, 0) !== 0) {
          aborted = true;
          return 1; // tells espeak-ng to stop
        }
        if (wav && numSamples > 0) chunks.push(Buffer.from(new Uint8Array(koffi.view(wav, numSamples * 2))));
        if (eventList) {
          for (let i = 0; ; i++) {
            const event = koffi.decode(eventList, i * eventSize, espeakEvent) as RawEvent;
            if (event.type === EVENT_LIST_TERMINATED) break;
            const type = eventTypes[event.type];
            if (type) {
              events.push({
                type,
                textPosition: event.text_position,
                length: event.length,
                audioMs: event.audio_position,
              });
            }
          }
        }
        return 0;
      };
      try {
        const input = Buffer.from(`${text}\0`, "utf8");
        const status = synth(input, input.length, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, null, null) as number;
        if (aborted) throw new EspeakAbortedError("synthesis aborted");
        if (status !== EE_OK) throw new Error(`espeak_Synth failed (${status})`);
      } finally {
        onChunk = () => 0;
      }
      const pcm = Buffer.concat(chunks);
      // A fresh, aligned ArrayBuffer that can be transferred to the main thread without copying.
      const samples = new Int16Array(pcm.length / 2);
      new Uint8Array(samples.buffer).set(pcm);
      return { samples, sampleRate, events };
    },
  };
}

const eventTypes: Partial<Record<number, EspeakEvent["type"]>> = {
  [EVENT_WORD]: "word",
  [EVENT_SENTENCE]: "sentence",
  [EVENT_END]: "end",
};
