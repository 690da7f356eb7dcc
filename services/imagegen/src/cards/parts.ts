import { createHash } from "node:crypto";
import { type CardLayout, FONT_FAMILY, type Palette } from "./design.ts";
import { type ContentBox, type PanelBlock, textBlock } from "./panel.ts";
import type { TextLayer } from "./sharp.engine.ts";
import { type ICON_PATHS, icon, personAvatar, snooAvatar, svgElement } from "./svg.ts";
import { type FittedText, fitText, type TextStyle } from "./text-fit.ts";

/** Noto Sans capitals and digits stand 0.714 em tall. */
const CAP_HEIGHT = 0.714;

/** One line of text at one size, cut with an ellipsis when it is wider than `width`. */
export function fitLine({
  text,
  size,
  width,
  color,
  weight,
}: {
  text: string;
  size: number;
  width: number;
  color: string;
  weight: TextStyle["weight"];
}): Promise<FittedText> {
  return fitText({
    text: text.replace(/\s+/g, " ").trim(),
    style: { family: FONT_FAMILY, weight, color, lineGap: 0, align: "left" },
    sizes: [size],
    width,
    // Taller than any single line (emoji included), shorter than any two.
    maxHeight: Math.round(size * 1.7),
  });
}

/** "r/AskReddit" from "AskReddit", "r/AskReddit" or "/r/AskReddit". */
export function subredditLabel(name: string): string {
  return `r/${name.trim().replace(/^\/?r\//i, "")}`;
}

/** "u/name" from "name", "u/name" or "/u/name". */
export function userLabel(name: string): string {
  return `u/${name.trim().replace(/^\/?u\//i, "")}`;
}

/** A stable, pleasant avatar colour for a user name. */
export function avatarColor(name: string): string {
  const hue = createHash("sha256").update(name).digest().readUInt16LE(0) % 360;
  return `hsl(${hue}, 62%, 48%)`;
}

export interface HeaderOptions {
  layout: CardLayout;
  palette: Palette;
  box: ContentBox;
  avatar: "subreddit" | "person";
  avatarSeed: string;
  /** Bold first line. */
  name: string;
  /** Muted second line. */
  meta?: string | undefined;
}

/** The avatar with a name and a muted line beside it. */
export async function headerBlock({
  layout,
  palette,
  box,
  avatar,
  avatarSeed,
  name,
  meta,
}: HeaderOptions): Promise<PanelBlock> {
  const size = layout.avatar;
  const gap = Math.round(size * 0.3);
  const textLeft = box.left + size + gap;
  const textWidth = box.width - size - gap;
  const nameLine = await fitLine({
    text: name,
    size: layout.type.name,
    width: textWidth,
    color: palette.title,
    weight: "bold",
  });
  const metaLine = meta
    ? await fitLine({ text: meta, size: layout.type.meta, width: textWidth, color: palette.muted, weight: "regular" })
    : undefined;
  const lineGap = Math.round(layout.type.meta * 0.35);
  const textHeight = nameLine.layer.height + (metaLine ? lineGap + metaLine.layer.height : 0);
  const height = Math.max(size, textHeight);
  return {
    height,
    place: (top) => {
      const cx = box.left + size / 2;
      const cy = top + height / 2;
      const disc =
        avatar === "subreddit"
          ? snooAvatar({ cx, cy, size, color: palette.accent })
          : personAvatar({ cx, cy, size, color: avatarColor(avatarSeed) });
      const nameTop = top + Math.round((height - textHeight) / 2);
      const overlays = [{ image: nameLine.layer.png, left: textLeft, top: nameTop }];
      if (metaLine)
        overlays.push({ image: metaLine.layer.png, left: textLeft, top: nameTop + nameLine.layer.height + lineGap });
      return { svg: [disc], overlays };
    },
  };
}

export interface Chip {
  icon: keyof typeof ICON_PATHS;
  /** Filled in the accent colour (an upvoted arrow). */
  highlighted?: boolean;
  label: string;
  /** An icon after the label (the downvote arrow beside a score). */
  trailingIcon?: keyof typeof ICON_PATHS;
}

/** Reddit's row of actions: rounded chips with an icon and a count. */
export async function chipsBlock({
  layout,
  palette,
  box,
  chips,
}: {
  layout: CardLayout;
  palette: Palette;
  box: ContentBox;
  chips: readonly Chip[];
}): Promise<PanelBlock> {
  const size = layout.type.footer;
  const chipHeight = Math.round(size * 2);
  const padding = Math.round(size * 0.6);
  const iconSize = Math.round(size * 1.15);
  const innerGap = Math.round(size * 0.35);
  const chipGap = Math.round(size * 0.5);
  const labels: TextLayer[] = [];
  for (const chip of chips) {
    const fitted = await fitLine({
      text: chip.label,
      size,
      width: box.width / 2,
      color: palette.muted,
      weight: "bold",
    });
    labels.push(fitted.layer);
  }
  return {
    height: chipHeight,
    place: (top) => {
      const svg: string[] = [];
      const overlays = [];
      let x = box.left;
      for (const [index, chip] of chips.entries()) {
        const label = labels[index];
        if (!label) continue;
        const width = padding * 2 + iconSize + innerGap + label.width + (chip.trailingIcon ? innerGap + iconSize : 0);
        if (x + width > box.left + box.width) break;
        svg.push(svgElement("rect", { x, y: top, width, height: chipHeight, rx: chipHeight / 2, fill: palette.chip }));
        const iconTop = top + (chipHeight - iconSize) / 2;
        const highlighted = chip.highlighted === true;
        svg.push(
          icon({
            name: chip.icon,
            x: x + padding,
            y: iconTop,
            size: iconSize,
            color: highlighted ? palette.upvote : palette.muted,
            filled: highlighted,
          }),
        );
        const labelLeft = x + padding + iconSize + innerGap;
        // Centre the cap height, not the ink box, so "Reply" (a descender) lines up with "1.2k".
        overlays.push({
          image: label.png,
          left: labelLeft,
          top: top + Math.round((chipHeight - size * CAP_HEIGHT) / 2),
        });
        if (chip.trailingIcon) {
          svg.push(
            icon({
              name: chip.trailingIcon,
              x: labelLeft + label.width + innerGap,
              y: iconTop,
              size: iconSize,
              color: palette.muted,
              filled: false,
            }),
          );
        }
        x += width + chipGap;
      }
      return { svg, overlays };
    },
  };
}

/** Body text fitted to the height left in the panel. */
export async function bodyBlock({
  text,
  layout,
  palette,
  box,
  maxHeight,
  sizes,
  weight,
  color,
  lineGap,
}: {
  text: string;
  layout: CardLayout;
  palette: Palette;
  box: ContentBox;
  maxHeight: number;
  sizes?: readonly number[];
  weight?: TextStyle["weight"];
  color?: string;
  /** Extra space between lines, as a fraction of the font size. */
  lineGap?: number;
}): Promise<{ block: PanelBlock; fitted: FittedText }> {
  const fitted = await fitText({
    text,
    style: {
      family: FONT_FAMILY,
      weight: weight ?? "regular",
      color: color ?? palette.text,
      lineGap: lineGap ?? 0.12,
      align: "left",
    },
    sizes: sizes ?? layout.type.body,
    width: box.width,
    maxHeight,
  });
  return { block: textBlock({ layer: fitted.layer, box, rtl: fitted.rtl }), fitted };
}

/** Room left for a block of text once the other blocks and the panel's padding are placed. */
export function remainingHeight(layout: CardLayout, used: readonly PanelBlock[]): number {
  const available = layout.panel.bottom - layout.panel.top - 2 * layout.panel.padding;
  return available - used.reduce((sum, block) => sum + block.height, 0);
}
