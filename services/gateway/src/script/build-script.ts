import { type CardSpec, FORMATS, type Format } from "@video-service/contracts";
import { type SpokenText, speakInVoices, type VoiceChoice } from "./language-runs.ts";
import { decodeHtmlEntities, sentenceSpans, toCardText, toSpeakableText } from "./markdown-text.ts";
import type { Script, ScriptSegment, Story, StoryComment } from "./script.types.ts";
import { DEFAULT_TRANSITION_SECONDS, narratedVideoSeconds } from "./timeline.ts";

/**
 * How much text one card holds. A body page is 8–15 s of speech, split at sentence boundaries, and
 * at most `pageChars` characters so it stays legible on the canvas (the vertical short canvas is
 * narrower). A comment is one card, so a longer one is left out rather than cut mid-thought.
 */
export const CARD_LIMITS: Readonly<
  Record<Format, { pageChars: number; pageSeconds: number; commentChars: number; commentSeconds: number }>
> = {
  short: { pageChars: 350, pageSeconds: 15, commentChars: 450, commentSeconds: 25 },
  standard: { pageChars: 600, pageSeconds: 15, commentChars: 800, commentSeconds: 45 },
  long: { pageChars: 600, pageSeconds: 15, commentChars: 800, commentSeconds: 45 },
};

/** A page shorter than this is not started on a new paragraph: tiny pages flash by. */
const MIN_PAGE_SECONDS = 8;
/**
 * Calibrated on espeak-ng (en-us, 120–300 wpm): it speaks about 10 % faster than its nominal rate
 * but pauses about a quarter second at each sentence end, which matters for short punchy texts.
 * Estimates stay slightly high for long texts, so refitToDurations rarely has to drop anything.
 */
const EFFECTIVE_RATE_FACTOR = 1.1;
const PAUSE_PER_SENTENCE_SECONDS = 0.25;
/** Said when a title has nothing speakable in it (only emoji, say). */
const UNTITLED = "Untitled post.";
const TITLE_MAX_CHARS = 400;
const CARD_FIELD_MAX_CHARS = 64;

/** Seconds to say `speech` at `wordsPerMinute`: words plus a short pause per sentence. */
export function estimateSpeechSeconds(speech: string, wordsPerMinute: number): number {
  const words = countWords(speech);
  if (words === 0) return 0;
  const sentences = (speech.match(/[.!?…]+(?=\s|$)/g) ?? []).length;
  return (words * 60) / (wordsPerMinute * EFFECTIVE_RATE_FACTOR) + sentences * PAUSE_PER_SENTENCE_SECONDS;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/**
 * The story as narrated segments that fit the format: the title always; then the body in pages
 * while they fit (the page that does not is cut at a sentence boundary, `truncated`); then the
 * comments in the given order, each one that fits (the rest count as `droppedComments`). The
 * budget is the format's longest target length (FORMATS[format].targetSeconds.max, always below
 * its hard cap), measured as the video's length: narration estimated from words at
 * `wordsPerMinute`, plus the timeline's padding per segment. refitToDurations corrects the fit
 * once the real narration durations are known.
 */
export function buildScript(o: {
  story: Story;
  format: Format;
  wordsPerMinute: number;
  /** The job's voice and the engine's other voices (runs of other scripts); default espeak-ng en-us alone. */
  voices?: ScriptVoices;
}): Script {
  const { story, format, wordsPerMinute } = o;
  const voices = o.voices ?? DEFAULT_VOICES;
  const speak = (markdown: string): SpokenText =>
    speakInVoices(toSpeakableText(markdown), { main: voices.main, voices: voices.available });
  const budget = FORMATS[format].targetSeconds.max;
  const limits = CARD_LIMITS[format];
  const estimate = (speech: string) => estimateSpeechSeconds(speech, wordsPerMinute);
  const videoSeconds = (segments: readonly ScriptSegment[]) =>
    narratedVideoSeconds(segments.map((s) => s.estimatedSeconds));
  const fits = (segments: readonly ScriptSegment[]) => videoSeconds(segments) <= budget;

  const ctx = { estimate, speak };
  const title = titleSegment(story, ctx);
  const segments: ScriptSegment[] = [title];

  let truncated = false;
  const bodyText = story.body ? toCardText(story.body) : "";
  const pages = bodyText ? paginate(bodyText, { ...limits, wordsPerMinute }) : [];
  const bodySegments: ScriptSegment[] = [];
  for (const page of pages) {
    const segment = bodySegment(page.text, bodySegments.length + 1, ctx);
    if (!segment) continue;
    if (fits([...segments, ...bodySegments, segment])) {
      bodySegments.push(segment);
      continue;
    }
    // The longest run of the page's sentences that still fits, then the body stops.
    truncated = true;
    for (let count = page.units.length - 1; count > 0; count--) {
      const shorter = bodySegment(page.text.slice(0, page.units[count - 1]?.end ?? 0), bodySegments.length + 1, ctx);
      if (shorter && fits([...segments, ...bodySegments, shorter])) {
        bodySegments.push(shorter);
        break;
      }
    }
    break;
  }
  segments.push(...numberPages(bodySegments));

  let commentsUsed = 0;
  for (const [index, comment] of story.comments.entries()) {
    const segment = commentSegment(comment, index + 1, { limits, ...ctx });
    if (segment && fits([...segments, segment])) {
      segments.push(segment);
      commentsUsed++;
    }
  }

  return {
    segments,
    estimatedSeconds: videoSeconds(segments),
    droppedComments: story.comments.length - commentsUsed,
    truncated,
  };
}

/**
 * Drops segments from the end (comments first, then body pages; never the title) until the
 * measured narration durations, with the timeline's padding, fit the format's longest target
 * length. Segments keep their ids; page numbers on the remaining text cards are renumbered and each
 * segment's estimatedSeconds becomes its measured duration. A segment without a measurement keeps
 * its estimate.
 */
export function refitToDurations(script: Script, durations: Record<string, number>, format: Format): Script {
  const budget = FORMATS[format].targetSeconds.max;
  const segments = script.segments.map((segment) => ({
    ...segment,
    estimatedSeconds: durations[segment.id] ?? segment.estimatedSeconds,
  }));
  const total = () =>
    narratedVideoSeconds(
      segments.map((s) => s.estimatedSeconds),
      DEFAULT_TRANSITION_SECONDS,
    );
  let droppedComments = script.droppedComments;
  let truncated = script.truncated;
  while (segments.length > 1 && total() > budget) {
    const dropped = segments.pop();
    if (dropped?.kind === "comment") droppedComments++;
    if (dropped?.kind === "body") truncated = true;
  }
  const pages = numberPages(segments.filter((s) => s.kind === "body"));
  let page = 0;
  const renumbered = segments.map((s) => (s.kind === "body" ? (pages[page++] ?? s) : s));
  return { segments: renumbered, estimatedSeconds: total(), droppedComments, truncated };
}

interface SegmentContext {
  estimate: (speech: string) => number;
  speak: (markdown: string) => SpokenText;
}

/** The job's voice, and the other voices of its engine that may speak runs of other scripts. */
export interface ScriptVoices {
  main: VoiceChoice;
  available: readonly VoiceChoice[];
}

const DEFAULT_VOICES: ScriptVoices = {
  main: { engine: "espeak", id: "en-us", language: "en-us", gender: null },
  available: [],
};

/** Speech and, when other voices speak runs of it, its parts. */
function spoken(said: SpokenText): Pick<ScriptSegment, "speech" | "speechParts"> {
  return said.parts ? { speech: said.speech, speechParts: said.parts } : { speech: said.speech };
}

function titleSegment(story: Story, { estimate, speak }: SegmentContext): ScriptSegment {
  const title =
    truncateText(decodeHtmlEntities(story.title).replace(/\s+/g, " ").trim(), TITLE_MAX_CHARS) || "Untitled";
  const said = speak(title);
  const speech = said.speech || UNTITLED;
  const card: CardSpec = {
    kind: "title",
    title,
    ...optionalText("subreddit", story.subreddit),
    ...optionalText("author", story.author),
    ...(Number.isInteger(story.score) ? { score: story.score } : {}),
    ...(Number.isInteger(story.commentCount) && (story.commentCount ?? -1) >= 0
      ? { comments: story.commentCount }
      : {}),
  };
  return {
    id: "title",
    kind: "title",
    ...(said.speech ? spoken(said) : { speech }),
    card,
    estimatedSeconds: estimate(speech),
  };
}

function bodySegment(cardText: string, index: number, { estimate, speak }: SegmentContext): ScriptSegment | undefined {
  const body = cardText.trim();
  const said = speak(body);
  const speech = said.speech;
  if (!body || !speech) return undefined;
  return {
    id: `body-${index}`,
    kind: "body",
    ...spoken(said),
    card: { kind: "text", body },
    estimatedSeconds: estimate(speech),
  };
}

/** Page numbers once the pages are known: "2 / 3" on the card when there is more than one. */
function numberPages(pages: ScriptSegment[]): ScriptSegment[] {
  return pages.map((segment, i) => {
    if (segment.card.kind !== "text") return segment;
    const { page: _previous, ...card } = segment.card;
    return {
      ...segment,
      card: pages.length > 1 ? { ...card, page: { index: i + 1, total: pages.length } } : card,
    };
  });
}

const UNUSABLE_COMMENTS = new Set(["[deleted]", "[removed]"]);

function commentSegment(
  comment: StoryComment,
  index: number,
  o: { limits: (typeof CARD_LIMITS)[Format] } & SegmentContext,
): ScriptSegment | undefined {
  const body = toCardText(comment.body);
  if (!body || UNUSABLE_COMMENTS.has(body) || body.length > o.limits.commentChars) return undefined;
  const said = o.speak(comment.body);
  const speech = said.speech;
  const seconds = o.estimate(speech);
  if (!speech || seconds > o.limits.commentSeconds) return undefined;
  const card: CardSpec = {
    kind: "comment",
    body,
    ...optionalText("author", comment.author),
    ...(Number.isInteger(comment.score) ? { score: comment.score } : {}),
  };
  return { id: `comment-${index}`, kind: "comment", ...spoken(said), card, estimatedSeconds: seconds };
}

function optionalText<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  const text = value?.trim();
  return text ? ({ [key]: truncateText(text, CARD_FIELD_MAX_CHARS) } as { [P in K]?: string }) : {};
}

function truncateText(text: string, maxChars: number): string {
  const codePoints = Array.from(text);
  if (codePoints.length <= maxChars) return text;
  return `${codePoints.slice(0, maxChars - 1).join("")}…`;
}

interface Page {
  /** The page's card text: a contiguous slice of the body's card text, trimmed. */
  text: string;
  /** Sentence (or sentence-chunk) ranges within `text`, for cutting the page at a boundary. */
  units: { start: number; end: number }[];
}

/**
 * Splits card text into pages at sentence boundaries (a sentence too long for one page is split at
 * word boundaries). Pages fill up to both limits; a new paragraph starts a new page once the current
 * one is long enough; then the page length is evened out so the last page is not a stub.
 */
export function paginate(text: string, o: { pageChars: number; pageSeconds: number; wordsPerMinute: number }): Page[] {
  const maxWords = Math.max(1, Math.floor((o.pageSeconds * o.wordsPerMinute) / 60));
  const units = sentenceSpans(text).flatMap((span) => splitLongUnit(text, span, { maxChars: o.pageChars, maxWords }));
  if (units.length === 0) return [];

  const layout = (maxChars: number, maxPageWords: number) => {
    const minWords = Math.min(maxPageWords, (MIN_PAGE_SECONDS * o.wordsPerMinute) / 60);
    const pages: { start: number; end: number }[][] = [];
    let current: { start: number; end: number }[] = [];
    for (const unit of units) {
      const first = current[0];
      if (first) {
        const chars = unit.end - first.start;
        const words = countWords(text.slice(first.start, unit.end));
        const newParagraph = /\n\s*\n/.test(text.slice(current.at(-1)?.end ?? 0, unit.start));
        const currentWords = countWords(text.slice(first.start, current.at(-1)?.end ?? 0));
        if (chars > maxChars || words > maxPageWords || (newParagraph && currentWords >= minWords)) {
          pages.push(current);
          current = [];
        }
      }
      current.push(unit);
    }
    if (current.length > 0) pages.push(current);
    return pages;
  };

  let pages = layout(o.pageChars, maxWords);
  if (pages.length > 1) {
    // Even out: the same number of pages with a smaller limit spreads the text evenly.
    const totalChars = units.reduce((sum, unit) => sum + (unit.end - unit.start), 0);
    const totalWords = countWords(text);
    const share = 1.15 / pages.length;
    const even = layout(
      Math.max(Math.ceil(totalChars * share), longest(units)),
      Math.max(Math.ceil(totalWords * share), 1),
    );
    if (even.length === pages.length) pages = even;
  }

  return pages.map((pageUnits) => {
    const start = pageUnits[0]?.start ?? 0;
    return {
      text: text.slice(start, pageUnits.at(-1)?.end ?? start),
      units: pageUnits.map((unit) => ({ start: unit.start - start, end: unit.end - start })),
    };
  });
}

function longest(units: readonly { start: number; end: number }[]): number {
  return units.reduce((max, unit) => Math.max(max, unit.end - unit.start), 0);
}

/** A sentence longer than a page becomes chunks of whole words (a single giant word is cut). */
function splitLongUnit(
  text: string,
  span: { start: number; end: number },
  o: { maxChars: number; maxWords: number },
): { start: number; end: number }[] {
  const sentence = text.slice(span.start, span.end);
  if (sentence.length <= o.maxChars && countWords(sentence) <= o.maxWords) return [span];
  const chunks: { start: number; end: number }[] = [];
  let chunkStart = -1;
  let chunkEnd = -1;
  let chunkWords = 0;
  for (const match of sentence.matchAll(/\S+/g)) {
    let wordStart = span.start + match.index;
    const wordEnd = wordStart + match[0].length;
    // A word longer than a page on its own is cut into page-sized pieces.
    while (wordEnd - wordStart > o.maxChars) {
      if (chunkStart >= 0) chunks.push({ start: chunkStart, end: chunkEnd });
      // Never between the two halves of a surrogate pair.
      const cut = isLowSurrogate(text.charCodeAt(wordStart + o.maxChars)) ? o.maxChars - 1 : o.maxChars;
      chunks.push({ start: wordStart, end: wordStart + cut });
      wordStart += cut;
      chunkStart = -1;
      chunkWords = 0;
    }
    if (chunkStart >= 0 && (wordEnd - chunkStart > o.maxChars || chunkWords + 1 > o.maxWords)) {
      chunks.push({ start: chunkStart, end: chunkEnd });
      chunkStart = -1;
      chunkWords = 0;
    }
    if (chunkStart < 0) chunkStart = wordStart;
    chunkEnd = wordEnd;
    chunkWords++;
  }
  if (chunkStart >= 0) chunks.push({ start: chunkStart, end: chunkEnd });
  return chunks;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
