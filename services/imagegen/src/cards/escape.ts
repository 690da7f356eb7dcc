/**
 * User text reaches two XML dialects: Pango markup (text layers) and SVG (shapes, labels). Both
 * are escaped here and nowhere else, so hostile text such as `</span><image href="file:///etc/passwd"/>`
 * is drawn literally instead of being parsed.
 */

/**
 * Characters XML 1.0 cannot carry at all (C0 controls other than tab and newline, lone surrogates,
 * U+FFFE/U+FFFF); GMarkup and librsvg reject the whole document when they meet one, so they are dropped.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

function escapeXmlCharacters(text: string): string {
  return text
    .toWellFormed()
    .replace(XML_FORBIDDEN, "")
    .replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** Escapes text for Pango markup (the `text` input of sharp), so it is shown, never interpreted. */
export function escapePangoMarkup(text: string): string {
  return escapeXmlCharacters(text);
}

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return escapeXmlCharacters(text);
}
