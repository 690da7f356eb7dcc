import { AppError } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import { TimeoutError, withTimeout } from "@video-service/retry";
import { captureTraceCarrier } from "@video-service/telemetry";
import { resolveMediaChoices } from "../media/media-choice.ts";
import type { MediaLibrary } from "../media/media-library.store.ts";
import { asRedditProblem } from "../trends/reddit-problems.ts";
import { parseSubreddits, type TrendCandidate, type TrendsService } from "../trends/trends.service.ts";
import type { UsedPostStore } from "../trends/used-posts.ts";
import { JobNotCreatedError, type JobRecord, type JobStore } from "./job.store.ts";
import { newJobId } from "./job-id.ts";
import type { VideoQueue } from "./video-queue.ts";
import type { VideoRequest } from "./video-request.types.ts";

/** What creating a Reddit job needs; absent when Reddit is not configured. */
export interface RedditJobDeps {
  trends: TrendsService;
  usedPosts: UsedPostStore;
}

export interface CreateVideoJobDeps {
  jobs: JobStore;
  queue: VideoQueue;
  logger: Logger;
  reddit?: RedditJobDeps | undefined;
  /** A bound on choosing the Reddit post (an HTTP request answers 503 after it); none for scheduled runs. */
  redditTimeoutMs?: number | undefined;
  /**
   * Redis must run the create within this many ms of sending it, or refuse it: a request answered
   * 503 (Redis stalled) must never see its job appear later. None for scheduled runs.
   */
  acceptWithinMs?: number | undefined;
  /** The media library, for `style.background` and `music.name`; absent: those choices are refused. */
  media?: MediaLibrary | undefined;
}

/** A Reddit job without a post id found no unused post to make: nothing was created. */
export class NothingNewError extends Error {
  override readonly name = "NothingNewError";
  readonly subreddits: string[];
  constructor(subreddits: string[]) {
    super(`no unused post in r/${subreddits.join("+")} passes the filters`);
    this.subreddits = subreddits;
  }
}

export interface CreatedVideoJob {
  record: JobRecord;
  /** The post a Reddit job was made from (chosen from the trends when the request named none). */
  post?: TrendCandidate | { id: string; fullname: string } | undefined;
}

type RedditSource = Extract<VideoRequest["source"], { type: "reddit" }>;

/**
 * Creates a video job and queues its first run: the one code path of `POST /v1/videos` and of
 * scheduled runs. A Reddit source without `postId` gets the best unused trend of its subreddits,
 * claimed for this job in the used-post store before the job exists (so two concurrent runs
 * never pick the same post); the stored request then names the post, so retries make the same
 * video. A post given by id is marked used too. If the job cannot be queued, the claim is given
 * back and the job is marked failed.
 */
export async function createVideoJob(
  deps: CreateVideoJobDeps,
  {
    request,
    id = newJobId(),
    traceCarrier = captureTraceCarrier(),
    owner,
    maxUnfinished,
  }: {
    request: VideoRequest;
    id?: string;
    traceCarrier?: Record<string, string>;
    /** The API key's id; its unfinished jobs are capped at `maxUnfinished` (0: no cap). */
    owner?: string | undefined;
    maxUnfinished?: number | undefined;
  },
): Promise<CreatedVideoJob> {
  let claimed: { fullname: string } | undefined;
  let post: CreatedVideoJob["post"];
  let stored = request;
  if (request.style.background !== undefined || request.music?.name !== undefined) {
    if (!deps.media) throw new AppError("validation-failed", "the media library is not available here");
    stored = await resolveMediaChoices(deps.media, request);
  }
  if (request.source.type === "reddit") {
    const resolving = resolveRedditPost(deps, request.source, id);
    const resolved =
      deps.redditTimeoutMs === undefined
        ? await resolving
        : await withTimeout(deps.redditTimeoutMs, undefined, "choosing the Reddit post", () => resolving).catch(
            (err: unknown) => {
              if (!(err instanceof TimeoutError)) throw err;
              // The choice goes on without us: a post it claims for this job (never created) is given back.
              void resolving
                .then((late) => late.claimed && deps.reddit?.usedPosts.release(late.claimed.fullname, id))
                .catch(() => undefined);
              throw new AppError("unavailable", `Reddit did not answer within ${err.timeoutMs} ms; try again shortly`, {
                headers: { "retry-after": "10" },
              });
            },
          );
    post = resolved.post;
    claimed = resolved.claimed;
    stored = { ...stored, source: { ...request.source, postId: resolved.post.id } };
  }
  let record: JobRecord;
  try {
    record = await deps.jobs.create({
      id,
      request: stored,
      traceCarrier,
      owner,
      maxUnfinished,
      acceptBy: deps.acceptWithinMs === undefined ? undefined : Date.now() + deps.acceptWithinMs,
    });
    await deps.queue.enqueue({ videoId: id, run: 1 });
  } catch (err) {
    if (claimed) await deps.reddit?.usedPosts.release(claimed.fullname, id).catch(() => undefined);
    if (err instanceof JobNotCreatedError && err.reason === "too-many-unfinished") {
      throw new AppError(
        "too-many-requests",
        `this API key has ${maxUnfinished} unfinished jobs; wait for some to finish, or cancel some`,
        { headers: { "retry-after": "30" }, extensions: { maxUnfinished } },
      );
    }
    // Sent on the same connection after the create (and the enqueue, if it went out), so Redis runs
    // it after them even if they are late: whatever was half-made is removed, and the worker skips a
    // queued run whose record is gone. Not awaited: Redis may be stalled.
    void deps.jobs.discard(id, owner).catch(() => undefined);
    throw new AppError("unavailable", "the job store or queue is unavailable; try again shortly", {
      cause: err,
      headers: { "retry-after": "5" },
    });
  }
  deps.logger.info(
    {
      jobId: id,
      format: request.format,
      source: request.source.type,
      ...(post ? { post: post.fullname } : {}),
    },
    "video job created",
  );
  return { record, post };
}

async function resolveRedditPost(
  deps: CreateVideoJobDeps,
  source: RedditSource,
  jobId: string,
): Promise<{ post: NonNullable<CreatedVideoJob["post"]>; claimed?: { fullname: string } }> {
  const reddit = deps.reddit;
  if (!reddit) throw new AppError("validation-failed", "Reddit is not configured on this server");
  if (source.postId !== undefined) {
    const fullname = `t3_${source.postId}`;
    // Asked for by id: made even if it was used before, and remembered as used.
    await reddit.usedPosts.mark(fullname, jobId);
    return { post: { id: source.postId, fullname } };
  }
  const subreddits = parseSubreddits(source.subreddit);
  const best = await reddit.trends
    .claimBest(
      {
        subreddits,
        window: source.window,
        filters: {
          nsfw: source.nsfw,
          ...(source.minScore === undefined ? {} : { minScore: source.minScore }),
          ...(source.minComments === undefined ? {} : { minComments: source.minComments }),
        },
      },
      jobId,
    )
    .catch((err: unknown) => {
      throw asRedditProblem(err);
    });
  if (!best) throw new NothingNewError(subreddits);
  return { post: best, claimed: { fullname: best.fullname } };
}
