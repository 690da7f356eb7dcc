import type { CardSpec, Format, Theme } from "@video-service/contracts";
import type { Script, Story } from "../../script/index.ts";
import type { ImagegenClient } from "../pipeline.types.ts";

export interface VisualsOutput {
  /** Card image key per segment id. */
  cardKeys: Record<string, string>;
  thumbnailKey: string;
}

/** imagegen's limit of cards per request. */
// Small batches keep each request well inside the client's timeout on a 2-core task; the cache makes a retried batch cheap.
const MAX_CARDS_PER_REQUEST = 16;

/** Stage 4: every segment's card plus the thumbnail, in as few imagegen batches as its limit allows. */
export async function renderVisuals({
  script,
  story,
  format,
  theme,
  transparent = false,
  imagegen,
  signal,
  onProgress,
}: {
  script: Script;
  story: Story;
  format: Format;
  theme: Theme;
  /** The cards go over a library background: drawn with alpha, only the panel opaque. */
  transparent?: boolean;
  imagegen: ImagegenClient;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
}): Promise<VisualsOutput> {
  const thumbnail: CardSpec = {
    kind: "thumbnail",
    title: story.title.slice(0, 400),
    ...(story.subreddit ? { subreddit: story.subreddit } : {}),
  };
  const cards: CardSpec[] = [...script.segments.map((segment) => segment.card), thumbnail];
  // One background per story (not per job), so an identical story reuses every cached card.
  const backgroundSeed = (story.permalink ?? `${story.subreddit ?? ""}:${story.title}`).slice(0, 128);
  const keys: string[] = [];
  for (let start = 0; start < cards.length; start += MAX_CARDS_PER_REQUEST) {
    const batch = cards.slice(start, start + MAX_CARDS_PER_REQUEST);
    const response = await imagegen.renderCards(
      { format, theme, backgroundSeed, transparent, cards: batch },
      { signal },
    );
    if (response.cards.length !== batch.length) {
      throw new Error(`imagegen returned ${response.cards.length} cards for ${batch.length} requested`);
    }
    keys.push(...response.cards.map((card) => card.key));
    onProgress(keys.length / cards.length);
  }
  const cardKeys: Record<string, string> = {};
  script.segments.forEach((segment, index) => {
    cardKeys[segment.id] = keys[index] as string;
  });
  return { cardKeys, thumbnailKey: keys[keys.length - 1] as string };
}
