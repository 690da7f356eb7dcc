import type { Theme, thumbnailCardSchema } from "@video-service/contracts";
import type { z } from "zod";
import { FONT_FAMILY, THUMBNAIL } from "./design.ts";
import { fitLine, subredditLabel } from "./parts.ts";
import { blurLayer, composeImage, type Overlay, type RawImage, renderText } from "./sharp.engine.ts";
import { svgDocument, svgElement } from "./svg.ts";
import { fitText, singleLine, type TextStyle, textOptions } from "./text-fit.ts";

export type ThumbnailCard = z.infer<typeof thumbnailCardSchema>;

/** YouTube rejects custom thumbnails over 2 MB. */
export const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;

const MARGIN = 72;
const TITLE_SIZES = [104, 96, 88, 80, 72, 64, 58] as const;

/** Contrast for the title whatever the background: a scrim behind it and a shadow under every glyph. */
const THUMBNAIL_THEMES: Readonly<Record<Theme, { text: string; shadow: string; scrim: string; scrimOpacity: number }>> =
  {
    dark: { text: "#ffffff", shadow: "#000000", scrim: "#000000", scrimOpacity: 0.62 },
    light: { text: "#141414", shadow: "#ffffff", scrim: "#ffffff", scrimOpacity: 0.7 },
  };

/** The YouTube thumbnail: a big bold title over the background, and the subreddit as an orange tag. */
export async function drawThumbnail({
  card,
  theme,
  background,
}: {
  card: ThumbnailCard;
  theme: Theme;
  background: RawImage;
}): Promise<Buffer> {
  const colors = THUMBNAIL_THEMES[theme];
  const width = THUMBNAIL.width - 2 * MARGIN;
  const svg: string[] = [
    svgElement(
      "defs",
      {},
      svgElement(
        "linearGradient",
        { id: "scrim", x1: 0, y1: 0, x2: 1, y2: 0.3 },
        svgElement("stop", { offset: 0, "stop-color": colors.scrim, "stop-opacity": colors.scrimOpacity }) +
          svgElement("stop", { offset: 1, "stop-color": colors.scrim, "stop-opacity": colors.scrimOpacity * 0.35 }),
      ),
    ),
    svgElement("rect", { width: THUMBNAIL.width, height: THUMBNAIL.height, fill: "url(#scrim)" }),
  ];
  const overlays: Overlay[] = [];

  let titleTop = MARGIN;
  if (card.subreddit) {
    const tagSize = 40;
    const tag = await fitLine({
      text: subredditLabel(card.subreddit),
      size: tagSize,
      width: width - 64,
      color: "#ffffff",
      weight: "bold",
    });
    const tagHeight = Math.round(tagSize * 1.8);
    const tagWidth = tag.layer.width + 2 * Math.round(tagSize * 0.7);
    svg.push(
      svgElement("rect", {
        x: MARGIN,
        y: MARGIN,
        width: tagWidth,
        height: tagHeight,
        rx: tagHeight / 2,
        fill: "#ff4500",
      }),
    );
    overlays.push({
      image: tag.layer.png,
      left: MARGIN + Math.round(tagSize * 0.7),
      top: MARGIN + Math.round((tagHeight - tag.layer.height) / 2),
    });
    titleTop += tagHeight + 36;
  }

  const style: TextStyle = { family: FONT_FAMILY, weight: "bold", color: colors.text, lineGap: 0.05, align: "left" };
  const maxHeight = THUMBNAIL.height - titleTop - MARGIN;
  const title = await fitText({ text: singleLine(card.title), style, sizes: TITLE_SIZES, width, maxHeight });
  const shadowText = await renderText(
    textOptions({ text: title.text, style: { ...style, color: colors.shadow }, size: title.size, width }),
  );
  const glow = await blurLayer(shadowText, title.size * 0.12);
  const glowPad = (glow.width - shadowText.width) / 2;
  const top = titleTop + Math.round((maxHeight - title.layer.height) / 2);
  const left = title.rtl ? MARGIN + width - title.layer.width : MARGIN;
  const offset = Math.max(3, Math.round(title.size * 0.05));
  overlays.push(
    { image: glow.png, left: left - glowPad, top: top - glowPad },
    { image: shadowText.png, left: left + offset, top: top + offset },
    { image: title.layer.png, left, top },
  );

  const base = { background, svg: svgDocument({ width: THUMBNAIL.width, height: THUMBNAIL.height, content: svg }) };
  for (const quality of [88, 80, 70, 60]) {
    const jpeg = await composeImage({
      base: base.background,
      overlays: [{ image: Buffer.from(base.svg), left: 0, top: 0 }, ...overlays],
      output: { type: "jpeg", quality },
    });
    if (jpeg.length < THUMBNAIL_MAX_BYTES) return jpeg;
  }
  throw new Error("thumbnail does not fit in 2 MB even at JPEG quality 60");
}
