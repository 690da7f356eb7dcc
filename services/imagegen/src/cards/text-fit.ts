import { escapePangoMarkup } from "./escape.ts";
import { renderText, type TextLayer } from "./sharp.engine.ts";

export interface TextStyle {
  /** Fontconfig family; fallback covers emoji, CJK, Hebrew, Arabic and more. */
  family: string;
  weight: "regular" | "bold";
  /** #rrggbb */
  color: string;
  /** Extra space between lines as a fraction of the font size. */
  lineGap: number;
  align: "left" | "centre";
}

export interface FitTextOptions {
  /** Raw user text: escaped here. */
  text: string;
  style: TextStyle;
  /** Font sizes to try in pixels, largest first; the first one at which the whole text fits wins. */
  sizes: readonly number[];
  width: number;
  maxHeight: number;
}

export interface FittedText {
  layer: TextLayer;
  size: number;
  /** The text actually drawn (ends in "…" when truncated). */
  text: string;
  truncated: boolean;
  /** True when the text's first strong character is right-to-left, so callers can align it right. */
  rtl: boolean;
}

export const ELLIPSIS = "…";

/** Characters beyond which a word that does not fit is cut inside rather than dropped. */
const LONG_WORD = 16;

/**
 * Lays out text to fit a box: the largest size of the ladder at which all of it fits, or else the
 * smallest size with the text cut at a word boundary (found by binary search on the number of
 * words, measuring each candidate) and an ellipsis added; a word too long to keep whole is cut
 * between characters. Sizes never go below the ladder's last step, so text stays readable on a phone.
 */
export async function fitText({ text, style, sizes, width, maxHeight }: FitTextOptions): Promise<FittedText> {
  const clean = normaliseText(text);
  const rtl = isRightToLeft(clean);
  const draw = (candidate: string, size: number) => renderText(textOptions({ text: candidate, style, size, width }));
  const ladder = sizes.length > 0 ? sizes : [32];

  for (const size of ladder) {
    if (clean.length > maxCharacters({ size, width, maxHeight })) continue;
    const layer = await draw(clean, size);
    if (layer.height <= maxHeight) return { layer, size, text: clean, truncated: false, rtl };
  }

  const size = ladder[ladder.length - 1] ?? 32;
  const fitsWith = async (candidate: string): Promise<TextLayer | undefined> => {
    const layer = await draw(candidate, size);
    return layer.height <= maxHeight ? layer : undefined;
  };
  const limit = maxCharacters({ size, width, maxHeight });
  const words = wordCuts(clean).filter((cut) => cut <= limit);
  const byWord = await longestFittingPrefix(clean, words, fitsWith);
  // A word longer than a line or so (a URL, a user name, a run of letters) is cut inside, between
  // characters, rather than dropped whole: search the characters up to the end of that word.
  const kept = byWord ? byWord.text.length - ELLIPSIS.length : 0;
  const nextWordEnd = words.find((cut) => cut > kept) ?? Math.min(clean.length, limit);
  if (!byWord || nextWordEnd - kept > LONG_WORD) {
    const characters = graphemeCuts(clean).filter((cut) => cut > kept && cut <= nextWordEnd);
    const byCharacter = await longestFittingPrefix(clean, characters, fitsWith);
    if (byCharacter) return { layer: byCharacter.layer, size, text: byCharacter.text, truncated: true, rtl };
  }
  if (byWord) return { layer: byWord.layer, size, text: byWord.text, truncated: true, rtl };
  const layer = await draw(ELLIPSIS, size);
  return { layer, size, text: ELLIPSIS, truncated: true, rtl };
}

/**
 * A generous upper bound on how many characters can fit in a box, so over-long texts are not laid
 * out whole at every step: no glyph is narrower than a fifth of an em, no line shorter than an em.
 */
function maxCharacters({ size, width, maxHeight }: { size: number; width: number; maxHeight: number }): number {
  const perLine = Math.ceil(width / (size * 0.2));
  const lines = Math.max(1, Math.ceil(maxHeight / size));
  return perLine * lines;
}

/** The font description and markup sharp needs for a text at a size. */
export function textOptions({
  text,
  style,
  size,
  width,
}: {
  text: string;
  style: TextStyle;
  size: number;
  width: number;
}) {
  const weight = style.weight === "bold" ? " Bold" : "";
  return {
    markup: `<span foreground="${style.color}">${escapePangoMarkup(text)}</span>`,
    font: `${style.family}${weight} ${size}`,
    width,
    align: style.align,
    lineSpacing: size * style.lineGap,
  } as const;
}

async function longestFittingPrefix(
  text: string,
  cuts: readonly number[],
  fitsWith: (candidate: string) => Promise<TextLayer | undefined>,
): Promise<{ text: string; layer: TextLayer } | undefined> {
  let low = 0;
  let high = cuts.length - 1;
  let best: { text: string; layer: TextLayer } | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = withEllipsis(text.slice(0, cuts[middle]));
    const layer = candidate === ELLIPSIS ? undefined : await fitsWith(candidate);
    if (layer) {
      best = { text: candidate, layer };
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

/** Trims what dangles at a cut (spaces, commas, an open bracket) before adding the ellipsis. */
function withEllipsis(prefix: string): string {
  return `${prefix.replace(/[\s,;:([{\-–—]+$/u, "")}${ELLIPSIS}`;
}

const wordSegmenter = new Intl.Segmenter(undefined, { granularity: "word" });
const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Offsets just after each word (ICU segmentation, so CJK text without spaces has words too). */
function wordCuts(text: string): number[] {
  const cuts: number[] = [];
  for (const segment of wordSegmenter.segment(text)) {
    if (segment.isWordLike) cuts.push(segment.index + segment.segment.length);
  }
  return cuts;
}

/** Offsets after each grapheme cluster, so an emoji or an accented letter is never split. */
function graphemeCuts(text: string): number[] {
  const cuts: number[] = [];
  for (const segment of graphemeSegmenter.segment(text)) cuts.push(segment.index + segment.segment.length);
  return cuts;
}

/** Unifies line breaks, trims, and keeps at most one blank line between paragraphs. */
export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Collapses a text to one line (titles, names). */
export function singleLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const STRONG_RTL = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;

/** Whether the first strong (letter) character is right-to-left, as Pango decides a paragraph's direction. */
export function isRightToLeft(text: string): boolean {
  const firstLetter = text.match(/\p{L}/u)?.[0];
  return firstLetter !== undefined && STRONG_RTL.test(firstLetter);
}
