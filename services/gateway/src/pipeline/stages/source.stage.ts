import { AppError } from "@video-service/errors";
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
  if (source.type === "text") return sources.text.load(source, { signal });
  if (!sources.reddit) throw new AppError("validation-failed", "Reddit is not configured on this server");
  return sources.reddit.load(source, { signal });
}
