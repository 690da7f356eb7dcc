import type { WordTiming } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import {
  buildAssDocument,
  buildCaptionEvents,
  captionStyle,
  escapeAssText,
  formatAssTime,
  groupCaptionPhrases,
  WORD_MODE_LIMITS,
} from "./captions.ts";

const WJ = "\u2060";

/** Words 0.4 s apart, each 0.3 s long. */
function timed(text: string, start = 0): WordTiming[] {
  return text
    .split(" ")
    .map((word, index) => ({ text: word, start: start + index * 0.4, end: start + index * 0.4 + 0.3 }));
}

describe("escapeAssText", () => {
  it("turns override blocks into literal braces", () => {
    expect(escapeAssText("{\\an8}")).toBe(`\\{\\${WJ}an8\\}`);
  });

  it("keeps a backslash from forming \\N, \\n or \\h", () => {
    expect(escapeAssText("a\\Nb \\n \\h")).toBe(`a\\${WJ}Nb \\${WJ}n \\${WJ}h`);
    expect(escapeAssText("\\")).toBe(`\\${WJ}`);
  });

  it("turns newlines and other control characters into spaces", () => {
    expect(escapeAssText("one\ntwo\r\nthree\tfour\u2028five")).toBe("one two three four five");
  });

  it("leaves characters that only matter to FFmpeg or shells as they are", () => {
    expect(escapeAssText('it\'s 100%; a:b, [c] "d" $e')).toBe('it\'s 100%; a:b, [c] "d" $e');
  });

  it("never leaves an unescaped brace, whatever the input", () => {
    const hostile = "}{\\{\\}{{\\\\}}x{\\c&H0000FF&}";
    const escaped = escapeAssText(hostile);
    // Every brace is preceded by a backslash that is itself not escaped (no backslash before it).
    expect(escaped.replace(/\\[{}]/g, "")).not.toMatch(/[{}]/);
  });
});

describe("groupCaptionPhrases", () => {
  it("groups at most five words and 28 characters", () => {
    const phrases = groupCaptionPhrases(timed("one two three four five six seven"), WORD_MODE_LIMITS);
    expect(phrases.map((phrase) => phrase.words.map((word) => word.text).join(" "))).toEqual([
      "one two three four five",
      "six seven",
    ]);
    const long = groupCaptionPhrases(timed("extraordinarily complicated circumstances happen"), WORD_MODE_LIMITS);
    for (const phrase of long) expect(phrase.words.map((word) => word.text).join(" ").length).toBeLessThanOrEqual(28);
    expect(long.length).toBeGreaterThan(1);
  });

  it("breaks after a sentence ends and at a pause", () => {
    const words = [...timed("Hi there. New"), ...timed("later", 5)];
    const phrases = groupCaptionPhrases(words, WORD_MODE_LIMITS);
    expect(phrases.map((phrase) => phrase.words.map((word) => word.text).join(" "))).toEqual([
      "Hi there.",
      "New",
      "later",
    ]);
  });

  it("shows each phrase until the next starts, or briefly after its last word", () => {
    const phrases = groupCaptionPhrases(timed("a b c d e f"), WORD_MODE_LIMITS);
    expect(phrases[0]?.start).toBe(0);
    expect(phrases[0]?.end).toBeCloseTo(2.0); // the next phrase ("f") starts at 2.0
    expect(phrases[1]?.end).toBeCloseTo(2.3 + 0.4);
  });

  it("drops empty words and sorts by time", () => {
    const phrases = groupCaptionPhrases(
      [
        { text: "second", start: 1, end: 1.2 },
        { text: "  ", start: 0.5, end: 0.6 },
        { text: "first", start: 0, end: 0.3 },
      ],
      WORD_MODE_LIMITS,
    );
    expect(phrases.flatMap((phrase) => phrase.words.map((word) => word.text))).toEqual(["first", "second"]);
  });
});

describe("buildCaptionEvents", () => {
  it("word mode highlights the spoken word from its start to the next word's start", () => {
    const events = buildCaptionEvents(timed("one two three"), "word");
    expect(events).toEqual([
      { start: 0, end: 0.4, text: "{\\1c&H00D4FF&}one{\\r} two three" },
      { start: 0.4, end: 0.8, text: "one {\\1c&H00D4FF&}two{\\r} three" },
      { start: 0.8, end: expect.closeTo(1.5), text: "one two {\\1c&H00D4FF&}three{\\r}" },
    ]);
  });

  it("sentence mode shows the phrase without highlight", () => {
    const events = buildCaptionEvents(timed("one two three"), "sentence");
    expect(events).toEqual([{ start: 0, end: expect.closeTo(1.5), text: "one two three" }]);
  });

  it("none shows nothing", () => {
    expect(buildCaptionEvents(timed("one two"), "none")).toEqual([]);
  });

  it("escapes hostile words inside the highlight", () => {
    const events = buildCaptionEvents([{ text: "{\\an8}", start: 0, end: 0.5 }], "word");
    expect(events[0]?.text).toBe(`{\\1c&H00D4FF&}\\{\\${WJ}an8\\}{\\r}`);
  });
});

describe("formatAssTime", () => {
  it("prints H:MM:SS.cc", () => {
    expect(formatAssTime(0)).toBe("0:00:00.00");
    expect(formatAssTime(61.234)).toBe("0:01:01.23");
    expect(formatAssTime(3600 + 59.999)).toBe("1:01:00.00");
  });
});

describe("buildAssDocument", () => {
  it("sizes the canvas and keeps captions in the free lower band", () => {
    const portrait = captionStyle({ width: 1080, height: 1920 });
    // Bottom margin plus two lines stays inside the lower 22 % that cards leave free.
    expect(portrait.marginV + 2.4 * portrait.fontSize).toBeLessThanOrEqual(0.22 * 1920);
    const landscape = captionStyle({ width: 1920, height: 1080 });
    expect(landscape.marginV + 1.2 * landscape.fontSize).toBeLessThanOrEqual(0.18 * 1080);

    const ass = buildAssDocument({ words: timed("hello world"), mode: "word", layout: { width: 1080, height: 1920 } });
    expect(ass).toContain("PlayResX: 1080\nPlayResY: 1920");
    expect(ass).toContain(`Style: Caption,DejaVu Sans,${portrait.fontSize},`);
    expect(ass.match(/^Dialogue:/gm)).toHaveLength(2);
    expect(ass).toContain("Dialogue: 0,0:00:00.00,0:00:00.40,Caption,,0,0,0,,{\\1c&H00D4FF&}hello{\\r} world");
  });
});
