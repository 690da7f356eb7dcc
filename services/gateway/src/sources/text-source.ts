import type { Story } from "../script/index.ts";
import type { StorySource } from "./story-source.ts";

export interface TextSourceSpec {
  type: "text";
  title: string;
  body?: string | undefined;
  comments?: { author?: string | undefined; body: string }[] | undefined;
}

/** The story given in the request: nothing to fetch. */
export const textSource: StorySource<TextSourceSpec> = {
  type: "text",
  async load(spec) {
    const story: Story = {
      title: spec.title,
      comments: (spec.comments ?? []).map((comment) =>
        comment.author === undefined ? { body: comment.body } : { author: comment.author, body: comment.body },
      ),
    };
    if (spec.body !== undefined) story.body = spec.body;
    return story;
  },
};
