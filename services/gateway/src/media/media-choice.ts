import { randomInt } from "node:crypto";
import { type MediaItem, type MediaKind, RANDOM_MEDIA } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { VideoRequest } from "../jobs/video-request.types.ts";
import type { MediaLibrary } from "./media-library.store.ts";

/** `style.background` of the generated backdrop drawn for each story: the default. */
export const GENERATED_BACKGROUND = "generated";

/** A library item a video used, with the credit line its uploader gave. */
export interface MediaCredit {
  kind: MediaKind;
  name: string;
  credit: string;
}

const BACKGROUND_KINDS: readonly MediaKind[] = ["background-video", "background-image"];

function unknownItem(path: string, what: string, name: string): AppError {
  const message = `no ${what} called ${name} in the media library (GET /v1/media lists it)`;
  return new AppError("validation-failed", `${path}: ${message}`, { extensions: { errors: [{ path, message }] } });
}

/** The background called `name`: a video if there is one, else an image. */
export async function findBackground(library: MediaLibrary, name: string): Promise<MediaItem | undefined> {
  for (const kind of BACKGROUND_KINDS) {
    const item = await library.get(kind, name);
    if (item) return item;
  }
  return undefined;
}

/**
 * Chooses what "random" means and checks that named items exist, when the job is created: the
 * stored request then names concrete items, so a retry makes the same video, and a wrong name is a
 * 422 before anything is queued. "random" with nothing uploaded falls back to what a request
 * without the choice gets: the generated background, no music.
 */
export async function resolveMediaChoices(library: MediaLibrary, request: VideoRequest): Promise<VideoRequest> {
  let { style, music } = request;
  const background = style.background;
  if (background === RANDOM_MEDIA) {
    const candidates = (await Promise.all(BACKGROUND_KINDS.map((kind) => library.list(kind)))).flat();
    const chosen = candidates.length === 0 ? undefined : candidates[randomInt(candidates.length)];
    style = { ...style, background: chosen ? chosen.name : GENERATED_BACKGROUND };
  } else if (background !== undefined && background !== GENERATED_BACKGROUND) {
    if (!(await findBackground(library, background))) {
      throw unknownItem("body.style.background", "background-video or background-image", background);
    }
  }
  if (music?.name === RANDOM_MEDIA) {
    const chosen = await library.pickRandom("music");
    music = chosen ? { ...music, name: chosen.name } : undefined;
  } else if (music?.name !== undefined && !(await library.get("music", music.name))) {
    throw unknownItem("body.music.name", "music", music.name);
  }
  const { music: _dropped, ...rest } = request;
  return { ...rest, style, ...(music ? { music } : {}) };
}

/** The lines a video's description gets for the library items it used. */
export function mediaCreditLines(credits: readonly MediaCredit[]): string[] {
  return credits.map((item) => {
    const label = item.kind === "music" ? "Music" : "Background";
    return `${label}: ${item.name} (${item.credit})`;
  });
}
