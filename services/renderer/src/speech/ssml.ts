import { tokenize } from "./word-timings.ts";

/**
 * Characters XML 1.0 does not allow in a document (C0 controls except tab/LF/CR, U+FFFE/U+FFFF,
 * lone surrogates): Polly would reject the SSML, so they become spaces.
 */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** User text as an XML text node: the five markup characters as entities, non-XML characters as spaces. */
export function escapeSsmlText(text: string): string {
  return text.replace(NOT_XML, " ").replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

export interface Ssml {
  /** `<speak>…</speak>` with every character of the text escaped. */
  ssml: string;
  /** Per whitespace-separated token of the text (tokenize()), its UTF-8 byte range in `ssml`. */
  tokenBytes: { start: number; end: number }[];
}

/**
 * Plain text as SSML for Polly, with the byte range of each token: speech marks report UTF-8 byte
 * offsets into the SSML that was sent, and these ranges map them back to the words of the text.
 * `ratePercent` (100 = the voice's normal speed) wraps the text in `<prosody rate>`.
 */
export function buildSsml(text: string, o: { ratePercent?: number } = {}): Ssml {
  const rate = o.ratePercent !== undefined && o.ratePercent !== 100 ? Math.round(o.ratePercent) : undefined;
  const open = rate === undefined ? "<speak>" : `<speak><prosody rate="${rate}%">`;
  const close = rate === undefined ? "</speak>" : "</prosody></speak>";
  const codePoints = Array.from(text);
  // byteAt[i] = byte offset in the SSML where code point i of the text begins.
  const byteAt: number[] = [];
  let bytes = Buffer.byteLength(open);
  let body = "";
  for (const codePoint of codePoints) {
    byteAt.push(bytes);
    const escaped = escapeSsmlText(codePoint);
    body += escaped;
    bytes += Buffer.byteLength(escaped);
  }
  byteAt.push(bytes);
  const tokenBytes = tokenize(text).map((token) => ({
    start: byteAt[token.start] ?? bytes,
    end: byteAt[token.end] ?? bytes,
  }));
  return { ssml: `${open}${body}${close}`, tokenBytes };
}

/** Characters Polly bills for a text: the text itself, SSML tags excluded (entities count as one). */
export function billedCharacters(text: string): number {
  return Array.from(text).length;
}
