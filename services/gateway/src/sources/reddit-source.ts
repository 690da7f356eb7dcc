import { AppError } from "@video-service/errors";
import type { RedditClient } from "../reddit/reddit.client.ts";
import { creditLine, storyFromReddit } from "../reddit/reddit-story.ts";
import type { Story } from "../script/index.ts";
import { asRedditProblem } from "../trends/reddit-problems.ts";
import type { StorySource } from "./story-source.ts";

export interface RedditSourceSpec {
  type: "reddit";
  /** One subreddit, or several joined with "+". */
  subreddit: string;
  /** Set when the job is created (given, or the best unused trend): the source stage loads it. */
  postId?: string | undefined;
  window: "hour" | "day" | "week";
  maxComments: number;
  nsfw: boolean;
  minScore?: number | undefined;
  minComments?: number | undefined;
}

/** Comments longer than this are not narrated (they would not fit a card). */
const MAX_COMMENT_CHARS = 1200;

/**
 * The post and its top comments, through the Reddit client, as a Story; its description credits
 * the subreddit, the author and the permalink (the YouTube description and the metadata JSON use it).
 * More comments than the video can hold are fetched: the script stage fits them to the format's
 * budget, then to the real narration durations.
 */
export function createRedditSource({
  client,
  maxCommentChars = MAX_COMMENT_CHARS,
}: {
  client: Pick<RedditClient, "post">;
  maxCommentChars?: number;
}): StorySource<RedditSourceSpec> {
  return {
    type: "reddit",
    async load(spec, { signal }) {
      if (spec.postId === undefined) {
        throw new AppError("validation-failed", "the Reddit job names no post (it is chosen when the job is created)");
      }
      const single = spec.subreddit.includes("+") ? undefined : spec.subreddit.replace(/^r\//, "");
      const { post, comments } = await client
        .post({
          postId: spec.postId,
          ...(single === undefined ? {} : { subreddit: single }),
          commentLimit: Math.max(10, spec.maxComments * 3),
          signal,
        })
        .catch((err: unknown) => {
          throw asRedditProblem(err);
        });
      if (post.removed) throw new AppError("validation-failed", `the post ${post.fullname} was removed from Reddit`);
      const story: Story = storyFromReddit(post, comments, { maxComments: spec.maxComments, maxCommentChars });
      return { ...story, description: story.description ?? creditLine(post) };
    },
  };
}
