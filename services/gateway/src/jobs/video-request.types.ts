/**
 * What a video job is asked to make, as the pipeline reads it: the request once validated and
 * defaulted. The public API's schema (api/video.schemas.ts) produces it and is checked against it
 * at compile time; the pipeline, the stores and the publishers import it from here.
 */
import type { Format, Theme, Voice } from "@video-service/contracts";
import type { RedditSourceSpec, TextSourceSpec } from "../sources/index.ts";

/** The story's source; a validated text source always has its comments (maybe none). */
export type VideoSource = (TextSourceSpec & { comments: NonNullable<TextSourceSpec["comments"]> }) | RedditSourceSpec;

export interface VideoStyle {
  theme: Theme;
  captions: "word" | "sentence" | "none";
  /** A media-library background by name, "random", or "generated" (the default). */
  background?: string | undefined;
  backgroundDim?: number | undefined;
  backgroundBlur?: number | undefined;
}

export interface MusicRequest {
  /** A library item by name, or "random". */
  name?: string | undefined;
  /** An object already in storage. */
  key?: string | undefined;
  volume: number;
}

export interface YoutubePublishRequest {
  privacy: "private" | "unlisted" | "public";
  publishAt?: string | undefined;
  title?: string | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  categoryId?: string | undefined;
  madeForKids: boolean;
  notifySubscribers: boolean;
}

export interface VideoRequest {
  source: VideoSource;
  format: Format;
  voice?: Voice | undefined;
  style: VideoStyle;
  music?: MusicRequest | undefined;
  publish?: { youtube: YoutubePublishRequest } | undefined;
  webhook?: { url: string } | undefined;
  render?: { chunks?: number | undefined } | undefined;
}
