import type { CardSpec, Format } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import { renderBackground } from "../src/cards/background.ts";
import { cardLayout, FONT_FAMILY } from "../src/cards/design.ts";
import { cardCanvas, renderCard } from "../src/cards/render-card.ts";
import { composeImage, inkStats, rasterizeSvg, readImageInfo, readPixel } from "../src/cards/sharp.engine.ts";
import { svgDocument, svgElement } from "../src/cards/svg.ts";
import { ELLIPSIS, fitText, type TextStyle } from "../src/cards/text-fit.ts";
import { THUMBNAIL_MAX_BYTES } from "../src/cards/thumbnail-card.ts";
import { cardContext } from "./helpers.ts";

const LOREM =
  "So this happened yesterday. I work at a mid-sized accounting firm and we have quarterly reviews coming up, " +
  "and I had two files open with nearly identical names. One of them was the report. The other one was not. ";

const CARDS: Record<Exclude<CardSpec["kind"], "thumbnail">, CardSpec> = {
  title: {
    kind: "title",
    title: "TIFU by sending my boss fan fiction 😳",
    subreddit: "tifu",
    author: "someone",
    score: 48_213,
    comments: 3120,
  },
  comment: {
    kind: "comment",
    author: "SomeRedditor",
    score: 1234,
    body: "This is the most chaotic thing I've read all week.",
  },
  text: { kind: "text", body: LOREM, page: { index: 2, total: 5 } },
  background: { kind: "background", seed: "abc" },
};

describe.each(["short", "standard"] as const satisfies readonly Format[])("%s cards", (format) => {
  it.each(Object.keys(CARDS) as (keyof typeof CARDS)[])("%s is a full-frame PNG at the canvas size", async (kind) => {
    const image = await renderCard(CARDS[kind], cardContext(format, "dark"));
    const info = await readImageInfo(image.data);
    const canvas = cardCanvas(kind, format);
    expect({ format: info.format, width: info.width, height: info.height }).toEqual({
      format: "png",
      width: canvas.width,
      height: canvas.height,
    });
    expect(canvas.width).toBe(format === "short" ? 1080 : 1920);
    expect(image).toMatchObject({ width: canvas.width, height: canvas.height, contentType: "image/png" });
  });
});

describe("thumbnail", () => {
  it("is a 1280×720 JPEG under 2 MB, even for a long title with emoji", async () => {
    const card: CardSpec = {
      kind: "thumbnail",
      title: `${"Unbelievable twist 🤯 ".repeat(25)}`,
      subreddit: "AskReddit",
    };
    const image = await renderCard(card, cardContext("short", "light"));
    expect(await readImageInfo(image.data)).toMatchObject({ format: "jpeg", width: 1280, height: 720 });
    expect(image.data.length).toBeLessThan(THUMBNAIL_MAX_BYTES);
    expect(image.contentType).toBe("image/jpeg");
  });
});

describe("themes", () => {
  it("paint the panel in different colours (dark: near black, light: white)", async () => {
    const card = CARDS.comment;
    const { panel } = cardLayout("standard");
    // Inside the panel's left padding, at the middle of the space the panel is centred in: always panel fill.
    const x = panel.left + Math.round(panel.padding / 2);
    const y = Math.round((panel.top + panel.bottom) / 2);
    const dark = await readPixel((await renderCard(card, cardContext("standard", "dark"))).data, x, y);
    const light = await readPixel((await renderCard(card, cardContext("standard", "light"))).data, x, y);
    expect(Math.max(...dark.slice(0, 3))).toBeLessThan(50);
    expect(Math.min(...light.slice(0, 3))).toBeGreaterThan(230);
  });
});

describe("transparent cards (laid over a library background)", () => {
  it.each(["title", "comment", "text"] as const)(
    "%s: clear outside the panel, opaque inside, RGBA PNG",
    async (kind) => {
      const { panel } = cardLayout("short");
      const context = { ...cardContext("short", "dark"), transparent: true };
      const image = await renderCard(CARDS[kind], context);
      const info = await readImageInfo(image.data);
      expect({ format: info.format, width: info.width, height: info.height, channels: info.channels }).toEqual({
        format: "png",
        width: 1080,
        height: 1920,
        channels: 4,
      });
      // A corner and the caption zone are fully transparent; the panel's padding is solid panel colour.
      expect((await readPixel(image.data, 5, 5))[3]).toBe(0);
      expect((await readPixel(image.data, 540, 1900))[3]).toBe(0);
      const inside = await readPixel(
        image.data,
        panel.left + Math.round(panel.padding / 2),
        Math.round((panel.top + panel.bottom) / 2),
      );
      expect(inside[3]).toBe(255);
      expect(Math.max(...inside.slice(0, 3))).toBeLessThan(50);
    },
  );
});

describe("caption zone", () => {
  it("stays clear of the panel even when the text is far too long for it", async () => {
    const seed = "caption-zone";
    const card: CardSpec = { kind: "comment", author: "someone", score: 1, body: LOREM.repeat(40) };
    const full = await renderCard(card, cardContext("short", "dark", seed));
    const backdrop = await renderCard({ kind: "background", seed }, cardContext("short", "dark", seed));
    const { panel } = cardLayout("short");
    const at = (png: Buffer, x: number, y: number) => readPixel(png, x, y);
    // Inside the caption zone (lower 22 %) the card is exactly the background...
    for (const x of [100, 540, 980]) {
      for (const y of [1620, 1900]) expect(await at(full.data, x, y)).toEqual(await at(backdrop.data, x, y));
    }
    // ...while the panel above it is not.
    expect(await at(full.data, 540, panel.top + 400)).not.toEqual(await at(backdrop.data, 540, panel.top + 400));
  });
});

describe("background", () => {
  const size = { width: 270, height: 480 };
  const pixels = async (seed: string) => {
    const image = await renderBackground({ seed, theme: "dark", ...size });
    return composeImage({ base: image, overlays: [], output: { type: "png" } });
  };

  it("is the same image for the same seed and differs across seeds", async () => {
    const [a, again, b] = await Promise.all([pixels("seed-a"), pixels("seed-a"), pixels("seed-b")]);
    expect(a.equals(again)).toBe(true);
    expect(a.equals(b)).toBe(false);
    const points = [
      [20, 20],
      [135, 240],
      [250, 460],
    ] as const;
    const colours = async (png: Buffer) => Promise.all(points.map(([x, y]) => readPixel(png, x, y)));
    expect(await colours(a)).not.toEqual(await colours(b));
  });
});

describe("text layout", () => {
  const style: TextStyle = { family: FONT_FAMILY, weight: "regular", color: "#ffffff", lineGap: 0.12, align: "left" };
  const fit = (text: string, maxHeight = 2000) => fitText({ text, style, sizes: [40], width: 600, maxHeight });

  it("wraps a longer text onto more lines", async () => {
    const short = await fit("A short line.");
    const long = await fit(LOREM);
    expect(short.truncated).toBe(false);
    expect(long.truncated).toBe(false);
    expect(long.layer.height).toBeGreaterThan(short.layer.height * 3);
    expect(long.layer.width).toBeLessThanOrEqual(600);
  });

  it("steps down the size ladder before truncating", async () => {
    const fitted = await fitText({ text: LOREM, style, sizes: [80, 40], width: 600, maxHeight: 700 });
    expect(fitted).toMatchObject({ size: 40, truncated: false });
  });

  it("cuts an over-long text at a word boundary with an ellipsis, and it fits", async () => {
    const text = LOREM.repeat(20);
    const fitted = await fit(text, 400);
    expect(fitted.truncated).toBe(true);
    expect(fitted.layer.height).toBeLessThanOrEqual(400);
    expect(fitted.text.endsWith(ELLIPSIS)).toBe(true);
    const kept = fitted.text.slice(0, -ELLIPSIS.length);
    expect(text.startsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(100);
    // The cut falls after a whole word: the original continues with a space or punctuation.
    expect(text.charAt(kept.length)).toMatch(/[\s.,]/);
    // And nearly fills the box: one more word would not have fitted.
    expect(fitted.layer.height).toBeGreaterThan(400 - 2 * 40 * 1.5);
  });

  it("cuts inside a word too long to keep whole (a long user name) rather than dropping it", async () => {
    const name = `u/${"a_very_long_user_name".repeat(6)}`;
    const fitted = await fitText({ text: name, style, sizes: [40], width: 600, maxHeight: 68 });
    expect(fitted.truncated).toBe(true);
    expect(fitted.text.endsWith(ELLIPSIS)).toBe(true);
    expect(fitted.text.length).toBeGreaterThan(15);
    expect(name.startsWith(fitted.text.slice(0, -ELLIPSIS.length))).toBe(true);
    expect(fitted.layer.height).toBeLessThanOrEqual(68);
  });

  it.each([
    ["emoji", "Party time 🎉😀🔥 with friends 👨‍👩‍👧"],
    ["CJK", "今日は本当に長い一日でした。仕事の後で友達と一緒に晩ご飯を食べに行きました。"],
    ["RTL", "שלום עולם, זהו טקסט ארוך בעברית. مرحبا بالعالم"],
    ["a very long word", `Supercalifragilistic${"a".repeat(300)}`],
    ["markup-like text", `</text><image href="file:///etc/passwd"/> & <b>not bold</b>`],
  ])("renders %s as a non-empty layer that stays within the width", async (_name, text) => {
    const fitted = await fit(text, 600);
    const ink = await inkStats(fitted.layer.png);
    expect(fitted.layer.width).toBeGreaterThan(40);
    expect(fitted.layer.width).toBeLessThanOrEqual(610);
    expect(fitted.layer.height).toBeGreaterThan(30);
    expect(fitted.layer.height).toBeLessThanOrEqual(600);
    expect(ink.opaque).toBeGreaterThan(500);
  });

  it("marks right-to-left text, breaks a giant word over several lines, and draws emoji in colour", async () => {
    expect((await fit("שלום עולם")).rtl).toBe(true);
    expect((await fit("Hello שלום")).rtl).toBe(false);
    const word = await fit("x".repeat(200));
    expect(word.layer.height).toBeGreaterThan(100);
    const emoji = await inkStats((await fit("😀🎉🔥")).layer.png);
    const plain = await inkStats((await fit("abc")).layer.png);
    expect(emoji.colourful).toBeGreaterThan(200);
    expect(plain.colourful).toBe(0);
  });

  it("draws hostile markup literally: as wide as its visible characters, not an element", async () => {
    const hostile = await fit(`</text><image href="file:///etc/passwd"/>`);
    const inner = await fit("file:///etc/passwd");
    expect(hostile.text).toBe(`</text><image href="file:///etc/passwd"/>`);
    expect(hostile.layer.width).toBeGreaterThan(inner.layer.width * 1.5);
  });
});

describe("hostile text on cards", () => {
  it("renders a title card whose every field is hostile", async () => {
    const hostile = `</span></text><image href="file:///etc/passwd"/><script>alert(1)</script>&amp;'"`;
    const card: CardSpec = {
      kind: "title",
      title: hostile,
      subreddit: hostile.slice(0, 60),
      author: hostile.slice(0, 60),
    };
    const image = await renderCard(card, cardContext("short", "dark", hostile));
    expect(await readImageInfo(image.data)).toMatchObject({ format: "png", width: 1080, height: 1920 });
  });

  it("keeps SVG attribute values inert", async () => {
    const svg = svgDocument({
      width: 10,
      height: 10,
      content: [
        svgElement("rect", { width: 10, height: 10, fill: `#ff0000"/><image href="file:///etc/passwd"/><x y="` }),
      ],
    });
    expect(svg).not.toContain("<image");
    const image = await rasterizeSvg(svg);
    expect(image).toMatchObject({ width: 10, height: 10 });
  });
});
