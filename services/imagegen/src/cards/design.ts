import { FORMATS, type Format, type Theme } from "@video-service/contracts";

/** Colours of a theme, after Reddit's own light and dark palettes. */
export interface Palette {
  panel: string;
  panelBorder: string;
  /** Opacity of the panel's drop shadow. */
  shadowOpacity: number;
  title: string;
  text: string;
  muted: string;
  divider: string;
  /** Background of the footer's action chips. */
  chip: string;
  accent: string;
  upvote: string;
}

export const PALETTES: Readonly<Record<Theme, Palette>> = {
  dark: {
    panel: "#1a1a1b",
    panelBorder: "#343536",
    shadowOpacity: 0.55,
    title: "#f2f4f5",
    text: "#d7dadc",
    muted: "#959799",
    divider: "#343536",
    chip: "#272729",
    accent: "#ff4500",
    upvote: "#ff4500",
  },
  light: {
    panel: "#ffffff",
    panelBorder: "#e6e8ea",
    shadowOpacity: 0.28,
    title: "#1a1a1b",
    text: "#1c1c1d",
    muted: "#6b6e70",
    divider: "#e6e8ea",
    chip: "#f0f2f4",
    accent: "#ff4500",
    upvote: "#ff4500",
  },
};

export const FONT_FAMILY = "Noto Sans";

/** Where a panel may sit on a full-frame card, and the sizes of the type in it (pixels). */
export interface CardLayout {
  width: number;
  height: number;
  panel: { left: number; width: number; top: number; bottom: number; padding: number; radius: number };
  type: {
    title: readonly number[];
    body: readonly number[];
    name: number;
    meta: number;
    footer: number;
  };
  /** Avatar (subreddit icon, commenter) diameter. */
  avatar: number;
  /** Vertical gap between the panel's blocks. */
  gap: number;
}

/**
 * The renderer burns captions into the lower part of the frame (about 22 % of a 9:16 frame, 18 %
 * of 16:9), so panels end above it. The top of a Short is covered by the player's UI, so panels
 * start below it. Body text never goes below ~38 px on a 1080-pixel-wide frame: readable on a phone.
 */
export function cardLayout(format: Format): CardLayout {
  const { width, height } = FORMATS[format];
  if (height > width) {
    const captionTop = Math.floor(height * 0.78);
    return {
      width,
      height,
      panel: { left: 56, width: width - 112, top: 150, bottom: captionTop - 40, padding: 52, radius: 36 },
      type: { title: [66, 60, 54, 48, 44], body: [52, 48, 44, 40], name: 36, meta: 30, footer: 32 },
      avatar: 84,
      gap: 32,
    };
  }
  const captionTop = Math.floor(height * 0.82);
  const panelWidth = Math.round(width * 0.74);
  return {
    width,
    height,
    panel: {
      left: Math.round((width - panelWidth) / 2),
      width: panelWidth,
      top: 56,
      bottom: captionTop - 32,
      padding: 48,
      radius: 30,
    },
    type: { title: [60, 54, 48, 44, 40], body: [46, 42, 38, 34], name: 32, meta: 27, footer: 28 },
    avatar: 72,
    gap: 26,
  };
}

/** The YouTube thumbnail's canvas, whatever the video format. */
export const THUMBNAIL = { width: 1280, height: 720 } as const;

/** "12.3k", "1.2M": scores and comment counts as Reddit shows them. */
export function formatCount(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  if (abs < 1000) return `${sign}${abs}`;
  const [divisor, unit] = abs < 1_000_000 ? [1000, "k"] : abs < 1_000_000_000 ? [1_000_000, "M"] : [1_000_000_000, "B"];
  const scaled = abs / divisor;
  const text =
    scaled >= 100 ? Math.floor(scaled).toString() : (Math.floor(scaled * 10) / 10).toFixed(1).replace(/\.0$/, "");
  return `${sign}${text}${unit}`;
}
