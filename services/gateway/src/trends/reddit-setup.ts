import type { Logger } from "@video-service/logger";
import type { Redis } from "ioredis";
import { DEFAULT_REDDIT_USER_AGENT, type GatewayConfig } from "../config.ts";
import type { CreateVideoJobDeps } from "../jobs/create-video-job.ts";
import { createRedditClient, type RedditClient } from "../reddit/reddit.client.ts";
import { createScheduleService, type ScheduleService } from "../schedules/schedule.service.ts";
import { ScheduleStore } from "../schedules/schedule.store.ts";
import { createRedditSource, type RedditSourceSpec } from "../sources/reddit-source.ts";
import type { StorySource } from "../sources/story-source.ts";
import { createTrendsService, type TrendsService } from "./trends.service.ts";
import { UsedPostStore } from "./used-posts.ts";

/** Trends, the used-post store and the schedules on one Redis connection. */
export interface RedditOnConnection {
  trends: TrendsService;
  usedPosts: UsedPostStore;
  schedules: ScheduleService;
}

/**
 * The worker's side runs on the patient connection (schedule runs wait out a Redis blip); `api`
 * runs the same objects on the API's fail-fast connection (a stalled Redis is a quick 503).
 */
export interface RedditFeatures extends RedditOnConnection {
  client: RedditClient;
  source: StorySource<RedditSourceSpec>;
  api: RedditOnConnection;
}

/** The API's connection and the job store and queue on it. */
export interface ApiConnection {
  redis: Redis;
  jobs: CreateVideoJobDeps["jobs"];
  queue: CreateVideoJobDeps["queue"];
  /** Redis must run a create within this many ms of sending it, or refuse it (a 503 never creates later). */
  acceptWithinMs: number;
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
  api,
  media,
  now,
  sleep,
}: {
  config: GatewayConfig;
  redis: Redis;
  jobs: CreateVideoJobDeps["jobs"];
  queue: CreateVideoJobDeps["queue"];
  /** The API's connection; without it the API shares the worker's. */
  api?: ApiConnection;
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
  const onConnection = (
    connection: Redis,
    jobDeps: Pick<CreateVideoJobDeps, "jobs" | "queue" | "acceptWithinMs" | "redditTimeoutMs">,
  ): RedditOnConnection => {
    const usedPosts = new UsedPostStore({ redis: connection });
    const trends = createTrendsService({ client, usedPosts, logger, ...(now ? { now } : {}) });
    const schedules = createScheduleService({
      connection,
      queueName: scheduleQueueName(config.QUEUE_NAME),
      store: new ScheduleStore({ redis: connection }),
      jobDeps: { ...jobDeps, logger, reddit: { trends, usedPosts }, media },
      logger,
      ...(jobDeps.acceptWithinMs === undefined ? {} : { acceptWithinMs: jobDeps.acceptWithinMs }),
      ...(now ? { now } : {}),
    });
    return { trends, usedPosts, schedules };
  };
  const worker = onConnection(redis, { jobs, queue });
  const apiSide = api
    ? onConnection(api.redis, {
        jobs: api.jobs,
        queue: api.queue,
        acceptWithinMs: api.acceptWithinMs,
        redditTimeoutMs: config.REDDIT_CREATE_TIMEOUT_MS,
      })
    : worker;
  return { client, ...worker, source: createRedditSource({ client }), api: apiSide };
}
