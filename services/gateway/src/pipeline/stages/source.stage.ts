import type { Story } from "../../script/index.ts";
import type { AnySourceSpec, StorySources } from "../../sources/index.ts";

/** Stage 1: the story, from whichever source the request names. */
export async function loadStory({
  source,
  sources,
  signal,
}: {
  source: AnySourceSpec;
  sources: StorySources;
  signal: AbortSignal;
}): Promise<Story> {
  const loader = sources[source.type];
  return loader.load(source, { signal });
}
