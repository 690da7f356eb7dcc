import { describe, expect, it } from "vitest";
import type { EspeakEvent } from "./espeak.native.ts";
import { tokenize, wordTimingsFromEvents } from "./word-timings.ts";

const RATE = 1000; // one sample per millisecond keeps the arithmetic readable

/** Silence with full-scale bursts over the given [startMs, endMs) spans. */
function samplesWithSound(totalMs: number, spans: [number, number][]): Int16Array {
  const samples = new Int16Array(totalMs);
  for (const [start, end] of spans) for (let i = start; i < end; i++) samples[i] = i % 2 === 0 ? 12_000 : -12_000;
  return samples;
}

const word = (textPosition: number, length: number, audioMs: number): EspeakEvent => ({
  type: "word",
  textPosition,
  length,
  audioMs,
});
const end = (textPosition: number, audioMs: number): EspeakEvent => ({ type: "end", textPosition, length: 0, audioMs });

describe("tokenize", () => {
  it("splits on whitespace and counts code points, not UTF-16 units", () => {
    expect(tokenize("  a😀b  c\td\n")).toEqual([
      { text: "a😀b", start: 2, end: 5 },
      { text: "c", start: 7, end: 8 },
      { text: "d", start: 9, end: 10 },
    ]);
  });
});

describe("wordTimingsFromEvents", () => {
  it("trims each word's slot to its sound: the pause after a full stop belongs to no word", () => {
    // "One. Two." — espeak puts the sentence pause at the end of the first word's slot.
    const text = "One. Two.";
    const samples = samplesWithSound(1000, [
      [20, 300],
      [600, 900],
    ]);
    const events = [word(1, 3, 0), end(5, 580), word(6, 3, 580), end(10, 1000)];
    expect(wordTimingsFromEvents({ text, events, samples, sampleRate: RATE })).toEqual([
      { text: "One.", start: 0.02, end: 0.3 },
      { text: "Two.", start: 0.6, end: 0.9 },
    ]);
  });

  it("keeps a word espeak spoke without a WORD event of its own, sharing the slot before it by length", () => {
    // "was the green": espeak-ng 1.51 reports no event for "the" (seen with en-us at 175 wpm).
    const text = "was the green";
    const samples = samplesWithSound(1000, [[0, 1000]]);
    const events = [word(1, 3, 0), word(9, 5, 600), end(14, 1000)];
    const words = wordTimingsFromEvents({ text, events, samples, sampleRate: RATE });
    expect(words.map((w) => w.text)).toEqual(["was", "the", "green"]);
    // "was" and "the" split [0, 600) by their three letters each.
    expect(words[0]).toEqual({ text: "was", start: 0, end: 0.3 });
    expect(words[1]).toEqual({ text: "the", start: 0.3, end: 0.6 });
    expect(words[2]).toEqual({ text: "green", start: 0.6, end: 1 });
  });

  it("does not make a caption word of an unspoken symbol between two words", () => {
    const text = "cats — dogs";
    const samples = samplesWithSound(1000, [[0, 1000]]);
    const events = [word(1, 4, 0), word(8, 4, 500), end(12, 1000)];
    expect(wordTimingsFromEvents({ text, events, samples, sampleRate: RATE }).map((w) => w.text)).toEqual([
      "cats",
      "dogs",
    ]);
  });

  it("gives one timing to a token espeak reads as several words, and skips a position on a space", () => {
    // "123 go": espeak says "one hundred and twenty three", reporting three WORD events inside "123",
    // plus one on the following space (as it does after an emoji).
    const text = "123 go";
    const samples = samplesWithSound(1000, [
      [0, 700],
      [750, 1000],
    ]);
    const events = [word(1, 3, 0), word(2, 3, 300), word(2, 3, 500), word(4, 1, 650), word(5, 2, 720)];
    expect(wordTimingsFromEvents({ text, events, samples, sampleRate: RATE })).toEqual([
      { text: "123", start: 0, end: 0.7 },
      { text: "go", start: 0.75, end: 1 },
    ]);
  });

  it("keeps a word with no audible frames at its raw slot, and stays within the audio", () => {
    const text = "a b";
    const samples = samplesWithSound(500, [[300, 450]]);
    const events = [word(1, 1, 0), word(3, 1, 250)];
    const words = wordTimingsFromEvents({ text, events, samples, sampleRate: RATE });
    expect(words).toEqual([
      { text: "a", start: 0, end: 0.25 },
      { text: "b", start: 0.3, end: 0.45 },
    ]);
  });

  it("returns no words when espeak reports none", () => {
    const samples = samplesWithSound(100, [[0, 100]]);
    expect(wordTimingsFromEvents({ text: "—", events: [], samples, sampleRate: RATE })).toEqual([]);
  });
});
