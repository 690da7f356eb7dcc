import type { CreateVideoRequest } from "../../api/video.schemas.ts";
import type { YoutubePublisher } from "../pipeline.types.ts";

export type PublishOutput = { youtube: { videoId: string; url: string } } | { skipped: true };

/** Stage 6: the YouTube upload, when the request asked for it and the server has a YouTube client. */
export async function publishVideo({
  request,
  title,
  videoKey,
  thumbnailKey,
  youtube,
  signal,
}: {
  request: CreateVideoRequest;
  /** The story's title (a Reddit request has none of its own). */
  title: string;
  videoKey: string;
  thumbnailKey: string;
  youtube: YoutubePublisher | undefined;
  signal: AbortSignal;
}): Promise<PublishOutput> {
  const wanted = request.publish?.youtube;
  if (!wanted || !youtube) return { skipped: true };
  const result = await youtube.publish({
    videoKey,
    thumbnailKey,
    request: wanted,
    title: wanted.title ?? title.slice(0, 100),
    signal,
  });
  return { youtube: result };
}
