import type { WordTiming } from "@video-service/contracts";
import type { EspeakEvent } from "./espeak.native.ts";

export interface Token {
  text: string;
  /** Code-point range [start, end) in the input. */
  start: number;
  end: number;
}

/** Whitespace-separated tokens of the text with their code-point ranges (espeak counts code points). */
export function tokenize(text: string): Token[] {
  const codePoints = Array.from(text);
  const tokens: Token[] = [];
  let start = -1;
  for (let i = 0; i <= codePoints.length; i++) {
    const isSpace = i === codePoints.length || /\s/u.test(codePoints[i] ?? " ");
    if (!isSpace && start < 0) start = i;
    if (isSpace && start >= 0) {
      tokens.push({ text: codePoints.slice(start, i).join(""), start, end: i });
      start = -1;
    }
  }
  return tokens;
}

/** A token with something to say: a lone "—" or "&" is not a word of the caption. */
const SPOKEN = /[\p{L}\p{N}]/u;

/** Analysis frame for finding where sound starts and stops inside a word's slot. */
const FRAME_SECONDS = 0.005;

/**
 * Per-word timings from espeak-ng's WORD/END events and the synthesised samples.
 *
 * espeak reports when each word starts (to the millisecond, it is the synthesiser's own clock) but
 * not when it ends; a word's slot runs to the next word or clause end, and includes the pause that
 * follows a comma or full stop. So each slot is trimmed to the frames that carry sound: the word
 * ends where its sound ends, and starts where its sound starts (a stop consonant's closure is
 * silence). Words are the input's whitespace-separated tokens, punctuation included, so captions
 * show the original wording; one token that espeak speaks as several words ("123", "日本語") gets
 * one timing, and tokens espeak does not speak (a lone "—") get none.
 */
export function wordTimingsFromEvents(o: {
  text: string;
  events: readonly EspeakEvent[];
  samples: Int16Array;
  sampleRate: number;
}): WordTiming[] {
  const tokens = tokenize(o.text);
  const totalSamples = o.samples.length;
  const toSample = (ms: number) => Math.min(totalSamples, Math.max(0, Math.round((ms / 1000) * o.sampleRate)));

  // One slot per spoken token, in order: the first WORD event that lands in a token opens it.
  const slots: { tokenIndex: number; start: number }[] = [];
  let tokenIndex = 0;
  for (const event of o.events) {
    if (event.type !== "word") continue;
    const position = event.textPosition - 1;
    // The token containing the position, or the last one before it (espeak sometimes points at the
    // space after a symbol it reads as two words).
    while (tokenIndex + 1 < tokens.length && (tokens[tokenIndex + 1]?.start ?? Infinity) <= position) tokenIndex++;
    const token = tokens[tokenIndex];
    if (!token || position < token.start - 1) continue;
    if (slots.at(-1)?.tokenIndex === tokenIndex) continue;
    slots.push({ tokenIndex, start: toSample(event.audioMs) });
  }

  const boundaries = o.events
    .filter((event) => event.type === "end" || event.type === "sentence")
    .map((event) => toSample(event.audioMs));
  return wordTimingsFromSlots({ tokens, slots, boundaries, samples: o.samples, sampleRate: o.sampleRate });
}

/**
 * Per-word timings from when words start: `slots` (in order, one per spoken token that the engine
 * reported, sample where it starts) and `boundaries` (samples where a sentence or clause ends; a
 * word's slot never runs past one). Each slot is trimmed to the frames that carry sound. Shared by
 * every engine: espeak-ng's WORD events and Polly's word speech marks both become slots.
 */
export function wordTimingsFromSlots(o: {
  tokens: readonly Token[];
  slots: readonly { tokenIndex: number; start: number }[];
  boundaries: readonly number[];
  samples: Int16Array;
  sampleRate: number;
}): WordTiming[] {
  const { tokens, slots, boundaries } = o;
  const totalSamples = o.samples.length;

  // espeak sometimes speaks a short word without a WORD event of its own ("was the green": no
  // event for "the"). Such words share the slot of the word before them, split by their lengths,
  // so a caption never drops a word that was said.
  const spans: { token: Token; start: number; end: number }[] = [];
  for (const [i, slot] of slots.entries()) {
    const nextSlot = slots[i + 1];
    const nextWord = nextSlot?.start ?? totalSamples;
    const nextBoundary = boundaries.find((b) => b > slot.start) ?? totalSamples;
    const slotEnd = Math.max(slot.start, Math.min(nextWord, nextBoundary));
    const sharing = tokens
      .slice(slot.tokenIndex, nextSlot?.tokenIndex ?? tokens.length)
      .filter((token, index) => index === 0 || SPOKEN.test(token.text));
    const weights = sharing.map((token) => Math.max(1, Array.from(token.text.replace(/[^\p{L}\p{N}]/gu, "")).length));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let at = slot.start;
    for (const [j, token] of sharing.entries()) {
      const end =
        j === sharing.length - 1 ? slotEnd : at + Math.round(((slotEnd - slot.start) * (weights[j] ?? 1)) / total);
      spans.push({ token, start: at, end });
      at = end;
    }
  }

  const threshold = silenceThreshold(o.samples);
  const frame = Math.max(1, Math.round(FRAME_SECONDS * o.sampleRate));

  const words: WordTiming[] = [];
  for (const span of spans) {
    const sound = soundSpan({ samples: o.samples, from: span.start, to: span.end, frame, threshold });
    const start = sound?.start ?? span.start;
    const end = sound?.end ?? span.end;
    words.push({
      text: span.token.text,
      start: roundMs(start / o.sampleRate),
      end: roundMs(Math.max(end, Math.min(span.end, start + frame)) / o.sampleRate),
    });
  }
  return words;
}

/** Frames whose peak is below 2 % of the clip's peak (about −34 dB) count as silence. */
function silenceThreshold(samples: Int16Array): number {
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
  return Math.max(64, peak * 0.02);
}

/** First and last sample of the frames in [from, to) that carry sound, or undefined if all are silent. */
function soundSpan(o: {
  samples: Int16Array;
  from: number;
  to: number;
  frame: number;
  threshold: number;
}): { start: number; end: number } | undefined {
  const loud = (at: number) => {
    const end = Math.min(o.to, at + o.frame);
    for (let i = at; i < end; i++) if (Math.abs(o.samples[i] ?? 0) > o.threshold) return true;
    return false;
  };
  let start = -1;
  for (let at = o.from; at < o.to; at += o.frame) {
    if (loud(at)) {
      start = at;
      break;
    }
  }
  if (start < 0) return undefined;
  let end = o.to;
  for (let at = o.to - o.frame; at >= start; at -= o.frame) {
    if (loud(Math.max(start, at))) {
      end = Math.min(o.to, at + o.frame);
      break;
    }
  }
  return { start, end };
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
