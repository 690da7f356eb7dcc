import type {
  CardsRequestInput,
  CardsResponse,
  MediaInfo,
  MediaIngestRequest,
  MediaIngestResponse,
  RenderJoinRequest,
  RenderPartRequestInput,
  RenderRequestInput,
  SpeechRequestInput,
  SpeechResponse,
  VoiceList,
} from "@video-service/contracts";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import type { JobStore } from "../jobs/job.store.ts";
import type { JobEvents } from "../jobs/job-events.ts";
import type { StorySources } from "../sources/index.ts";
import type { VoiceCatalog } from "../voices/voice-catalog.ts";
import type { YoutubePublisher } from "../youtube/youtube-publisher.ts";
import type { ChunkPolicy } from "./stages/render-chunks.stage.ts";
import type { WebhookSender } from "./webhook.ts";

/** The imagegen calls the pipeline makes (createImagegenClient from @video-service/http-client). */
export interface ImagegenClient {
  renderCards(request: CardsRequestInput, options?: { signal?: AbortSignal }): Promise<CardsResponse>;
  ready(options?: { signal?: AbortSignal }): Promise<unknown>;
}

export interface RenderDone {
  type: "done";
  key: string;
  media: MediaInfo;
  elapsedSeconds: number;
}

/** The renderer calls the pipeline makes (createRendererClient from @video-service/http-client). */
export interface RendererClient {
  speak(request: SpeechRequestInput, options?: { signal?: AbortSignal }): Promise<SpeechResponse>;
  render(
    request: RenderRequestInput,
    options?: { signal?: AbortSignal; onProgress?: (progress: number) => void; timeoutMs?: number },
  ): Promise<RenderDone>;
  ingestMedia(
    request: MediaIngestRequest,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<MediaIngestResponse>;
  /** One part of a chunked render (a video chunk or the whole audio). */
  renderPart(
    request: RenderPartRequestInput,
    options?: { signal?: AbortSignal; onProgress?: (progress: number) => void; timeoutMs?: number },
  ): Promise<RenderDone>;
  /** The parts of a chunked render joined into the final MP4. */
  joinParts(
    request: RenderJoinRequest,
    options?: { signal?: AbortSignal; onProgress?: (progress: number) => void; timeoutMs?: number },
  ): Promise<RenderDone>;
  ready(options?: { signal?: AbortSignal }): Promise<unknown>;
  voices(options?: { signal?: AbortSignal }): Promise<VoiceList>;
}

/** Publishing to YouTube (src/youtube): resumable upload, thumbnail, daily budget. */
export type { YoutubePublisher } from "../youtube/youtube-publisher.ts";

/** What the stages need, passed in (never imported), so tests run them against protocol fakes. */
export interface PipelineDeps {
  jobs: JobStore;
  events: JobEvents;
  store: ObjectStore;
  imagegen: ImagegenClient;
  renderer: RendererClient;
  sources: StorySources;
  webhooks: WebhookSender;
  logger: Logger;
  /** Absent until YouTube publishing is configured (a later issue). */
  youtube?: YoutubePublisher | undefined;
  /** How long signed URLs in webhooks stay valid. */
  signedUrlTtlSeconds: number;
  /** The renderer's voices, cached; one is made around `renderer` when absent. */
  voices?: VoiceCatalog | undefined;
  /** When to render in chunks (absent: always in one piece). */
  chunkPolicy?: ChunkPolicy | undefined;
}
