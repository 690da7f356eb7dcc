import type { Format } from "@video-service/contracts";
import type { JobStore } from "../../jobs/job.store.ts";
import type { VideoRequest } from "../../jobs/video-request.types.ts";
import { type MediaCredit, mediaCreditLines } from "../../media/media-choice.ts";
import type { Story } from "../../script/index.ts";
import { buildVideoResource } from "../../youtube/video-metadata.ts";
import type { PublishState, YoutubePublisher } from "../../youtube/youtube-publisher.ts";

export type PublishOutput = { youtube: { videoId: string; url: string } } | { skipped: true };

/**
 * Stage 6: the YouTube upload, when the request asked for it and the server has a YouTube client.
 * The upload's progress (session URI, video id) lives on the job, so a retried or restarted job
 * resumes the same upload and a job that has a video id never uploads again.
 */
export async function publishVideo({
  jobId,
  request,
  story,
  format,
  videoKey,
  thumbnailKey,
  credits = [],
  youtube,
  jobs,
  signal,
  onProgress,
}: {
  jobId: string;
  request: VideoRequest;
  story: Story;
  format: Format;
  videoKey: string;
  thumbnailKey: string;
  /** Library items the video uses: their credit lines go into the description. */
  credits?: readonly MediaCredit[];
  youtube: YoutubePublisher | undefined;
  jobs: JobStore;
  signal: AbortSignal;
  onProgress?: (fraction: number) => void;
}): Promise<PublishOutput> {
  const wanted = request.publish?.youtube;
  if (!wanted || !youtube) return { skipped: true };
  const video = buildVideoResource({
    story,
    format,
    request: wanted,
    defaultCategoryId: youtube.defaultCategoryId,
    mediaCredits: mediaCreditLines(credits),
  });
  const result = await youtube.publish({
    jobId,
    videoKey,
    thumbnailKey,
    video,
    notifySubscribers: wanted.notifySubscribers,
    state: {
      load: async () => (await jobs.getStageProgressState(jobId, "publish")) as PublishState | undefined,
      save: (state) => jobs.setStageProgressState(jobId, "publish", state),
    },
    signal,
    ...(onProgress ? { onProgress } : {}),
  });
  return { youtube: result };
}
