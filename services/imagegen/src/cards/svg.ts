import { escapeXml } from "./escape.ts";

type AttributeValue = string | number | undefined;

/**
 * One SVG element. Every attribute value is XML-escaped, so nothing interpolated into a card's
 * SVG can close the attribute or open an element of its own.
 */
export function svgElement(name: string, attributes: Record<string, AttributeValue>, content = ""): string {
  const attributeText = Object.entries(attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(typeof value === "number" ? formatNumber(value) : value)}"`)
    .join("");
  return content === "" ? `<${name}${attributeText}/>` : `<${name}${attributeText}>${content}</${name}>`;
}

/** A self-contained SVG document: no external references, nothing but the given elements. */
export function svgDocument({ width, height, content }: { width: number; height: number; content: string[] }): string {
  return svgElement(
    "svg",
    { xmlns: "http://www.w3.org/2000/svg", width, height, viewBox: `0 0 ${width} ${height}` },
    content.join(""),
  );
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Icons on a 24-unit grid, drawn with paths only. */
export const ICON_PATHS = {
  upvote: "M12 3.5 L20.5 12.5 H15.5 V20.5 H8.5 V12.5 H3.5 Z",
  downvote: "M12 20.5 L20.5 11.5 H15.5 V3.5 H8.5 V11.5 H3.5 Z",
  comment:
    "M5 4.5 H19 A2.5 2.5 0 0 1 21.5 7 V15 A2.5 2.5 0 0 1 19 17.5 H10.5 L6 21 V17.5 H5 A2.5 2.5 0 0 1 2.5 15 V7 A2.5 2.5 0 0 1 5 4.5 Z",
  share: "M14 4 L21 11 L14 18 V14 C9 14 5.5 15.5 3 20 C4 14 7 9.5 14 8.5 Z",
} as const;

export function icon({
  name,
  x,
  y,
  size,
  color,
  filled,
}: {
  name: keyof typeof ICON_PATHS;
  x: number;
  y: number;
  size: number;
  color: string;
  filled: boolean;
}): string {
  const scale = size / 24;
  return svgElement("path", {
    d: ICON_PATHS[name],
    transform: `translate(${x.toFixed(1)} ${y.toFixed(1)}) scale(${scale.toFixed(4)})`,
    fill: filled ? color : "none",
    stroke: color,
    "stroke-width": filled ? 0 : 2,
    "stroke-linejoin": "round",
  });
}

/** Reddit's alien on an orange disc: the subreddit's icon. */
export function snooAvatar({ cx, cy, size, color }: { cx: number; cy: number; size: number; color: string }): string {
  const r = size / 2;
  const u = size / 100;
  return [
    svgElement("circle", { cx, cy, r, fill: color }),
    svgElement("line", {
      x1: cx,
      y1: cy - 14 * u,
      x2: cx + 8 * u,
      y2: cy - 32 * u,
      stroke: "#ffffff",
      "stroke-width": 3 * u,
    }),
    svgElement("circle", { cx: cx + 10 * u, cy: cy - 33 * u, r: 5 * u, fill: "#ffffff" }),
    svgElement("circle", { cx: cx - 24 * u, cy: cy - 2 * u, r: 7 * u, fill: "#ffffff" }),
    svgElement("circle", { cx: cx + 24 * u, cy: cy - 2 * u, r: 7 * u, fill: "#ffffff" }),
    svgElement("ellipse", { cx, cy: cy + 10 * u, rx: 28 * u, ry: 19 * u, fill: "#ffffff" }),
    svgElement("circle", { cx: cx - 10 * u, cy: cy + 6 * u, r: 4.5 * u, fill: color }),
    svgElement("circle", { cx: cx + 10 * u, cy: cy + 6 * u, r: 4.5 * u, fill: color }),
    svgElement("path", {
      d: `M${cx - 10 * u} ${cy + 17 * u} Q${cx} ${cy + 23 * u} ${cx + 10 * u} ${cy + 17 * u}`,
      stroke: color,
      "stroke-width": 2.5 * u,
      fill: "none",
      "stroke-linecap": "round",
    }),
  ].join("");
}

/** A commenter's avatar: a head-and-shoulders silhouette on a disc of the given colour. */
export function personAvatar({ cx, cy, size, color }: { cx: number; cy: number; size: number; color: string }): string {
  const r = size / 2;
  const u = size / 100;
  return [
    svgElement("circle", { cx, cy, r, fill: color }),
    svgElement("circle", { cx, cy: cy - 10 * u, r: 17 * u, fill: "#ffffff", "fill-opacity": 0.92 }),
    svgElement("path", {
      d: `M${cx - 30 * u} ${cy + 34 * u} Q${cx - 30 * u} ${cy + 10 * u} ${cx} ${cy + 10 * u} Q${cx + 30 * u} ${cy + 10 * u} ${cx + 30 * u} ${cy + 34 * u} Z`,
      fill: "#ffffff",
      "fill-opacity": 0.92,
    }),
  ].join("");
}
