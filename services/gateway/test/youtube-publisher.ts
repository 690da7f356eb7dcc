import { silentLogger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import type { Redis } from "ioredis";
import { createYoutubeAuth } from "../src/youtube/oauth.ts";
import { createUploadBudget } from "../src/youtube/upload-budget.ts";
import { createYoutubeClient, type YoutubeClientOptions } from "../src/youtube/youtube.client.ts";
import { createYoutubePublisher, type YoutubePublisher } from "../src/youtube/youtube-publisher.ts";
import type { FakeYoutube } from "./fakes/fake-youtube.ts";

/**
 * The real YouTube publisher (OAuth, resumable-upload client, daily budget) pointed at the fake
 * YouTube, with the test's clock: as a worker process builds it, with its own token cache.
 */
export function fakeYoutubePublisher({
  fake,
  store,
  redis,
  now,
  dailyUploads,
  budgetPrefix,
  client,
}: {
  fake: FakeYoutube;
  store: ObjectStore;
  redis: Redis;
  now: () => Date;
  dailyUploads: number;
  /** Keeps this publisher's budget apart from others' on the same Redis. */
  budgetPrefix?: string;
  /** chunkBytes (256 KiB unless given), retries, timeouts and sleep of the upload client. */
  client?: Partial<Omit<YoutubeClientOptions, "auth" | "store" | "uploadUrl">>;
}): YoutubePublisher {
  const auth = createYoutubeAuth({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    refreshToken: fake.refreshToken,
    tokenUrl: fake.tokenUrl,
  });
  const uploads = createYoutubeClient({
    chunkBytes: 256 * 1024,
    ...client,
    auth,
    store,
    uploadUrl: fake.uploadUrl,
  });
  const budget = createUploadBudget({
    redis,
    dailyUploads,
    now,
    ...(budgetPrefix === undefined ? {} : { prefix: budgetPrefix }),
  });
  return createYoutubePublisher({ client: uploads, store, budget, logger: silentLogger(), now });
}
