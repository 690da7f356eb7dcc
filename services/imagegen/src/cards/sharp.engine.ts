import { availableParallelism } from "node:os";
import sharp from "sharp";

/**
 * The only module that imports sharp (libvips). Everything else works with our own types:
 * PNG/JPEG buffers, raw RGBA images and text layers.
 *
 * Globals are set once, here. The file cache is off because every card is a new image and cached
 * file handles pin memory and files (immich #6542). Parallelism comes from rendering several cards
 * at once (one per core, see card.service.ts), so each image gets a single libvips thread rather
 * than cores × cores threads competing for the same CPUs.
 */
sharp.cache(false);
sharp.concurrency(1);

/** How many cards this machine should render at the same time. */
export const defaultRenderConcurrency = (): number => Math.max(1, availableParallelism());

/** Decoded, uncompressed RGBA pixels: what layers are composed from without re-encoding. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  /** A clear canvas: what is drawn over it keeps its alpha in the PNG (cards laid over a video). */
  transparent?: boolean;
}

/** A fully transparent canvas. */
export function transparentImage(width: number, height: number): RawImage {
  return { data: Buffer.alloc(width * height * 4), width, height, transparent: true };
}

/** A text layer: transparent PNG of the laid-out text, cropped to its ink. */
export interface TextLayer {
  png: Buffer;
  width: number;
  height: number;
}

export interface RenderTextOptions {
  /** Pango markup; every piece of user text in it must already be escaped (escapePangoMarkup). */
  markup: string;
  /** Pango font description, e.g. "Noto Sans Bold 48" (points = pixels at 72 dpi). */
  font: string;
  /** Wrap width, pixels. */
  width: number;
  align: "left" | "centre" | "right";
  /** Extra space between lines, pixels. */
  lineSpacing: number;
}

/**
 * Lays out text with Pango: word wrapping that also breaks words longer than a line ("word-char"),
 * font fallback for emoji (Noto Color Emoji, hence RGBA), CJK and bidirectional scripts (fribidi).
 */
export async function renderText({ markup, font, width, align, lineSpacing }: RenderTextOptions): Promise<TextLayer> {
  const { data, info } = await sharp({
    text: {
      text: markup,
      font,
      width: Math.max(1, Math.floor(width)),
      dpi: 72,
      rgba: true,
      align,
      justify: false,
      wrap: "word-char",
      spacing: Math.round(lineSpacing),
    },
  })
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}

/**
 * Rasterises an SVG (which must reference nothing outside itself) to raw RGBA, drawn at its own
 * size and then scaled to `size`. The two steps are separate pipelines on purpose: libvips renders
 * SVG per tile, so a blur filter followed by a resize in one pipeline is re-evaluated for every tile.
 */
export async function rasterizeSvg(svg: string, size?: { width: number; height: number }): Promise<RawImage> {
  const drawn = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const image: RawImage = { data: drawn.data, width: drawn.info.width, height: drawn.info.height };
  if (!size || (size.width === image.width && size.height === image.height)) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(size.width, size.height, { fit: "fill", kernel: "cubic" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Softens a text layer into a drop shadow. */
export async function blurLayer(layer: TextLayer, sigma: number): Promise<TextLayer> {
  const pad = Math.ceil(sigma * 3);
  const { data, info } = await sharp(layer.png)
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .blur(sigma)
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}

export interface Overlay {
  /** PNG/SVG buffer or raw RGBA. */
  image: Buffer | RawImage;
  left: number;
  top: number;
}

export type OutputEncoding = { type: "png" } | { type: "jpeg"; quality: number };

export interface ComposeOptions {
  base: RawImage;
  overlays: readonly Overlay[];
  output: OutputEncoding;
}

/** Draws the overlays over the base in order and encodes the result once. */
export async function composeImage({ base, overlays, output }: ComposeOptions): Promise<Buffer> {
  const visible = await Promise.all(overlays.map((overlay) => clipToBase(overlay, base)));
  const pipeline = sharp(base.data, { raw: { width: base.width, height: base.height, channels: 4 } }).composite(
    visible.map(({ image, left, top }) =>
      Buffer.isBuffer(image)
        ? { input: image, left: Math.round(left), top: Math.round(top) }
        : {
            input: image.data,
            raw: { width: image.width, height: image.height, channels: 4 as const },
            left: Math.round(left),
            top: Math.round(top),
          },
    ),
  );
  if (output.type === "jpeg") {
    return pipeline
      .flatten({ background: "#000000" })
      .jpeg({ quality: output.quality, mozjpeg: true, chromaSubsampling: "4:2:0" })
      .toBuffer();
  }
  if (base.transparent) return pipeline.png({ compressionLevel: 6 }).toBuffer();
  // Full-frame cards are opaque: RGB without alpha encodes faster and smaller.
  return pipeline.removeAlpha().png({ compressionLevel: 6 }).toBuffer();
}

/** libvips refuses overlays that reach outside the base, so raw overlays are cut to what is visible. */
async function clipToBase(overlay: Overlay, base: RawImage): Promise<Overlay> {
  const { image } = overlay;
  if (Buffer.isBuffer(image)) return overlay;
  const left = Math.round(overlay.left);
  const top = Math.round(overlay.top);
  const x0 = Math.max(0, left);
  const y0 = Math.max(0, top);
  const x1 = Math.min(base.width, left + image.width);
  const y1 = Math.min(base.height, top + image.height);
  if (x0 === left && y0 === top && x1 === left + image.width && y1 === top + image.height) return overlay;
  if (x1 <= x0 || y1 <= y0) return { image: { data: Buffer.alloc(4), width: 1, height: 1 }, left: 0, top: 0 };
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .extract({ left: x0 - left, top: y0 - top, width: x1 - x0, height: y1 - y0 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { image: { data, width: info.width, height: info.height }, left: x0, top: y0 };
}

export interface ImageInfo {
  format: string;
  width: number;
  height: number;
  channels: number;
}

/** Format and size of an encoded image. */
export async function readImageInfo(image: Buffer): Promise<ImageInfo> {
  const meta = await sharp(image).metadata();
  return { format: meta.format, width: meta.width, height: meta.height, channels: meta.channels };
}

/** The RGBA colour of one pixel of an encoded image. */
export async function readPixel(image: Buffer, x: number, y: number): Promise<[number, number, number, number]> {
  const { data } = await sharp(image)
    .ensureAlpha()
    .extract({ left: x, top: y, width: 1, height: 1 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [data[0] ?? 0, data[1] ?? 0, data[2] ?? 0, data[3] ?? 0];
}

export interface InkStats {
  /** Pixels that are not fully transparent. */
  opaque: number;
  /** Opaque pixels with a clear colour (channels far apart): colour emoji, not grey text. */
  colourful: number;
}

/** How much ink a text layer holds, and how much of it is in colour. */
export async function inkStats(png: Buffer): Promise<InkStats> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let opaque = 0;
  let colourful = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if ((data[i + 3] ?? 0) === 0) continue;
    opaque++;
    const r = data[i] ?? 0;
    const g = data[i + 1] ?? 0;
    const b = data[i + 2] ?? 0;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) colourful++;
  }
  return { opaque, colourful };
}
