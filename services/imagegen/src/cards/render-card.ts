import { type CardSpec, FORMATS, type Format, type Theme } from "@video-service/contracts";
import { drawCommentCard } from "./comment-card.ts";
import { cardLayout, PALETTES, THUMBNAIL } from "./design.ts";
import { composeImage, type RawImage, transparentImage } from "./sharp.engine.ts";
import { drawTextCard } from "./text-card.ts";
import { drawThumbnail } from "./thumbnail-card.ts";
import { drawTitleCard } from "./title-card.ts";

export interface RenderedImage {
  data: Buffer;
  width: number;
  height: number;
  extension: "png" | "jpg";
  contentType: "image/png" | "image/jpeg";
}

export interface CardContext {
  format: Format;
  theme: Theme;
  /** Seed of the background behind full-frame cards. */
  backgroundSeed: string;
  /** Title, comment and text cards over a clear canvas instead of the generated background. */
  transparent?: boolean;
  /** The generated background at a size (callers may memoise it across a batch). */
  background: (options: { seed: string; width: number; height: number }) => Promise<RawImage>;
}

/** The size and encoding a card kind has in a format, known before anything is drawn. */
export function cardCanvas(
  kind: CardSpec["kind"],
  format: Format,
): Pick<RenderedImage, "width" | "height" | "extension" | "contentType"> {
  if (kind === "thumbnail") return { ...THUMBNAIL, extension: "jpg", contentType: "image/jpeg" };
  const { width, height } = FORMATS[format];
  return { width, height, extension: "png", contentType: "image/png" };
}

/** Draws one card. Full-frame cards are PNG at the format's canvas; the thumbnail is a 1280×720 JPEG. */
export async function renderCard(card: CardSpec, context: CardContext): Promise<RenderedImage> {
  const canvas = cardCanvas(card.kind, context.format);
  const palette = PALETTES[context.theme];
  const layout = cardLayout(context.format);
  const size = { width: canvas.width, height: canvas.height };
  const background = (seed: string) => context.background({ seed, ...size });
  // The panel cards' backdrop: clear when the render lays them over a library background.
  const backdrop = () =>
    context.transparent
      ? Promise.resolve(transparentImage(size.width, size.height))
      : background(context.backgroundSeed);
  let data: Buffer;
  switch (card.kind) {
    case "background":
      data = await composeImage({ base: await background(card.seed), overlays: [], output: { type: "png" } });
      break;
    case "title":
      data = await drawTitleCard({ card, layout, palette, background: await backdrop() });
      break;
    case "comment":
      data = await drawCommentCard({ card, layout, palette, background: await backdrop() });
      break;
    case "text":
      data = await drawTextCard({ card, layout, palette, background: await backdrop() });
      break;
    case "thumbnail":
      data = await drawThumbnail({ card, theme: context.theme, background: await background(context.backgroundSeed) });
      break;
  }
  return { data, ...canvas };
}
