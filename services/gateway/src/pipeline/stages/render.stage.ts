import {
  FORMATS,
  type Format,
  type MediaInfo,
  renderRequestSchema,
  storageKeys,
  timelineFrames,
} from "@video-service/contracts";
import type { ObjectStore } from "@video-service/object-store";
import type { VideoRequest } from "../../jobs/video-request.types.ts";
import { type MediaCredit, mediaCreditLines } from "../../media/media-choice.ts";
import type { MediaLibrary } from "../../media/media-library.store.ts";
import { renderMediaFor } from "../../media/render-media.ts";
import { buildTimeline, expectedVideoSeconds, type Script, type Story } from "../../script/index.ts";
import type { RendererClient } from "../pipeline.types.ts";
import type { SegmentNarration } from "./narration.stage.ts";
import {
  type ChunkPolicy,
  chooseChunkCount,
  chunkLayout,
  type RenderFlow,
  renderInChunks,
} from "./render-chunks.stage.ts";

/**
 * The whole render's budget per format (the client's default per-call timeout is far too short
 * for a render). Generous: the renderer's admission control, not this, bounds the load.
 */
export const RENDER_TIMEOUT_MS: Readonly<Record<Format, number>> = {
  short: 20 * 60_000,
  standard: 45 * 60_000,
  long: 120 * 60_000,
};

export interface RenderOutput {
  video: { key: string; durationSeconds: number; sizeBytes: number; width: number; height: number };
  thumbnailKey: string;
  metadataKey: string;
  elapsedSeconds: number;
  /** The library items the video uses and their credit lines (they go into the description). */
  credits?: MediaCredit[];
}

/**
 * Stage 5: the timeline rendered to `videos/{format}/{jobId}.mp4` (the renderer writes it), then
 * the thumbnail copied beside it and the metadata JSON written.
 */
export async function renderVideo({
  jobId,
  format,
  script,
  narrations,
  cardKeys,
  thumbnailCacheKey,
  request,
  story,
  createdAt,
  renderer,
  store,
  library,
  signal,
  onProgress,
  run = 1,
  flow,
  chunkPolicy,
}: {
  jobId: string;
  /** The job's run (chunk jobs of an older run are skipped). */
  run?: number;
  /** The video job as parent of chunk jobs; absent: never chunked. */
  flow?: RenderFlow | undefined;
  chunkPolicy?: ChunkPolicy | undefined;
  format: Format;
  script: Script;
  narrations: Record<string, SegmentNarration>;
  cardKeys: Record<string, string>;
  thumbnailCacheKey: string;
  request: VideoRequest;
  story: Story;
  createdAt: string;
  renderer: RendererClient;
  store: ObjectStore;
  library: MediaLibrary;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
}): Promise<RenderOutput> {
  const segments = script.segments.map((segment) => {
    const narration = narrations[segment.id];
    const cardKey = cardKeys[segment.id];
    if (!narration || !cardKey) throw new Error(`segment ${segment.id} has no narration or card`);
    return { segment, cardKey, narration };
  });
  const outputKey = storageKeys.video(format, jobId);
  const media = await renderMediaFor({
    library,
    request,
    format,
    jobId,
    videoSeconds: expectedVideoSeconds(segments),
  });
  const timeline = buildTimeline({
    format,
    segments,
    captions: request.style.captions,
    outputKey,
    ...(media.music ? { music: media.music } : {}),
    ...(media.background ? { background: media.background } : {}),
  });
  const chunks = chunkPolicy
    ? await chooseChunkCount({
        videoSeconds:
          timelineFrames(renderRequestSchema.parse(timeline), FORMATS[format].fps).totalFrames / FORMATS[format].fps,
        policy: chunkPolicy,
        requested: request.render?.chunks,
        signal,
      })
    : 1;
  const layout = chunks > 1 && flow ? chunkLayout(jobId, timeline, chunks) : undefined;
  const done =
    layout && flow && layout.ranges.length > 1
      ? await renderInChunks({
          jobId,
          run,
          timeline,
          layout,
          flow,
          store,
          renderer,
          signal,
          onProgress,
          timeoutMs: RENDER_TIMEOUT_MS[format],
        })
      : await renderer.render(timeline, { signal, onProgress, timeoutMs: RENDER_TIMEOUT_MS[format] });

  const thumbnailKey = storageKeys.videoThumbnail(format, jobId);
  await store.put(thumbnailKey, await store.get(thumbnailCacheKey), { contentType: "image/jpeg" });
  const metadataKey = storageKeys.videoMetadata(format, jobId);
  await store.put(
    metadataKey,
    JSON.stringify(
      videoMetadata({
        jobId,
        format,
        request,
        story,
        createdAt,
        media: done.media,
        segments,
        key: done.key,
        credits: media.credits,
      }),
    ),
    { contentType: "application/json" },
  );
  return {
    video: {
      key: done.key,
      durationSeconds: done.media.durationSeconds,
      sizeBytes: done.media.sizeBytes,
      width: done.media.video.width,
      height: done.media.video.height,
    },
    thumbnailKey,
    metadataKey,
    elapsedSeconds: done.elapsedSeconds,
    credits: media.credits,
  };
}

function videoMetadata({
  jobId,
  format,
  request,
  story,
  createdAt,
  media,
  segments,
  key,
  credits,
}: {
  jobId: string;
  format: Format;
  request: VideoRequest;
  story: Story;
  createdAt: string;
  media: MediaInfo;
  segments: { segment: Script["segments"][number]; narration: SegmentNarration }[];
  key: string;
  credits: MediaCredit[];
}) {
  return {
    id: jobId,
    format,
    key,
    title: story.title,
    ...(story.description === undefined ? {} : { description: story.description }),
    source: request.source.type,
    ...(request.source.type === "reddit"
      ? {
          reddit: {
            postId: request.source.postId,
            subreddit: story.subreddit,
            author: story.author,
            permalink: story.permalink,
          },
        }
      : {}),
    createdAt,
    renderedAt: new Date().toISOString(),
    ...(credits.length > 0 ? { credits, creditLines: mediaCreditLines(credits) } : {}),
    media,
    segments: segments.map(({ segment, narration }) => ({
      id: segment.id,
      kind: segment.kind,
      durationSeconds: narration.durationSeconds,
      text: segment.speech,
    })),
  };
}
