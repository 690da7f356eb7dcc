import { type Story, toCardText, toSpeakableText } from "../script/index.ts";
import type { RedditComment, RedditPost } from "./reddit.types.ts";

export const DEFAULT_MAX_COMMENT_CHARS = 600;

export interface StoryOptions {
  /** At most this many comments (the script stage then fits them to the format's duration budget). */
  maxComments: number;
  /** Longer comments (as the card shows them, Markdown removed) are skipped; default 600. */
  maxCommentChars?: number;
}

/** Accounts that post automatically: AutoModerator and names ending in "bot" ("RemindMeBot", "some-bot", "x_bot"). */
export function isBotAuthor(author: string): boolean {
  return /^automoderator$/i.test(author) || /bot$/i.test(author);
}

/** Why a comment is not told, or undefined when it may be. */
export function commentSkipReason(comment: RedditComment, maxCommentChars: number): string | undefined {
  if (comment.deleted) return "deleted";
  if (comment.removed) return "removed";
  if (comment.stickied) return "stickied";
  if (comment.distinguished) return `distinguished (${comment.distinguished})`;
  if (isBotAuthor(comment.author)) return "bot";
  const card = toCardText(comment.body);
  if (card.length > maxCommentChars) return "too long";
  if (toSpeakableText(comment.body) === "") return "nothing to say";
  return undefined;
}

/**
 * The comments worth telling, best first: deleted, removed, stickied, distinguished (moderators
 * and admins), bot and over-length comments skipped, and ones with nothing speakable (only emoji
 * or an image); sorted by score, highest first (stable for equal scores); at most maxComments.
 */
export function selectComments(comments: RedditComment[], o: StoryOptions): RedditComment[] {
  const maxChars = o.maxCommentChars ?? DEFAULT_MAX_COMMENT_CHARS;
  return comments
    .filter((comment) => commentSkipReason(comment, maxChars) === undefined)
    .map((comment, index) => ({ comment, index }))
    .sort((a, b) => b.comment.score - a.comment.score || a.index - b.index)
    .slice(0, Math.max(0, o.maxComments))
    .map(({ comment }) => comment);
}

/**
 * A Story from a post and its comments. Title, body and comments keep the author's wording
 * (cards show it; the script stage derives the speech with toSpeakableText); a link post's body
 * is left out (nothing to read), as is a removed or deleted body.
 */
export function storyFromReddit(post: RedditPost, comments: RedditComment[], o: StoryOptions): Story {
  const story: Story = {
    title: post.title,
    comments: selectComments(comments, o).map((comment) => ({
      author: comment.author,
      body: comment.body,
      score: comment.score,
    })),
    subreddit: post.subreddit,
    author: post.author,
    score: post.score,
    commentCount: post.numComments,
    permalink: post.permalink,
  };
  const body = post.selftext.trim();
  if (body !== "" && body !== "[removed]" && body !== "[deleted]") story.body = post.selftext;
  return story;
}

/** The credit for a video description: "Story from r/tifu by u/name: https://www.reddit.com/r/tifu/comments/…". */
export function creditLine(post: RedditPost): string {
  const by = post.author === "[deleted]" ? "by a deleted account" : `by u/${post.author}`;
  return `Story from r/${post.subreddit} ${by}: ${post.permalink}`;
}
