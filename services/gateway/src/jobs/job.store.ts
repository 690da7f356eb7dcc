import type { Redis } from "ioredis";
import type { WebhookDelivery } from "../pipeline/webhook.ts";
import { CREATE_SCRIPT, HSET_EXISTING_SCRIPT, TRANSITION_SCRIPT } from "./job.store.lua.ts";
import { type JobError, type JobStatus, STAGE_NAMES, type StageName, type StageState } from "./job.types.ts";
import { parseRecord, pendingStage } from "./job-record.ts";
import type { VideoRequest } from "./video-request.types.ts";

/** What the render produced, by key; URLs are signed when a client reads the job. */
export interface JobOutputs {
  video: { key: string; durationSeconds: number; sizeBytes: number; width: number; height: number };
  thumbnail?: { key: string };
  metadata?: { key: string };
  youtube?: { videoId: string; url: string };
  /** Who spoke, and for Polly what it billed (NarrationUsage). */
  narration?: {
    engine: string;
    voice: string;
    engines?: string[];
    billedCharacters?: number;
    estimatedCostUsd?: number;
  };
}

export interface JobRecord {
  id: string;
  status: JobStatus;
  /** The stage running now, or the one that failed; null before the first stage. */
  stage: StageName | null;
  progress: number;
  stages: Record<StageName, StageState>;
  /** Why it failed (failed), or why it waits (queued for a dependency or the upload budget). */
  error?: JobError;
  /** The failure of the attempt before the current one, when the job was retried (automatically or by POST …/retry). */
  lastError?: JobError;
  outputs?: JobOutputs;
  createdAt: string;
  updatedAt: string;
  request: VideoRequest;
  /** Increments on every retry; the BullMQ job id of a run is `${id}-${run}`. */
  run: number;
  /** W3C/X-Ray trace context captured at POST time, so the worker's spans join the request's trace. */
  traceCarrier: Record<string, string>;
  /** The id of the API key that created it (its unfinished jobs are capped); absent for scheduled runs. */
  owner?: string;
  /** Webhook deliveries and their attempts, oldest first. */
  webhooks?: WebhookDelivery[];
}

export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];
export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Why a job was not created. */
export class JobNotCreatedError extends Error {
  override readonly name = "JobNotCreatedError";
  readonly reason: "too-late" | "too-many-unfinished";
  constructor(reason: "too-late" | "too-many-unfinished") {
    super(reason === "too-late" ? "Redis ran the create after its deadline" : "too many unfinished jobs");
    this.reason = reason;
  }
}

export interface TransitionOptions {
  id: string;
  from: readonly JobStatus[];
  to: JobStatus;
  set?: Partial<Pick<JobRecord, "stage" | "progress" | "error" | "lastError" | "outputs" | "run">>;
  unset?: ("error" | "lastError" | "outputs")[];
  /** In the same atomic step, replaces each of these stages' state with the one given if it is still "running". */
  endRunningStages?: Partial<Record<StageName, StageState>>;
  /** Only if the record is still at this run (not retried since). */
  run?: number;
}

export type TransitionResult =
  | {
      ok: true;
      previous: JobStatus /** The stages `endRunningStages` ended (only when asked). */;
      endedStages?: StageName[];
    }
  | { ok: false; current: JobStatus | undefined };

export interface ListOptions {
  status?: JobStatus | undefined;
  limit: number;
  /** The id of the last job of the previous page. */
  after?: string | undefined;
}

/**
 * Job records in Redis: one hash per job, whose fields are written separately (status, progress,
 * one field per stage state and per stage output), so the worker's progress writes and the API's
 * cancel never overwrite each other. A lexicographic sorted set of ids (ids sort by creation
 * time) lists them newest first.
 */
export class JobStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => Date;
  readonly #retentionSeconds: number;

  constructor({
    redis,
    prefix = "vs:",
    now = () => new Date(),
    retentionSeconds = 30 * 86_400,
  }: {
    redis: Redis;
    prefix?: string;
    now?: () => Date;
    /** How long a finished job stays readable; its listing entry is dropped lazily after that. */
    retentionSeconds?: number;
  }) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#now = now;
    this.#retentionSeconds = retentionSeconds;
  }

  #key(id: string): string {
    return `${this.#prefix}job:${id}`;
  }

  get #cleanupKey(): string {
    return `${this.#prefix}temp-cleanup`;
  }

  get #indexKey(): string {
    return `${this.#prefix}jobs`;
  }

  #activeKey(owner: string): string {
    return `${this.#prefix}active:${owner}`;
  }

  /** Unfinished (queued or running) jobs created with this owner. */
  async countUnfinished(owner: string): Promise<number> {
    return this.#redis.scard(this.#activeKey(owner));
  }

  async #hsetExisting(id: string, fields: Record<string, string>): Promise<void> {
    await this.#redis.eval(HSET_EXISTING_SCRIPT, 1, this.#key(id), ...Object.entries(fields).flat());
  }

  /**
   * Creates a queued record. `acceptBy` (epoch ms): Redis refuses it after then (JobNotCreatedError
   * "too-late"); `owner` + `maxUnfinished`: refused when the owner has that many unfinished jobs.
   */
  async create(options: {
    id: string;
    request: VideoRequest;
    traceCarrier: Record<string, string>;
    owner?: string | undefined;
    acceptBy?: number | undefined;
    maxUnfinished?: number | undefined;
  }): Promise<JobRecord> {
    const now = this.#now().toISOString();
    const fields: Record<string, string> = {
      id: options.id,
      status: "queued",
      stage: "",
      progress: "0",
      createdAt: now,
      updatedAt: now,
      request: JSON.stringify(options.request),
      run: "1",
      traceCarrier: JSON.stringify(options.traceCarrier),
    };
    for (const stage of STAGE_NAMES) fields[`st:${stage}`] = JSON.stringify(pendingStage());
    if (options.owner) fields.owner = options.owner;
    const created = (await this.#redis.eval(
      CREATE_SCRIPT,
      3,
      this.#key(options.id),
      this.#indexKey,
      // Scheduled runs have no owner: their ids go to a set that is never capped.
      this.#activeKey(options.owner ?? "-"),
      String(options.acceptBy ?? 0),
      String(options.owner ? (options.maxUnfinished ?? 0) : 0),
      options.id,
      options.owner ? "1" : "0",
      ...Object.entries(fields).flat(),
    )) as number;
    if (created === -1) throw new JobNotCreatedError("too-late");
    if (created === -2) throw new JobNotCreatedError("too-many-unfinished");
    return parseRecord(fields);
  }

  /** Removes a record whose creation failed half-way (it was never answered to a client). */
  async discard(id: string, owner?: string): Promise<void> {
    await this.#redis
      .multi()
      .del(this.#key(id))
      .zrem(this.#indexKey, id)
      .srem(this.#activeKey(owner ?? "-"), id)
      .exec();
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const hash = await this.#redis.hgetall(this.#key(id));
    if (!hash.status) return undefined;
    return parseRecord(hash);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.#redis.exists(this.#key(id))) === 1;
  }

  async transition({
    id,
    from,
    to,
    set = {},
    unset = [],
    endRunningStages,
    run,
  }: TransitionOptions): Promise<TransitionResult> {
    const fields: Record<string, string> = { status: to, updatedAt: this.#now().toISOString() };
    if (set.stage !== undefined) fields.stage = set.stage ?? "";
    if (set.progress !== undefined) fields.progress = String(set.progress);
    if (set.error !== undefined) fields.error = JSON.stringify(set.error);
    if (set.lastError !== undefined) fields.lastError = JSON.stringify(set.lastError);
    if (set.outputs !== undefined) fields.outputs = JSON.stringify(set.outputs);
    if (set.run !== undefined) fields.run = String(set.run);
    const result = (await this.#redis.eval(
      TRANSITION_SCRIPT,
      1,
      this.#key(id),
      JSON.stringify(from),
      JSON.stringify(fields),
      JSON.stringify(unset),
      isTerminal(to) ? "expire" : "persist",
      String(this.#retentionSeconds),
      this.#prefix,
      id,
      endRunningStages
        ? JSON.stringify(
            Object.fromEntries(
              Object.entries(endRunningStages).map(([stage, state]) => [`st:${stage}`, JSON.stringify(state)]),
            ),
          )
        : "",
      run === undefined ? "" : String(run),
    )) as [number, string, string[]?] | null;
    if (result === null) return { ok: false, current: undefined };
    const [ok, status, ended] = result;
    if (ok !== 1) return { ok: false, current: status as JobStatus };
    return endRunningStages
      ? {
          ok: true,
          previous: status as JobStatus,
          endedStages: (ended ?? []).map((field) => field.slice(3) as StageName),
        }
      : { ok: true, previous: status as JobStatus };
  }

  /** Small writes of the running job: current stage and progress. */
  async setProgress(id: string, update: { stage?: StageName; progress?: number }): Promise<void> {
    const fields: Record<string, string> = { updatedAt: this.#now().toISOString() };
    if (update.stage !== undefined) fields.stage = update.stage;
    if (update.progress !== undefined) fields.progress = String(Math.max(0, Math.min(1, update.progress)));
    await this.#hsetExisting(id, fields);
  }

  async setStageState(id: string, stage: StageName, state: StageState): Promise<void> {
    await this.#hsetExisting(id, { [`st:${stage}`]: JSON.stringify(state), updatedAt: this.#now().toISOString() });
  }

  async setError(id: string, error: JobError): Promise<void> {
    await this.#hsetExisting(id, { error: JSON.stringify(error), updatedAt: this.#now().toISOString() });
  }

  async setOutputs(id: string, outputs: JobOutputs): Promise<void> {
    await this.#hsetExisting(id, { outputs: JSON.stringify(outputs), updatedAt: this.#now().toISOString() });
  }

  /** A finished stage's output, kept so a retry resumes after it. */
  async setStageOutput(id: string, stage: StageName, output: unknown): Promise<void> {
    await this.#hsetExisting(id, { [`out:${stage}`]: JSON.stringify(output) });
  }

  async getStageOutput(id: string, stage: StageName): Promise<unknown> {
    const raw = await this.#redis.hget(this.#key(id), `out:${stage}`);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }

  async deleteStageOutput(id: string, stage: StageName): Promise<void> {
    await this.#redis.hdel(this.#key(id), `out:${stage}`);
  }

  /**
   * A running stage's resumable state (the YouTube upload session, say), written as the stage
   * goes so that another worker after a crash continues instead of starting over. Internal: never
   * part of the job's public view.
   */
  async setStageProgressState(id: string, stage: StageName, state: unknown): Promise<void> {
    await this.#hsetExisting(id, { [`ps:${stage}`]: JSON.stringify(state) });
  }

  /** A webhook delivery and its attempts so far (one field per delivery; only its sender writes it). */
  async setWebhookDelivery(id: string, delivery: WebhookDelivery): Promise<void> {
    await this.#hsetExisting(id, { [`wh:${delivery.id}`]: JSON.stringify(delivery) });
  }

  async getWebhookDelivery(id: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const raw = await this.#redis.hget(this.#key(id), `wh:${deliveryId}`);
    return raw === null ? undefined : (JSON.parse(raw) as WebhookDelivery);
  }

  async getStageProgressState(id: string, stage: StageName): Promise<unknown> {
    const raw = await this.#redis.hget(this.#key(id), `ps:${stage}`);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }

  /** Failed jobs keep their temp objects (a retry resumes with them) until `at`; then a sweep removes them. */
  async scheduleTempCleanup(id: string, at: Date): Promise<void> {
    await this.#redis.zadd(this.#cleanupKey, at.getTime(), id);
  }

  async cancelTempCleanup(id: string): Promise<void> {
    await this.#redis.zrem(this.#cleanupKey, id);
  }

  /** Takes up to `limit` due cleanups; each is handed to exactly one caller (ZREM decides). */
  async takeDueTempCleanups(now: Date, limit = 100): Promise<string[]> {
    const ids = await this.#redis.zrangebyscore(this.#cleanupKey, "-inf", now.getTime(), "LIMIT", 0, limit);
    const taken: string[] = [];
    for (const id of ids) if ((await this.#redis.zrem(this.#cleanupKey, id)) === 1) taken.push(id);
    return taken;
  }

  /** Newest first. With a status filter, scans the index in batches until the page is full. */
  async list({ status, limit, after }: ListOptions): Promise<{ jobs: JobRecord[]; next: string | undefined }> {
    const jobs: JobRecord[] = [];
    let upper = after === undefined ? "+" : `(${after}`;
    const batch = Math.max(limit * 2, 50);
    for (;;) {
      const ids = await this.#redis.zrange(this.#indexKey, upper, "-", "BYLEX", "REV", "LIMIT", 0, batch);
      if (ids.length === 0) return { jobs, next: undefined };
      const pipeline = this.#redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.#key(id));
      const hashes = (await pipeline.exec()) ?? [];
      const expired: string[] = [];
      for (const [index, [, hash]] of hashes.entries()) {
        const fields = hash as Record<string, string>;
        if (!fields.status) {
          expired.push(ids[index] as string);
          continue;
        }
        const record = parseRecord(fields);
        if (status !== undefined && record.status !== status) continue;
        jobs.push(record);
        if (jobs.length === limit) {
          if (expired.length > 0) await this.#redis.zrem(this.#indexKey, ...expired);
          const more = index < ids.length - 1 || ids.length === batch;
          return { jobs, next: more ? record.id : undefined };
        }
      }
      if (expired.length > 0) await this.#redis.zrem(this.#indexKey, ...expired);
      if (ids.length < batch) return { jobs, next: undefined };
      upper = `(${ids[ids.length - 1]}`;
    }
  }
}
