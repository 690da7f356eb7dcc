import type { textCardSchema } from "@video-service/contracts";
import type { z } from "zod";
import type { CardLayout, Palette } from "./design.ts";
import { composePanelCard, contentBox, type PanelBlock, spacer } from "./panel.ts";
import { bodyBlock, fitLine, remainingHeight } from "./parts.ts";
import type { RawImage } from "./sharp.engine.ts";
import { svgElement } from "./svg.ts";

export type TextCard = z.infer<typeof textCardSchema>;

/** A page of the post's body, with "page i/n" and a progress bar when it is one of several. */
export async function drawTextCard({
  card,
  layout,
  palette,
  background,
}: {
  card: TextCard;
  layout: CardLayout;
  palette: Palette;
  background: RawImage;
}): Promise<Buffer> {
  const box = contentBox(layout);
  const footer = card.page ? await pageBlock({ page: card.page, layout, palette, box }) : undefined;
  const fixed = footer ? [spacer(layout.gap), footer] : [];
  const { block: body } = await bodyBlock({
    text: card.body,
    layout,
    palette,
    box,
    maxHeight: remainingHeight(layout, fixed),
  });
  return composePanelCard({ layout, palette, background, blocks: [body, ...fixed] });
}

async function pageBlock({
  page,
  layout,
  palette,
  box,
}: {
  page: { index: number; total: number };
  layout: CardLayout;
  palette: Palette;
  box: { left: number; width: number };
}): Promise<PanelBlock> {
  const total = Math.max(page.total, page.index);
  const label = await fitLine({
    text: `page ${page.index}/${total}`,
    size: layout.type.footer,
    width: box.width / 2,
    color: palette.muted,
    weight: "bold",
  });
  const height = Math.max(label.layer.height, layout.type.footer);
  const barHeight = Math.round(layout.type.footer * 0.3);
  const barWidth = box.width - label.layer.width - layout.gap;
  return {
    height,
    place: (top) => {
      const barTop = top + (height - barHeight) / 2;
      return {
        svg: [
          svgElement("rect", {
            x: box.left,
            y: barTop,
            width: barWidth,
            height: barHeight,
            rx: barHeight / 2,
            fill: palette.divider,
          }),
          svgElement("rect", {
            x: box.left,
            y: barTop,
            width: Math.max(barHeight, (barWidth * page.index) / total),
            height: barHeight,
            rx: barHeight / 2,
            fill: palette.accent,
          }),
        ],
        overlays: [
          {
            image: label.layer.png,
            left: box.left + box.width - label.layer.width,
            top: top + (height - label.layer.height) / 2,
          },
        ],
      };
    },
  };
}
