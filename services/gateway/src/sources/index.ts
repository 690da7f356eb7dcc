import type { RedditSourceSpec } from "./reddit-source.ts";
import type { StorySource } from "./story-source.ts";
import { type TextSourceSpec, textSource } from "./text-source.ts";

export { createRedditSource, type RedditSourceSpec } from "./reddit-source.ts";
export type { StorySource } from "./story-source.ts";
export type { TextSourceSpec } from "./text-source.ts";

/** Every source spec the API accepts. A new source adds its spec here and a member to sourceSchema. */
export type AnySourceSpec = TextSourceSpec | RedditSourceSpec;

/** Source types this server accepts, in the order the API documents them. */
export const SOURCE_TYPES = ["text", "reddit"] as const satisfies readonly AnySourceSpec["type"][];

/** The text source is always there; Reddit only when the server has a Reddit client. */
export interface StorySources {
  text: StorySource<TextSourceSpec>;
  reddit?: StorySource<RedditSourceSpec> | undefined;
}

export const defaultStorySources: StorySources = { text: textSource };
