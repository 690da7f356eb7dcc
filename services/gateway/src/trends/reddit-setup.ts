import type { Logger } from "@video-service/logger";
import type { Redis } from "ioredis";
import { DEFAULT_REDDIT_USER_AGENT, type GatewayConfig } from "../config.ts";
import type { CreateVideoJobDeps } from "../jobs/create-video-job.ts";
import { createRedditClient, type RedditClient } from "../reddit/reddit.client.ts";
import { createScheduleService, type ScheduleService } from "../schedules/schedule.service.ts";
import { ScheduleStore } from "../schedules/schedule-store.ts";
import { createRedditSource, type RedditSourceSpec } from "../sources/reddit-source.ts";
import type { StorySource } from "../sources/story-source.ts";
import { createTrendsService, type TrendsService } from "./trends.service.ts";
import { UsedPostStore } from "./used-posts.ts";

export interface RedditFeatures {
  client: RedditClient;
  trends: TrendsService;
  usedPosts: UsedPostStore;
  source: StorySource<RedditSourceSpec>;
  schedules: ScheduleService;
}

/** The queue of schedule runs, beside the video queue. */
export const scheduleQueueName = (videoQueueName: string) => `${videoQueueName}-schedules`;

/**
 * Reddit as the gateway uses it, built from the configuration: the client, trends over it, the
 * used-post store, the story source and the schedules. Called by createGatewayServices (wiring.ts),
 * which start-gateway.ts and the test harness share (the tests point the config at their fake
 * Reddit and may inject clocks).
 */
export function createRedditFeatures({
  config,
  redis,
  jobs,
  queue,
  logger,
  media,
  now,
  sleep,
}: {
  config: GatewayConfig;
  redis: Redis;
  jobs: CreateVideoJobDeps["jobs"];
  queue: CreateVideoJobDeps["queue"];
  logger: Logger;
  /** The media library, so a schedule's `style.background` resolves like a request's. */
  media?: CreateVideoJobDeps["media"];
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): RedditFeatures {
  const client = createRedditClient({
    userAgent: config.REDDIT_USER_AGENT ?? DEFAULT_REDDIT_USER_AGENT,
    clientId: config.REDDIT_CLIENT_ID,
    clientSecret: config.REDDIT_CLIENT_SECRET,
    authUrl: config.REDDIT_AUTH_URL,
    apiUrl: config.REDDIT_API_URL,
    logger,
    ...(now ? { now } : {}),
    ...(sleep ? { sleep } : {}),
  });
  const usedPosts = new UsedPostStore({ redis });
  const trends = createTrendsService({ client, usedPosts, logger, ...(now ? { now } : {}) });
  const schedules = createScheduleService({
    connection: redis,
    queueName: scheduleQueueName(config.QUEUE_NAME),
    store: new ScheduleStore({ redis }),
    jobDeps: { jobs, queue, logger, reddit: { trends, usedPosts }, media },
    logger,
    ...(now ? { now } : {}),
  });
  return { client, trends, usedPosts, source: createRedditSource({ client }), schedules };
}
