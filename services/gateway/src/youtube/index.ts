import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import type { Redis } from "ioredis";
import type { GatewayConfig } from "../config.ts";
import { createYoutubeAuth } from "./oauth.ts";
import { createUploadBudget } from "./upload-budget.ts";
import { createYoutubeClient } from "./youtube.client.ts";
import { createYoutubePublisher, type YoutubePublisher } from "./youtube-publisher.ts";

export { buildVideoResource, type YoutubeVideoResource } from "./video-metadata.ts";
export type { PublishState, YoutubePublisher } from "./youtube-publisher.ts";

/** The YouTube publisher the configuration asks for, or undefined when no OAuth credentials are set. */
export function createYoutubePublisherFromConfig({
  config,
  redis,
  store,
  logger,
}: {
  config: GatewayConfig;
  redis: Redis;
  store: ObjectStore;
  logger: Logger;
}): YoutubePublisher | undefined {
  const {
    YOUTUBE_CLIENT_ID: clientId,
    YOUTUBE_CLIENT_SECRET: clientSecret,
    YOUTUBE_REFRESH_TOKEN: refreshToken,
  } = config;
  if (!clientId || !clientSecret || !refreshToken) return undefined;
  const auth = createYoutubeAuth({ clientId, clientSecret, refreshToken, tokenUrl: config.YOUTUBE_TOKEN_URL });
  const client = createYoutubeClient({
    auth,
    store,
    uploadUrl: config.YOUTUBE_UPLOAD_URL,
    chunkBytes: config.YOUTUBE_CHUNK_BYTES,
  });
  const budget = createUploadBudget({
    redis,
    dailyUploads: config.YOUTUBE_DAILY_UPLOADS,
    timeZone: config.YOUTUBE_QUOTA_TIMEZONE,
  });
  return createYoutubePublisher({
    client,
    store,
    budget,
    logger: logger.child({ component: "youtube" }),
    defaultCategoryId: config.YOUTUBE_CATEGORY_ID,
  });
}
