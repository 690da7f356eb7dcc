import type { Story } from "../script/index.ts";

/**
 * Where a story comes from. Each source type (text now, Reddit later) implements this and is
 * registered in sources/index.ts; the pipeline's source stage only sees the interface.
 */
export interface StorySource<Spec extends { type: string }> {
  readonly type: Spec["type"];
  load(spec: Spec, options: { signal: AbortSignal }): Promise<Story>;
}
