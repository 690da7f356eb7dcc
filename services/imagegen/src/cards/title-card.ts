import type { titleCardSchema } from "@video-service/contracts";
import type { z } from "zod";
import { type CardLayout, formatCount, type Palette } from "./design.ts";
import { composePanelCard, contentBox, spacer } from "./panel.ts";
import { bodyBlock, type Chip, chipsBlock, headerBlock, remainingHeight, subredditLabel, userLabel } from "./parts.ts";
import type { RawImage } from "./sharp.engine.ts";
import { singleLine } from "./text-fit.ts";

export type TitleCard = z.infer<typeof titleCardSchema>;

/** The post as Reddit shows it: subreddit and author, the title in bold, votes and comments. */
export async function drawTitleCard({
  card,
  layout,
  palette,
  background,
}: {
  card: TitleCard;
  layout: CardLayout;
  palette: Palette;
  background: RawImage;
}): Promise<Buffer> {
  const box = contentBox(layout);
  const header = await headerBlock({
    layout,
    palette,
    box,
    avatar: "subreddit",
    avatarSeed: card.subreddit ?? "",
    name: card.subreddit ? subredditLabel(card.subreddit) : "Story time",
    meta: card.author ? `Posted by ${userLabel(card.author)}` : undefined,
  });
  const chips: Chip[] = [
    {
      icon: "upvote",
      highlighted: true,
      label: card.score === undefined ? "Vote" : formatCount(card.score),
      trailingIcon: "downvote",
    },
    { icon: "comment", label: card.comments === undefined ? "Comments" : `${formatCount(card.comments)} Comments` },
    { icon: "share", label: "Share" },
  ];
  const footer = await chipsBlock({ layout, palette, box, chips });
  const fixed = [header, spacer(layout.gap), spacer(layout.gap), footer];
  const { block: title } = await bodyBlock({
    text: singleLine(card.title),
    layout,
    palette,
    box,
    maxHeight: remainingHeight(layout, fixed),
    sizes: layout.type.title,
    weight: "bold",
    color: palette.title,
    lineGap: 0.02,
  });
  return composePanelCard({
    layout,
    palette,
    background,
    blocks: [header, spacer(layout.gap), title, spacer(layout.gap), footer],
  });
}
