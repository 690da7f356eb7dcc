import type { Format } from "@video-service/contracts";
import type { YoutubePublishRequest } from "../jobs/video-request.types.ts";
import type { Story } from "../script/index.ts";

/** The `video` resource sent with videos.insert (`part=snippet,status`). */
export interface YoutubeVideoResource {
  snippet: {
    title: string;
    description: string;
    tags: string[];
    categoryId: string;
    defaultLanguage?: string;
    defaultAudioLanguage?: string;
  };
  status: {
    privacyStatus: "private" | "unlisted" | "public";
    publishAt?: string;
    selfDeclaredMadeForKids: boolean;
    containsSyntheticMedia: boolean;
  };
}

export const TITLE_MAX = 100;
export const DESCRIPTION_MAX = 5000;
export const TAGS_MAX = 500;
const SHORTS_TAG = "#Shorts";

/** YouTube refuses `<` and `>` in titles and descriptions; control characters make no sense there either. */
function clean(text: string): string {
  return text
    .replace(/[<>]/g, "")
    .replace(/\p{Cc}/gu, (char) => (char === "\n" || char === "\t" ? char : ""))
    .trim();
}

/** Cuts at the last word boundary that fits, with an ellipsis; never mid-word unless one word is too long. */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - 1);
  const space = room.search(/\s\S*$/);
  const cut = space > max / 2 ? room.slice(0, space) : room;
  return `${cut.replace(/[\s.,;:!?-]+$/, "")}…`;
}

/**
 * Tags as YouTube counts them: the total of the tags' lengths, a tag with a space counting its two
 * quotes, plus the commas between them, must not exceed 500. Tags that would pass it are dropped.
 */
export function fitTags(tags: readonly string[]): string[] {
  const kept: string[] = [];
  let total = 0;
  const seen = new Set<string>();
  for (const raw of tags) {
    const tag = clean(raw).replace(/,/g, " ").replace(/\s+/g, " ").trim();
    if (!tag || seen.has(tag.toLowerCase())) continue;
    const cost = tag.length + (tag.includes(" ") ? 2 : 0) + (kept.length > 0 ? 1 : 0);
    if (total + cost > TAGS_MAX) continue;
    seen.add(tag.toLowerCase());
    kept.push(tag);
    total += cost;
  }
  return kept;
}

/** The credit of a Reddit story: subreddit, author and a link back to the post. */
export function creditLine(story: Story): string | undefined {
  const parts: string[] = [];
  if (story.subreddit) parts.push(`r/${story.subreddit}`);
  if (story.author) parts.push(`posted by u/${story.author}`);
  let line = parts.length > 0 ? `Story from ${parts.join(", ")}` : undefined;
  if (story.permalink) {
    const url = /^https?:\/\//.test(story.permalink) ? story.permalink : `https://www.reddit.com${story.permalink}`;
    line = `${line ?? "Source"}: ${url}`;
  }
  return line;
}

const hasShortsTag = (text: string) => /#shorts\b/i.test(text);

/**
 * The metadata of the upload: the request's overrides (`publish.youtube`) over what the story gives.
 * Title ≤ 100 characters cut at a word, description ≤ 5000 with the credit line, tags ≤ 500 in all,
 * `#Shorts` in the description of a short (unless the title or description has it already), and
 * always `selfDeclaredMadeForKids` and `containsSyntheticMedia` (the narration is a synthetic voice).
 */
export function buildVideoResource({
  story,
  format,
  request,
  defaultCategoryId,
  mediaCredits = [],
  now = new Date(),
}: {
  story: Story;
  format: Format;
  request: YoutubePublishRequest;
  defaultCategoryId: string;
  /** "Background: … (credit)", "Music: … (credit)": the library items used; kept whatever the cut. */
  mediaCredits?: readonly string[];
  now?: Date;
}): YoutubeVideoResource {
  const title = cutAtWord(clean(request.title ?? story.title).replace(/\s+/g, " "), TITLE_MAX) || "Untitled story";
  const credit = creditLine(story);
  // The source's own description (Reddit: the credit line), else the title and the credit.
  const storyDescription = "description" in story && typeof story.description === "string" ? story.description : "";
  const body = clean(
    request.description ??
      (storyDescription.trim()
        ? storyDescription
        : [clean(story.title), credit, "Narrated with a synthetic voice."].filter(Boolean).join("\n\n")),
  );
  // A description given in the request still credits the source; a short gets #Shorts. Both survive the cut.
  const suffixes: string[] = [];
  if (request.description !== undefined && credit && !body.includes(credit)) suffixes.push(clean(credit));
  const mediaLines = mediaCredits.map(clean).filter((line) => line && !body.includes(line));
  if (mediaLines.length > 0) suffixes.push(mediaLines.join("\n"));
  if (format === "short" && !hasShortsTag(title) && !hasShortsTag(body)) suffixes.push(SHORTS_TAG);
  const room = DESCRIPTION_MAX - suffixes.reduce((sum, suffix) => sum + suffix.length + 2, 0);
  const description = [cutAtWord(body, room), ...suffixes].filter(Boolean).join("\n\n");

  const defaultTags = ["reddit stories", story.subreddit ? `r/${story.subreddit}` : undefined, story.subreddit]
    .concat(format === "short" ? ["shorts"] : [])
    .filter((tag): tag is string => Boolean(tag));
  const tags = fitTags(request.tags ?? defaultTags);

  const status: YoutubeVideoResource["status"] = {
    privacyStatus: request.privacy,
    selfDeclaredMadeForKids: request.madeForKids,
    containsSyntheticMedia: true,
  };
  // publishAt only works on private videos (it makes them public at that time); a past time is dropped.
  if (request.publishAt && request.privacy === "private" && Date.parse(request.publishAt) > now.getTime()) {
    status.publishAt = new Date(request.publishAt).toISOString();
  }
  return {
    snippet: { title, description, tags, categoryId: request.categoryId ?? defaultCategoryId },
    status,
  };
}
