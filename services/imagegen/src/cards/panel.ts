import type { CardLayout, Palette } from "./design.ts";
import { composeImage, type Overlay, type RawImage, rasterizeSvg, type TextLayer } from "./sharp.engine.ts";
import { svgDocument, svgElement } from "./svg.ts";

/** What a block adds to the card once its position is known. */
export interface Placed {
  svg: string[];
  overlays: Overlay[];
}

/** A horizontal slice of a panel: its height, and how to draw it once its top edge is known. */
export interface PanelBlock {
  height: number;
  place: (top: number) => Placed;
}

/** The box a panel's content is laid out in. */
export interface ContentBox {
  left: number;
  width: number;
}

export function contentBox(layout: CardLayout): ContentBox {
  return { left: layout.panel.left + layout.panel.padding, width: layout.panel.width - 2 * layout.panel.padding };
}

/** A text layer as a block, aligned left (or right, for right-to-left text) in the content box. */
export function textBlock({ layer, box, rtl }: { layer: TextLayer; box: ContentBox; rtl: boolean }): PanelBlock {
  return {
    height: layer.height,
    place: (top) => ({
      svg: [],
      overlays: [{ image: layer.png, left: rtl ? box.left + box.width - layer.width : box.left, top }],
    }),
  };
}

/** Empty space between blocks. */
export function spacer(height: number): PanelBlock {
  return { height, place: () => ({ svg: [], overlays: [] }) };
}

export interface PanelCardOptions {
  layout: CardLayout;
  palette: Palette;
  background: RawImage;
  blocks: readonly PanelBlock[];
}

/**
 * A full-frame card: the background, a rounded panel with a soft shadow centred in the space above
 * the caption zone, and the blocks stacked inside it. Encoded once, as PNG.
 */
export async function composePanelCard({ layout, palette, background, blocks }: PanelCardOptions): Promise<Buffer> {
  const { panel } = layout;
  const contentHeight = blocks.reduce((sum, block) => sum + block.height, 0);
  const panelHeight = Math.min(panel.bottom - panel.top, contentHeight + 2 * panel.padding);
  const panelTop = Math.round(panel.top + (panel.bottom - panel.top - panelHeight) / 2);

  const placed: Placed[] = [];
  let top = panelTop + panel.padding;
  for (const block of blocks) {
    placed.push(block.place(top));
    top += block.height;
  }

  // Only the panel's own rectangle is rasterised: the rest of the canvas is the background.
  const frame = await rasterizeSvg(
    svgDocument({
      width: panel.width,
      height: panelHeight,
      content: [
        svgElement(
          "g",
          { transform: `translate(${-panel.left} ${-panelTop})` },
          [
            svgElement("rect", {
              x: panel.left + 1,
              y: panelTop + 1,
              width: panel.width - 2,
              height: panelHeight - 2,
              rx: panel.radius,
              fill: palette.panel,
              stroke: palette.panelBorder,
              "stroke-width": 2,
            }),
            ...placed.flatMap((p) => p.svg),
          ].join(""),
        ),
      ],
    }),
  );
  const shadow = await panelShadow({ layout, palette, top: panelTop, height: panelHeight });
  return composeImage({
    base: background,
    overlays: [shadow, { image: frame, left: panel.left, top: panelTop }, ...placed.flatMap((p) => p.overlays)],
    output: { type: "png" },
  });
}

/** Shadows are blurry: drawn at a quarter of the size and scaled up, so the blur costs 1/16. */
const SHADOW_SCALE = 4;

/** A soft drop shadow under the panel, as an overlay covering only the panel and its blur. */
async function panelShadow({
  layout,
  palette,
  top,
  height,
}: {
  layout: CardLayout;
  palette: Palette;
  top: number;
  height: number;
}): Promise<Overlay> {
  const { panel } = layout;
  const blur = Math.round(panel.radius * 0.8);
  const margin = blur * 3;
  const width = panel.width + 2 * margin;
  const fullHeight = height + 2 * margin;
  const svg = svgElement(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width: Math.ceil(width / SHADOW_SCALE),
      height: Math.ceil(fullHeight / SHADOW_SCALE),
      viewBox: `0 0 ${width} ${fullHeight}`,
    },
    svgElement(
      "defs",
      {},
      svgElement(
        "filter",
        { id: "blur", x: "-20%", y: "-20%", width: "140%", height: "140%" },
        svgElement("feGaussianBlur", { stdDeviation: blur }),
      ),
    ) +
      svgElement("rect", {
        x: margin,
        y: margin + blur / 2,
        width: panel.width,
        height,
        rx: panel.radius,
        fill: "#000000",
        "fill-opacity": palette.shadowOpacity,
        filter: "url(#blur)",
      }),
  );
  const image = await rasterizeSvg(svg, { width, height: fullHeight });
  return { image, left: panel.left - margin, top: top - margin };
}
