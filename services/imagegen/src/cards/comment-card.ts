import type { commentCardSchema } from "@video-service/contracts";
import type { z } from "zod";
import { type CardLayout, formatCount, type Palette } from "./design.ts";
import { composePanelCard, contentBox, spacer } from "./panel.ts";
import { bodyBlock, chipsBlock, headerBlock, remainingHeight, userLabel } from "./parts.ts";
import type { RawImage } from "./sharp.engine.ts";

export type CommentCard = z.infer<typeof commentCardSchema>;

/** A comment: the commenter and their points, the body, and the reply actions. */
export async function drawCommentCard({
  card,
  layout,
  palette,
  background,
}: {
  card: CommentCard;
  layout: CardLayout;
  palette: Palette;
  background: RawImage;
}): Promise<Buffer> {
  const box = contentBox(layout);
  const author = card.author ? userLabel(card.author) : "u/[deleted]";
  const header = await headerBlock({
    layout,
    palette,
    box,
    avatar: "person",
    avatarSeed: author,
    name: author,
    meta: card.score === undefined ? undefined : `${formatCount(card.score)} points`,
  });
  const footer = await chipsBlock({
    layout,
    palette,
    box,
    chips: [
      {
        icon: "upvote",
        highlighted: true,
        label: card.score === undefined ? "Vote" : formatCount(card.score),
        trailingIcon: "downvote",
      },
      { icon: "comment", label: "Reply" },
      { icon: "share", label: "Share" },
    ],
  });
  const fixed = [header, spacer(layout.gap), spacer(layout.gap), footer];
  const { block: body } = await bodyBlock({
    text: card.body,
    layout,
    palette,
    box,
    maxHeight: remainingHeight(layout, fixed),
  });
  return composePanelCard({
    layout,
    palette,
    background,
    blocks: [header, spacer(layout.gap), body, spacer(layout.gap), footer],
  });
}
