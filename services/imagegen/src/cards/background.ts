import { createHash } from "node:crypto";
import type { Theme } from "@video-service/contracts";
import { type RawImage, rasterizeSvg } from "./sharp.engine.ts";

/** Used when a request names no background seed, so every video still has the same look throughout. */
export const DEFAULT_BACKGROUND_SEED = "video-service";

/**
 * The background is soft and blurred, so it is drawn at a quarter of the canvas and scaled up:
 * 1/16 of the pixels for the expensive Gaussian blur, with no visible difference.
 */
const DRAW_SCALE = 4;

/** A small deterministic PRNG (sfc32) seeded from the seed's SHA-256, the same on every machine. */
export function seededRandom(seed: string): () => number {
  const digest = createHash("sha256").update(seed).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
}

function hsl(hue: number, saturation: number, lightness: number): string {
  return `hsl(${Math.round(((hue % 360) + 360) % 360)}, ${Math.round(saturation)}%, ${Math.round(lightness)}%)`;
}

export interface BackgroundOptions {
  seed: string;
  theme: Theme;
  width: number;
  height: number;
}

/**
 * The background as SVG: a diagonal gradient of two related hues, large blurred shapes in an
 * accent palette, and a vignette that calms the edges. Nothing in it comes from the user except
 * the seed, which only feeds the PRNG, and nothing is referenced outside the document.
 */
export function backgroundSvg({ seed, theme, width, height }: BackgroundOptions): string {
  const random = seededRandom(`${seed}`);
  const dark = theme === "dark";
  const hue = random() * 360;
  const spread = 25 + random() * 55;
  const lightness = dark ? [14, 24] : [86, 93];
  const saturation = dark ? 55 + random() * 25 : 60 + random() * 25;
  const angle = random() * Math.PI * 2;
  const x1 = 0.5 - Math.cos(angle) / 2;
  const y1 = 0.5 - Math.sin(angle) / 2;
  const from = hsl(hue, saturation, lightness[0] ?? 14);
  const to = hsl(hue + spread, saturation, lightness[1] ?? 24);

  const size = Math.min(width, height);
  const shapes: string[] = [];
  const count = 5 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const shapeHue = hue + (random() < 0.3 ? 180 : random() * spread * 1.6 - spread * 0.3);
    const fill = hsl(shapeHue, dark ? 70 : 75, dark ? 38 + random() * 18 : 70 + random() * 12);
    const opacity = (dark ? 0.35 : 0.45) + random() * 0.3;
    const cx = random() * width;
    const cy = random() * height;
    const rx = size * (0.18 + random() * 0.32);
    const ry = rx * (0.6 + random() * 0.8);
    const rotate = Math.round(random() * 180);
    shapes.push(
      `<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${rx.toFixed(1)}" ry="${ry.toFixed(1)}" ` +
        `transform="rotate(${rotate} ${cx.toFixed(1)} ${cy.toFixed(1)})" fill="${fill}" fill-opacity="${opacity.toFixed(2)}"/>`,
    );
  }
  const blur = (size * 0.09).toFixed(1);
  const vignette = dark ? 0.55 : 0.12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width / DRAW_SCALE)}" height="${Math.ceil(height / DRAW_SCALE)}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none">`,
    "<defs>",
    `<linearGradient id="base" x1="${x1.toFixed(3)}" y1="${y1.toFixed(3)}" x2="${(1 - x1).toFixed(3)}" y2="${(1 - y1).toFixed(3)}">`,
    `<stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient>`,
    `<filter id="soft" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="${blur}"/></filter>`,
    `<radialGradient id="vignette" cx="0.5" cy="0.5" r="0.75"><stop offset="0.55" stop-color="#000" stop-opacity="0"/>`,
    `<stop offset="1" stop-color="#000" stop-opacity="${vignette}"/></radialGradient>`,
    "</defs>",
    `<rect width="${width}" height="${height}" fill="url(#base)"/>`,
    `<g filter="url(#soft)">${shapes.join("")}</g>`,
    `<rect width="${width}" height="${height}" fill="url(#vignette)"/>`,
    "</svg>",
  ].join("");
}

/** The background as raw pixels at the canvas size, ready to draw a panel over. */
export function renderBackground(options: BackgroundOptions): Promise<RawImage> {
  return rasterizeSvg(backgroundSvg(options), { width: options.width, height: options.height });
}
