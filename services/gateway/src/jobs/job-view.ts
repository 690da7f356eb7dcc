import type { ObjectStore } from "@video-service/object-store";
import type { z } from "zod";
import type { videoJobSchema, videoOutputsSchema } from "../api/video.schemas.ts";
import type { JobOutputs, JobRecord } from "./job.store.ts";

export type VideoView = z.infer<typeof videoJobSchema>;
export type VideoOutputsView = z.infer<typeof videoOutputsSchema>;

export const videoLinks = (id: string) => ({ self: `/v1/videos/${id}`, events: `/v1/videos/${id}/events` });

/** Outputs as clients see them: every key with a signed, expiring download URL. */
export async function signOutputs(
  outputs: JobOutputs,
  store: ObjectStore,
  ttlSeconds: number,
): Promise<VideoOutputsView> {
  const sign = (key: string) => store.signedUrl(key, ttlSeconds);
  const view: VideoOutputsView = { video: { ...outputs.video, url: await sign(outputs.video.key) } };
  if (outputs.thumbnail) view.thumbnail = { key: outputs.thumbnail.key, url: await sign(outputs.thumbnail.key) };
  if (outputs.metadata) view.metadata = { key: outputs.metadata.key, url: await sign(outputs.metadata.key) };
  if (outputs.youtube) view.youtube = outputs.youtube;
  if (outputs.narration) view.narration = outputs.narration;
  return view;
}

/** The public shape of a job (GET /v1/videos/{id}); internal fields (trace carrier, run) stay inside. */
export async function toVideoView(record: JobRecord, store: ObjectStore, ttlSeconds: number): Promise<VideoView> {
  const view: VideoView = {
    id: record.id,
    status: record.status,
    stage: record.stage,
    progress: record.progress,
    stages: record.stages,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    request: record.request,
    links: videoLinks(record.id),
  };
  if (record.error) view.error = record.error;
  if (record.lastError) view.lastError = record.lastError;
  if (record.webhooks) view.webhooks = record.webhooks;
  if (record.outputs) view.outputs = await signOutputs(record.outputs, store, ttlSeconds);
  return view;
}
