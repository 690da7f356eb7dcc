/**
 * Splits text into parts that each fit one request of a speech API, at sentence boundaries where
 * possible, then at clause boundaries (",;:"), then at spaces; a single run without spaces longer
 * than a part is cut between code points. Parts are cut only at whitespace (except that last
 * resort), so the whitespace-separated tokens of the parts, in order, are those of the text.
 *
 * `measure` is what the API limits (billed characters, request size…); every part measures at
 * most `max`.
 */
export function splitForRequests(text: string, o: { max: number; measure?: (part: string) => number }): string[] {
  const measure = o.measure ?? ((part: string) => part.length);
  const trimmed = text.trim();
  if (trimmed.length === 0) return [];
  if (measure(trimmed) <= o.max) return [trimmed];
  const parts: string[] = [];
  for (const piece of pieces(trimmed, SENTENCE_END, o.max, measure)) {
    const last = parts.at(-1);
    if (last !== undefined && measure(`${last} ${piece}`) <= o.max) parts[parts.length - 1] = `${last} ${piece}`;
    else parts.push(piece);
  }
  return parts;
}

/** After a sentence's final punctuation (and closing quotes/brackets), before whitespace. */
const SENTENCE_END = /(?<=[.!?…。！？]["'”’)\]]*)\s+/u;
const CLAUSE_END = /(?<=[,;:、，；：])\s+/u;
const SPACE = /\s+/u;

/** The text cut at `boundary`, each piece that is still too long cut again at a finer boundary. */
function pieces(text: string, boundary: RegExp, max: number, measure: (part: string) => number): string[] {
  const out: string[] = [];
  for (const piece of text.split(boundary).filter((p) => p.length > 0)) {
    if (measure(piece) <= max) out.push(piece);
    else if (boundary === SENTENCE_END) out.push(...packed(pieces(piece, CLAUSE_END, max, measure), max, measure));
    else if (boundary === CLAUSE_END) out.push(...packed(pieces(piece, SPACE, max, measure), max, measure));
    else out.push(...cutCodePoints(piece, max, measure));
  }
  return out;
}

/** Adjacent pieces joined with a space while they fit. */
function packed(items: string[], max: number, measure: (part: string) => number): string[] {
  const out: string[] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (last !== undefined && measure(`${last} ${item}`) <= max) out[out.length - 1] = `${last} ${item}`;
    else out.push(item);
  }
  return out;
}

function cutCodePoints(word: string, max: number, measure: (part: string) => number): string[] {
  const out: string[] = [];
  let current = "";
  for (const codePoint of word) {
    if (current && measure(current + codePoint) > max) {
      out.push(current);
      current = "";
    }
    current += codePoint;
  }
  if (current) out.push(current);
  return out;
}
