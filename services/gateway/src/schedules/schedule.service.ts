import { AppError } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import { getNextMillis, type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { createVideoRequestSchema } from "../api/video.schemas.ts";
import { type CreateVideoJobDeps, createVideoJob, NothingNewError } from "../jobs/create-video-job.ts";
import { newJobId } from "../jobs/job-id.ts";
import { isRedditError } from "../trends/reddit-problems.ts";
import type { CreateScheduleRequest, ScheduleRun, ScheduleView } from "./schedule.schemas.ts";
import { ScheduleNotCreatedError, type ScheduleRecord, type ScheduleStore } from "./schedule.store.ts";

export const SCHEDULE_JOB_NAME = "runSchedule";
interface ScheduleJobData {
  scheduleId: string;
}

export interface ScheduleService {
  create(input: CreateScheduleRequest): Promise<ScheduleView>;
  list(): Promise<ScheduleView[]>;
  get(id: string): Promise<ScheduleView | undefined>;
  /** Removes the schedule and its job scheduler; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** One run now: picks the best unused trend and creates a video job. Undefined when no such schedule. */
  run(id: string, trigger: ScheduleRun["trigger"]): Promise<ScheduleRun | undefined>;
  /** Makes the queue's job schedulers match the stored schedules (at start: they survive restarts). */
  reconcile(): Promise<{ upserted: number; removed: number }>;
  close(): Promise<void>;
}

export const scheduleLinks = (id: string) => ({ self: `/v1/schedules/${id}`, run: `/v1/schedules/${id}/run` });

/** The video request a run of the schedule makes: the same request POST /v1/videos takes. */
export function scheduleVideoRequest(schedule: CreateScheduleRequest) {
  return createVideoRequestSchema.parse({
    source: {
      type: "reddit",
      subreddit: schedule.subreddits.join("+"),
      window: schedule.window,
      nsfw: schedule.nsfw,
      ...(schedule.maxComments === undefined ? {} : { maxComments: schedule.maxComments }),
      ...(schedule.minScore === undefined ? {} : { minScore: schedule.minScore }),
      ...(schedule.minComments === undefined ? {} : { minComments: schedule.minComments }),
    },
    format: schedule.format,
    ...(schedule.style ? { style: schedule.style } : {}),
    ...(schedule.voice ? { voice: schedule.voice } : {}),
    ...(schedule.publish ? { publish: schedule.publish } : {}),
  });
}

/**
 * Schedules: stored in Redis (ScheduleStore) and fired by BullMQ job schedulers on their own queue
 * (`{QUEUE_NAME}-schedules`), whose small worker (createScheduleWorker) calls `run`. A run makes
 * a normal video job through createVideoJob, the code path of POST /v1/videos; a run that finds
 * no unused post makes nothing and says so in the log and in the schedule's `lastRun`.
 */
export function createScheduleService({
  connection,
  queueName,
  store,
  jobDeps,
  logger,
  acceptWithinMs,
  now = () => Date.now(),
}: {
  connection: Redis;
  queueName: string;
  store: ScheduleStore;
  jobDeps: CreateVideoJobDeps;
  logger: Logger;
  /**
   * Redis must store a new schedule within this many ms of the request, or refuse it: a create
   * answered 503 (Redis stalled) never appears later. None for the worker's side.
   */
  acceptWithinMs?: number | undefined;
  now?: () => number;
}): ScheduleService {
  const queue = new Queue<ScheduleJobData, void, string>(queueName, { connection });

  const view = (record: ScheduleRecord): ScheduleView => {
    let next: number | undefined;
    try {
      next = getNextMillis(now(), { pattern: record.cron, tz: record.timezone });
    } catch {
      next = undefined;
    }
    const { lastRun, ...definition } = record;
    return {
      ...definition,
      nextRunAt: next === undefined ? null : new Date(next).toISOString(),
      lastRun: lastRun ?? null,
      links: scheduleLinks(record.id),
    };
  };

  const upsertScheduler = (record: ScheduleRecord) =>
    queue.upsertJobScheduler(
      record.id,
      { pattern: record.cron, tz: record.timezone },
      {
        name: SCHEDULE_JOB_NAME,
        data: { scheduleId: record.id },
        opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
      },
    );

  return {
    async create(input) {
      const record: ScheduleRecord = { ...input, id: newJobId(now()), createdAt: new Date(now()).toISOString() };
      const acceptBy = acceptWithinMs === undefined ? undefined : Date.now() + acceptWithinMs;
      await store.create(record, { acceptBy }).catch((err: unknown) => {
        if (!(err instanceof ScheduleNotCreatedError)) throw err;
        throw new AppError("unavailable", "the schedule store is not answering; try again shortly", {
          cause: err,
          headers: { "retry-after": "5" },
        });
      });
      try {
        await upsertScheduler(record);
      } catch (err) {
        // Sent on the same connection after the upsert, so Redis runs them after it even if it is
        // late: neither the record nor its job scheduler outlives the failed create. Not awaited:
        // Redis may be stalled.
        void store.delete(record.id).catch(() => undefined);
        void queue.removeJobScheduler(record.id).catch(() => undefined);
        throw err;
      }
      logger.info({ scheduleId: record.id, cron: record.cron, timezone: record.timezone }, "schedule created");
      return view(record);
    },
    async list() {
      return (await store.list()).map(view);
    },
    async get(id) {
      const record = await store.get(id);
      return record ? view(record) : undefined;
    },
    async delete(id) {
      const existed = await store.delete(id);
      await queue.removeJobScheduler(id);
      if (existed) logger.info({ scheduleId: id }, "schedule deleted");
      return existed;
    },
    async run(id, trigger) {
      const schedule = await store.get(id);
      if (!schedule) return undefined;
      const at = new Date(now()).toISOString();
      let run: ScheduleRun;
      try {
        const { record, post } = await createVideoJob(jobDeps, { request: scheduleVideoRequest(schedule) });
        run = { at, trigger, outcome: "created", jobId: record.id, ...(post ? { postId: post.id } : {}) };
        logger.info(
          { scheduleId: id, trigger, jobId: record.id, post: post?.fullname },
          "schedule run created a video job",
        );
      } catch (err) {
        if (err instanceof NothingNewError) {
          run = { at, trigger, outcome: "nothing-new" };
          logger.info(
            { scheduleId: id, trigger, subreddits: err.subreddits },
            "schedule run found nothing new: no video made",
          );
        } else {
          const cause = err instanceof Error && err.cause !== undefined && isRedditError(err.cause) ? err.cause : err;
          const message = err instanceof Error ? err.message : String(err);
          run = { at, trigger, outcome: "error", error: message.slice(0, 500) };
          logger.warn({ scheduleId: id, trigger, err: cause }, "schedule run failed");
        }
      }
      await store.setLastRun(id, run);
      return run;
    },
    async reconcile() {
      const schedules = await store.list();
      const wanted = new Set(schedules.map((schedule) => schedule.id));
      let removed = 0;
      for (const scheduler of await queue.getJobSchedulers(0, -1)) {
        const schedulerId = scheduler.id ?? scheduler.key;
        if (!wanted.has(schedulerId)) {
          await queue.removeJobScheduler(schedulerId);
          removed++;
        }
      }
      // Upserting an unchanged scheduler keeps its next run; a missing one is created again.
      for (const schedule of schedules) await upsertScheduler(schedule);
      logger.info({ schedules: schedules.length, removed }, "schedules reconciled with the queue");
      return { upserted: schedules.length, removed };
    },
    close: () => queue.close(),
  };
}

export interface ScheduleWorker {
  close(): Promise<void>;
}

/** The small worker of the schedules queue: each fired job is one run of its schedule. */
export function createScheduleWorker({
  connection,
  queueName,
  service,
  logger,
}: {
  connection: Redis;
  queueName: string;
  service: ScheduleService;
  logger: Logger;
}): ScheduleWorker {
  const blocking = connection.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker<ScheduleJobData, void, string>(
    queueName,
    async (job: Job<ScheduleJobData>) => {
      const scheduleId = job.data?.scheduleId;
      if (typeof scheduleId !== "string") return;
      const run = await service.run(scheduleId, "cron");
      if (!run) {
        logger.warn({ scheduleId }, "a job scheduler fired for a schedule that no longer exists; removing it");
        await service.delete(scheduleId);
      }
    },
    { connection: blocking, concurrency: 1 },
  );
  worker.on("error", (err) => logger.error({ err }, "schedules worker error"));
  return {
    async close() {
      await worker.close();
      await blocking.quit().catch(() => blocking.disconnect());
    },
  };
}
