/**
 * Reddit Markdown → text, twice: `toCardText` keeps the author's wording for the screen (only the
 * Markdown syntax goes), `toSpeakableText` makes plain sentences for the voice. Pure functions.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00A0",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  copy: "©",
  reg: "®",
  trade: "™",
  deg: "°",
  euro: "€",
  pound: "£",
  cent: "¢",
  times: "×",
  middot: "·",
  bull: "•",
};

/** Reddit's API escapes &, < and > in bodies and titles (and sometimes twice: "&amp;amp;"). */
export function decodeHtmlEntities(text: string): string {
  let decoded = text;
  for (let pass = 0; pass < 2; pass++) {
    const next = decoded.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (entity, name: string) => {
      if (name.startsWith("#")) {
        const codePoint =
          name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : entity;
      }
      return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
    });
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

const FENCED_CODE = /^[ \t]*(```|~~~)[^\n]*\n([\s\S]*?)(?:^[ \t]*\1[ \t]*$|(?![\s\S]))/gm;
const HORIZONTAL_RULE = /^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const TABLE_SEPARATOR = /^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$/;
const REFERENCE_DEFINITION = /^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+.*$/;
const HEADING = /^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$/;
// A quote marker, unless it opens a spoiler (">!text!<").
const QUOTE = /^[ \t]*(?:>(?!!)[ \t]?)+/;
const LIST_ITEM = /^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+/;
const ESCAPED = /\\([\\`*_{}[\]()#+\-.!|>~<^])/g;

interface Line {
  text: string;
  /** A heading, list item or table row: a unit of its own that should end like a sentence. */
  standalone: boolean;
}

/** The block structure both renderings share: code fences, rules, headings, quotes, lists, tables. */
function markdownLines(markdown: string, o: { keepCode: boolean; keepListMarkers: boolean; speakTables: boolean }) {
  const source = decodeHtmlEntities(markdown.replace(/\r\n?/g, "\n"))
    .replace(/[\u200B\u2060\uFEFF]/g, "")
    .replace(/\u00A0/g, " ")
    .replace(FENCED_CODE, (_block, _fence, code: string) => (o.keepCode ? code.replace(/\n$/, "") : ""));
  const rawLines = source.split("\n");
  const lines: Line[] = [];
  let header: string[] = [];
  for (const [i, raw] of rawLines.entries()) {
    if (HORIZONTAL_RULE.test(raw) || REFERENCE_DEFINITION.test(raw)) continue;
    if (isTableSeparator(raw)) continue;
    // A table already flattened for a card ("day | words" over "Mon | 2"; body pages are cut from
    // card text): two or more rows in a row, the first one the header.
    if (o.speakTables && isCardTableRow(rawLines, i)) {
      const cells = raw.split(" | ").map((cell) => cell.trim());
      if (!CARD_TABLE_ROW.test(rawLines[i - 1] ?? "")) header = cells;
      else lines.push({ text: spokenTableRow(cells, header), standalone: true });
      continue;
    }
    const isHeader = raw.includes("|") && isTableSeparator(rawLines[i + 1]);
    if (isHeader || (raw.includes("|") && isInsideTable(rawLines, i))) {
      const cells = raw
        .trim()
        .replace(/^\|/, "")
        .replace(/\|$/, "")
        .split("|")
        .map((cell) => cell.trim());
      if (isHeader) header = cells;
      if (!o.speakTables) lines.push({ text: cells.filter((cell) => cell.length > 0).join(" | "), standalone: true });
      // Spoken, the header row labels the cells of each row instead of being read on its own.
      else if (!isHeader) lines.push({ text: spokenTableRow(cells, header), standalone: true });
      continue;
    }
    const heading = HEADING.exec(raw);
    if (heading) {
      lines.push({ text: heading[1] ?? "", standalone: true });
      continue;
    }
    let text = raw.replace(QUOTE, "");
    const isListItem = LIST_ITEM.test(text);
    if (isListItem && !o.keepListMarkers) text = text.replace(LIST_ITEM, "");
    lines.push({ text: text.trimEnd(), standalone: isListItem });
  }
  return lines;
}

/**
 * A table row as a phrase: the first cell names the row, the others are said with their column's
 * header — a count before it ("2 words"), anything else after it ("cost $600"): "Mon: 2 words, cost $600".
 */
function spokenTableRow(cells: readonly string[], header: readonly string[]): string {
  const [label = "", ...rest] = cells;
  const values = rest
    .map((cell, i) => {
      const name = header[i + 1] ?? "";
      if (!cell) return "";
      if (!name) return cell;
      return /^\d+(?:[.,]\d+)?$/.test(cell) ? `${cell} ${name}` : `${name} ${cell}`;
    })
    .filter((phrase) => phrase.length > 0);
  if (!label) return values.join(", ");
  return values.length > 0 ? `${label}: ${values.join(", ")}` : label;
}

const CARD_TABLE_ROW = /\S \| \S/;

function isCardTableRow(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? "";
  if (line.trim().startsWith("|") || !CARD_TABLE_ROW.test(line)) return false;
  return CARD_TABLE_ROW.test(lines[index - 1] ?? "") || CARD_TABLE_ROW.test(lines[index + 1] ?? "");
}

function isTableSeparator(line: string | undefined): boolean {
  if (line === undefined) return false;
  return line.includes("|") && line.includes("-") && TABLE_SEPARATOR.test(line);
}

/** A row belongs to a table when a separator row is reachable through rows that all contain "|". */
function isInsideTable(lines: string[], index: number): boolean {
  for (let i = index - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    if (isTableSeparator(line)) return true;
    if (!line.includes("|")) return false;
  }
  return false;
}

/** Inline syntax: images, links, spoilers, strikethrough, code, emphasis, superscript, escapes. */
function stripInline(text: string, o: { linkUrls: "keep" | "say-link"; struck: "show" | "drop" }): string {
  return (
    text
      .replace(/!\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+"[^"]*")?\)/g, "")
      .replace(/\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+"[^"]*")?\)/g, "$1")
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1")
      .replace(/<((?:https?|mailto):[^>\s]+)>/g, o.linkUrls === "keep" ? "$1" : "link")
      .replace(/>!(.+?)!</g, "$1")
      .replace(/~~(?=\S)(.+?)~~/g, (_m, struck: string) => (o.struck === "drop" ? "" : strikeThrough(struck)))
      .replace(/(`+)(.+?)\1/g, (_match, _ticks, code: string) => code.trim())
      .replace(/(\*\*\*|___)(?=\S)(.+?)(?<=\S)\1/g, "$2")
      .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, "$2")
      .replace(/(?<![\w*\\])\*(?=\S)(.+?)(?<=[^\s\\])\*(?![\w*])/g, "$1")
      .replace(/(?<![\w\\])_(?=\S)(.+?)(?<=\S)_(?!\w)/g, "$1")
      .replace(/\^\(([^)]*)\)/g, "$1")
      .replace(/\^(?=\S)/g, "")
      // Escaped punctuation last, so "\*" stays a literal star through the emphasis rules above.
      .replace(ESCAPED, "$1")
  );
}

/** U+0336 (combining long stroke overlay): struck-through text that stays struck on a plain-text card. */
const STROKE = "\u0336";
const STRUCK_RUN = /(?:[\s\S]\u0336)+/gu;

function strikeThrough(text: string): string {
  return Array.from(text, (char) => `${char}${STROKE}`).join("");
}

/**
 * What a card shows: the author's own words with the Markdown syntax removed (link targets,
 * emphasis markers, heading and quote markers, table pipes), HTML entities decoded. Everything
 * else is kept verbatim: URLs typed as text, emoji, quotes, braces, backslashes; paragraphs stay
 * separated by a blank line and list items stay on their own lines with their markers.
 */
export function toCardText(markdown: string): string {
  const lines = markdownLines(markdown, { keepCode: true, keepListMarkers: true, speakTables: false });
  return lines
    .map((line) => stripInline(line.text, { linkUrls: "keep", struck: "show" }).trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const URL = /\b(?:https?:\/\/|www\.)[^\s<>]*[^\s<>.,;:!?'")\]]/gi;
const HTML_TAG = /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g;
// Pictographs, their modifiers and joiners: a narrator does not read "face with tears of joy".
const EMOJI = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200D|\uFE0E|\uFE0F|\u20E3/gu;
const ENDS_LIKE_SENTENCE = /[.!?…:;,。！？]["'”’)\]」』]*$/;

/**
 * Plain speakable text from Markdown (or plain text): syntax stripped as for cards, code blocks,
 * images, HTML tags and emoji dropped, URLs said as "link", every heading, list item, table row and
 * line ending like a sentence, whitespace normalised to single spaces, the whole ending with
 * punctuation. Empty when nothing speakable is left.
 */
export function toSpeakableText(markdownOrText: string): string {
  const lines = markdownLines(markdownOrText, { keepCode: false, keepListMarkers: false, speakTables: true });
  const sentences: string[] = [];
  for (const line of lines) {
    // Struck-through text is not said: it is what the author took back (card text marks it with U+0336).
    let text = stripInline(line.text.replace(STRUCK_RUN, ""), { linkUrls: "say-link", struck: "drop" })
      .replace(URL, "link")
      .replace(HTML_TAG, " ")
      .replace(EMOJI, "")
      // Leftovers of syntax that did not pair up (a bold run cut by a page break, say).
      .replace(/\*\*|__|~~|>!|!<|```/g, "")
      .replace(/\blink(?:[\s,;]+link\b)+/gi, "links")
      .replace(/\s+/g, " ")
      .trim();
    text = expandRedditAbbreviations(text);
    if (!/[\p{L}\p{N}]/u.test(text)) continue;
    sentences.push(ENDS_LIKE_SENTENCE.test(text) ? text : `${text}.`);
  }
  return (
    sentences
      .join(" ")
      .replace(/\s+([.!?,;:…])/g, "$1")
      .replace(/([,;:])(?=[.!?])/g, "")
      // A doubled stop ("少し。.", "Wow!.") is said and captioned once; an ellipsis ("?...") stays.
      .replace(/([!?。！？])\s*\.(?!\.)/g, "$1")
      .trim()
  );
}

/**
 * Reddit shorthand and how a narrator says it. Lower-case first letters are raised at the start
 * of a sentence. Shorthand that is also an ordinary word in another case matches only in capitals
 * ("OP" but not "op", "NAH" but not "nah", "TIL" but not "til", "ETA" only before ":" or "-" or at
 * the start of a line, so "the ETA is 5 pm" stays).
 */
const REDDIT_SHORTHAND: readonly (readonly [RegExp, string])[] = [
  [/\bTL[;:]?\s?DR\b/gi, "too long; didn't read"],
  [/\bAITAH\b/gi, "am I the a-hole here"],
  [/\bAITA\b/gi, "am I the a-hole"],
  [/\bWIBTAH\b/gi, "would I be the a-hole here"],
  [/\bWIBTA\b/gi, "would I be the a-hole"],
  [/\bYWNBTA\b/gi, "you would not be the a-hole"],
  [/\bYWBTA\b/gi, "you would be the a-hole"],
  [/\bTIFU\b/gi, "today I messed up"],
  [/\bNTA\b/gi, "not the a-hole"],
  [/\bYTA\b/gi, "you're the a-hole"],
  [/\bESH\b/gi, "everyone sucks here"],
  [/\bNAH\b/g, "no a-holes here"],
  [/\bIIRC\b/gi, "if I remember correctly"],
  [/\bIMHO\b/gi, "in my humble opinion"],
  [/\bIMO\b/gi, "in my opinion"],
  [/\bFWIW\b/gi, "for what it's worth"],
  [/\bAFAIK\b/gi, "as far as I know"],
  [/\bTBH\b/gi, "to be honest"],
  [/\bIDK\b/gi, "I don't know"],
  [/\bIRL\b/gi, "in real life"],
  [/\bELI5\b/gi, "explain like I'm five"],
  [/\bNSFW\b/gi, "not safe for work"],
  [/\bTIL\b/g, "today I learned"],
  [/\bDAE\b/g, "does anyone else"],
  [/\bYSK\b/g, "you should know"],
  [/\bLPT\b/g, "life pro tip"],
  [/\bBF\b/g, "boyfriend"],
  [/\bGF\b/g, "girlfriend"],
  [/\bMIL\b/g, "mother-in-law"],
  [/\bFIL\b/g, "father-in-law"],
  [/\bSIL\b/g, "sister-in-law"],
  [/\bBIL\b/g, "brother-in-law"],
  [/\b(?:[Tt]he )?OP\b/g, "the original poster"],
  [/^ETA\b|\bETA(?=\s*(?:\d+\s*)?[:\-–—])/g, "edited to add"],
  [/\bEDIT(?=\s*(?:\d+\s*)?[:\-–—])/g, "edit"],
  [/\bUPDATE(?=\s*(?:\d+\s*)?[:\-–—])/g, "update"],
];

const GENDER: Readonly<Record<string, string>> = { m: "male", f: "female", nb: "non-binary" };

/**
 * Reddit shorthand said in words, for the voice only (cards keep the original): AITA, WIBTA,
 * TIFU, TL;DR, NTA/YTA/ESH/NAH, OP, IIRC, IMO, FWIW, ETA, EDIT:, "u/name" → "user name",
 * "r/sub" → "r slash sub", ages like "(29F)" → "(29 female)". Whole words only.
 */
export function expandRedditAbbreviations(text: string): string {
  let out = text
    .replace(/(?<![\w/.])\/?u\/([A-Za-z0-9_-]{3,20})\b/g, (_m, name: string) => `user ${spokenName(name)}`)
    .replace(/(?<![\w/.])\/?r\/([A-Za-z0-9_]{2,21})\b/g, (_m, name: string) => `r slash ${spokenName(name)}`)
    .replace(
      /([([])\s*(\d{1,2})\s?(M|F|NB|m|f|nb)\s*([)\]])/g,
      (_m, open: string, age: string, g: string, close: string) => `${open}${age} ${GENDER[g.toLowerCase()]}${close}`,
    )
    .replace(
      /([([])\s*(M|F|NB|m|f|nb)\s?(\d{1,2})\s*([)\]])/g,
      (_m, open: string, g: string, age: string, close: string) => `${open}${age} ${GENDER[g.toLowerCase()]}${close}`,
    );
  for (const [pattern, words] of REDDIT_SHORTHAND) {
    out = out.replace(pattern, (match: string, ...rest: unknown[]) => {
      const offset = rest.find((value): value is number => typeof value === "number") ?? 0;
      const before = out.slice(0, offset);
      const atSentenceStart = /(?:^|[.!?…]["'”’)]*\s+)["'“‘(]*$/.test(before);
      const capitalise = atSentenceStart || match.startsWith("The ");
      return capitalise ? words.charAt(0).toUpperCase() + words.slice(1) : words;
    });
  }
  return out;
}

/** "duck_enthusiast_42" → "duck enthusiast 42": underscores and hyphens are not read out. */
function spokenName(name: string): string {
  return name.replace(/[_-]+/g, " ").trim();
}

const ABBREVIATIONS = new Set([
  "mr",
  "mrs",
  "ms",
  "dr",
  "prof",
  "sr",
  "jr",
  "st",
  "vs",
  "etc",
  "e.g",
  "i.e",
  "approx",
  "no",
  "vol",
  "fig",
  "inc",
  "ltd",
  "co",
  "mt",
  "ft",
  "u.s",
  "u.k",
  "a.m",
  "p.m",
]);

/**
 * Sentence ranges [start, end) of `text`, trimmed. A sentence ends at . ! ? or … (with any closing
 * quotes or brackets) followed by whitespace, and at every line break; common abbreviations
 * ("Mr.", "e.g."), initials ("J. K.") and list numbers ("1.") do not end one.
 */
export function sentenceSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const push = (start: number, end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s] ?? "")) s++;
    while (e > s && /\s/.test(text[e - 1] ?? "")) e--;
    if (e > s) spans.push({ start: s, end: e });
  };
  const boundary = /[.!?…]+["'”’)\]*_~]*(?=\s|$)|\n/g;
  let start = 0;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    const end = match.index + match[0].length;
    if (match[0] !== "\n" && !endsSentence(text.slice(start, end))) continue;
    push(start, end);
    start = end;
  }
  push(start, text.length);
  return spans;
}

function endsSentence(candidate: string): boolean {
  if (!/\.$|\.["'”’)\]*_~]+$/.test(candidate) || /[!?…]/.test(candidate.slice(-3))) return true;
  const trimmed = candidate.trim();
  if (/^(?:[-*+•]\s*)?\d{1,3}\.$/.test(trimmed)) return false; // a list number
  const lastWord = /(\S+?)\.["'”’)\]*_~]*$/u.exec(trimmed)?.[1]?.replace(/^["'“‘([]+/, "") ?? "";
  if (/^\p{Lu}$/u.test(lastWord)) return false; // an initial
  return !ABBREVIATIONS.has(lastWord.toLowerCase());
}

/** The sentences of a text, trimmed, in order. */
export function splitSentences(text: string): string[] {
  return sentenceSpans(text).map(({ start, end }) => text.slice(start, end));
}
