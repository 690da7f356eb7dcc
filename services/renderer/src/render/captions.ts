import type { WordTiming } from "@video-service/contracts";

/** Word joiner (U+2060): invisible, breaks `\` away from the character after it. */
const WORD_JOINER = "\u2060";

/**
 * Makes text show literally in an ASS event. libass treats `{…}` as override tags and `\N`, `\n`,
 * `\h`, `\{`, `\}` as escapes; every other backslash is drawn as is. So: line breaks and other
 * control characters become spaces, a backslash gets an invisible word joiner after it (so it can
 * never start an escape), and braces become libass's `\{` / `\}` escapes, which draw `{` / `}`.
 */
export function escapeAssText(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
      .replace(/\\/g, `\\${WORD_JOINER}`)
      .replace(/[{}]/g, (brace) => `\\${brace}`)
  );
}

export interface CaptionPhrase {
  words: WordTiming[];
  /** Seconds in video time: first word's start. */
  start: number;
  /** Seconds: when the phrase leaves the screen (next phrase's start or a short hold after the last word). */
  end: number;
}

export interface PhraseLimits {
  maxWords: number;
  maxChars: number;
}

/** Word mode: a few words at a time, so the eye can follow the voice. */
export const WORD_MODE_LIMITS: PhraseLimits = { maxWords: 5, maxChars: 28 };
/** Sentence mode: up to two short lines. */
export const SENTENCE_MODE_LIMITS: PhraseLimits = { maxWords: 9, maxChars: 48 };
/** A pause longer than this starts a new phrase. */
const PAUSE_SECONDS = 0.7;
/** How long a phrase stays after its last word when nothing follows at once. */
const HOLD_SECONDS = 0.4;

const SENTENCE_END = /[.!?…]["')\]]*$/;

function cleanWord(word: WordTiming): WordTiming | undefined {
  const text = word.text.replace(/\s+/g, " ").trim();
  if (text === "" || word.end < word.start) return undefined;
  return { text, start: word.start, end: word.end };
}

/**
 * Groups timed words into phrases: at most `maxWords` words and `maxChars` characters, breaking
 * after a sentence ends and at pauses. Each phrase is shown until the next one starts (or a short
 * hold after its last word).
 */
export function groupCaptionPhrases(words: readonly WordTiming[], limits: PhraseLimits): CaptionPhrase[] {
  const cleaned = words
    .map(cleanWord)
    .filter((word): word is WordTiming => word !== undefined)
    .sort((a, b) => a.start - b.start);
  const groups: WordTiming[][] = [];
  let current: WordTiming[] = [];
  let chars = 0;
  for (const word of cleaned) {
    const previous = current.at(-1);
    const wouldBe = chars + (current.length > 0 ? 1 : 0) + word.text.length;
    const breakHere =
      previous !== undefined &&
      (current.length >= limits.maxWords ||
        wouldBe > limits.maxChars ||
        SENTENCE_END.test(previous.text) ||
        word.start - previous.end > PAUSE_SECONDS);
    if (breakHere) {
      groups.push(current);
      current = [];
      chars = 0;
    }
    chars += (current.length > 0 ? 1 : 0) + word.text.length;
    current.push(word);
  }
  if (current.length > 0) groups.push(current);

  return groups.map((group, index) => {
    const first = group[0] as WordTiming;
    const last = group.at(-1) as WordTiming;
    const next = groups[index + 1]?.[0];
    const hold = Math.max(last.end, first.start) + HOLD_SECONDS;
    const end = next === undefined ? hold : Math.min(hold, next.start);
    return { words: group, start: first.start, end: Math.max(end, last.end) };
  });
}

export interface CaptionLayout {
  width: number;
  height: number;
}

export interface CaptionEvent {
  start: number;
  end: number;
  /** ASS event text, already escaped. */
  text: string;
}

/** Highlight colour of the spoken word (ASS colours are &HBBGGRR&): a warm yellow, #FFD400. */
const HIGHLIGHT = "&H00D4FF&";

/**
 * Caption events. "word": the current phrase with the spoken word highlighted, one event per word
 * (from its start to the next word's start, the last one until the phrase ends). "sentence": one
 * event per phrase, no highlight. "none": nothing.
 */
export function buildCaptionEvents(words: readonly WordTiming[], mode: "word" | "sentence" | "none"): CaptionEvent[] {
  if (mode === "none") return [];
  if (mode === "sentence") {
    return groupCaptionPhrases(words, SENTENCE_MODE_LIMITS).map((phrase) => ({
      start: phrase.start,
      end: phrase.end,
      text: phrase.words.map((word) => escapeAssText(word.text)).join(" "),
    }));
  }
  const events: CaptionEvent[] = [];
  for (const phrase of groupCaptionPhrases(words, WORD_MODE_LIMITS)) {
    phrase.words.forEach((spoken, index) => {
      const next = phrase.words[index + 1];
      const text = phrase.words
        .map((word, i) =>
          i === index ? `{\\1c${HIGHLIGHT}}${escapeAssText(word.text)}{\\r}` : escapeAssText(word.text),
        )
        .join(" ");
      events.push({ start: spoken.start, end: next === undefined ? phrase.end : next.start, text });
    });
  }
  return events;
}

/** ASS time: H:MM:SS.cc (centiseconds). */
export function formatAssTime(seconds: number): string {
  const centis = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(centis / 360_000);
  const m = Math.floor((centis % 360_000) / 6000);
  const s = Math.floor((centis % 6000) / 100);
  const cs = centis % 100;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(cs).padStart(2, "0")}`;
}

/**
 * Caption style from the canvas: large bold sans with a thick outline, bottom-centred inside the band
 * the cards leave free (the lower ~22 % in 9:16, ~18 % in 16:9), clear of the very edge where the
 * players draw their controls.
 */
export function captionStyle({ width, height }: CaptionLayout) {
  const portrait = height > width;
  const fontSize = Math.round(Math.min(width, height) * (portrait ? 0.067 : 0.065));
  return {
    fontName: "DejaVu Sans",
    fontSize,
    outline: Math.max(1, Math.round(fontSize * 0.08)),
    shadow: Math.max(1, Math.round(fontSize * 0.03)),
    marginV: Math.round(height * (portrait ? 0.09 : 0.06)),
    marginH: Math.round(width * 0.06),
  };
}

/** A complete ASS document for libass (the `ass` filter), in the canvas's own pixel coordinates. */
export function buildAssDocument(options: {
  words: readonly WordTiming[];
  mode: "word" | "sentence" | "none";
  layout: CaptionLayout;
}): string {
  const style = captionStyle(options.layout);
  const events = buildCaptionEvents(options.words, options.mode).filter(
    (event) => Math.round(event.end * 100) > Math.round(event.start * 100),
  );
  return [
    "[Script Info]",
    "ScriptType: v4.00+",
    `PlayResX: ${options.layout.width}`,
    `PlayResY: ${options.layout.height}`,
    "WrapStyle: 0",
    "ScaledBorderAndShadow: yes",
    "YCbCr Matrix: TV.709",
    "",
    "[V4+ Styles]",
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
    `Style: Caption,${style.fontName},${style.fontSize},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,-1,0,0,0,100,100,0,0,1,${style.outline},${style.shadow},2,${style.marginH},${style.marginH},${style.marginV},1`,
    "",
    "[Events]",
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ...events.map(
      (event) => `Dialogue: 0,${formatAssTime(event.start)},${formatAssTime(event.end)},Caption,,0,0,0,,${event.text}`,
    ),
    "",
  ].join("\n");
}
