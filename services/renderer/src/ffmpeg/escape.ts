/**
 * Escapes a value for an FFmpeg filter option inside a filter graph, e.g. the file name in
 * `ass=filename=<value>`. Two levels apply (https://ffmpeg.org/ffmpeg-filters.html#Notes-on-filtergraph-escaping):
 * 1. the option parser: `\`, `'` and `:` are special in a filter's argument string;
 * 2. the graph parser: `\`, `'`, `[`, `]`, `,` and `;` separate filters and links.
 * Each level backslash-escapes its own specials, the first level applied first.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (char) => `\\${char}`);
  return optionLevel.replace(/[\\'[\],;]/g, (char) => `\\${char}`);
}

/** Formats seconds for filter arguments: fixed precision, no exponent, no trailing zeros. */
export function formatSeconds(seconds: number): string {
  const fixed = seconds.toFixed(6);
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}
