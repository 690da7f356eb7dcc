import type { StorySource } from "./story-source.ts";
import { type TextSourceSpec, textSource } from "./text-source.ts";

export type { StorySource } from "./story-source.ts";
export type { TextSourceSpec } from "./text-source.ts";

/** Every source spec the API accepts. A new source adds its spec here and a member to sourceSchema. */
export type AnySourceSpec = TextSourceSpec;

/** Source types this server accepts, in the order the API documents them. */
export const SOURCE_TYPES = ["text"] as const satisfies readonly AnySourceSpec["type"][];

export type StorySources = { [T in AnySourceSpec["type"]]: StorySource<Extract<AnySourceSpec, { type: T }>> };

export const defaultStorySources: StorySources = { text: textSource };
