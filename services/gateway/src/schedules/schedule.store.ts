import type { Redis } from "ioredis";
import type { CreateScheduleRequest, ScheduleRun } from "./schedule.schemas.ts";

/**
 * Creates the schedule unless Redis runs it after the caller's deadline (it waited behind a stalled
 * server and the client was already answered 503: the schedule must not appear later). Returns 1 or
 * -1 (too late). KEYS: hash, index. ARGV: deadline ms (0: none), definition JSON, score, id.
 */
const CREATE_SCRIPT = `
local deadline = tonumber(ARGV[1])
if deadline > 0 then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > deadline then return -1 end
end
redis.call('HSET', KEYS[1], 'definition', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
`;

/** Redis ran the create after its deadline: nothing was stored. */
export class ScheduleNotCreatedError extends Error {
  override readonly name = "ScheduleNotCreatedError";
  constructor() {
    super("Redis ran the schedule's create after its deadline");
  }
}

export interface ScheduleRecord extends CreateScheduleRequest {
  id: string;
  createdAt: string;
  lastRun?: ScheduleRun | undefined;
}

/**
 * Schedules in Redis: one hash per schedule (`definition` JSON, `lastRun` JSON, written apart so a
 * run never overwrites an edit), and a sorted set of ids by creation time. The BullMQ job
 * schedulers that fire them live in Redis too; `reconcile` at start makes the two agree.
 */
export class ScheduleStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor({ redis, prefix = "vs:" }: { redis: Redis; prefix?: string }) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #key(id: string): string {
    return `${this.#prefix}schedule:${id}`;
  }

  get #indexKey(): string {
    return `${this.#prefix}schedules`;
  }

  /** `acceptBy` (epoch ms): Redis refuses the create after then (ScheduleNotCreatedError). */
  async create(record: ScheduleRecord, { acceptBy }: { acceptBy?: number | undefined } = {}): Promise<void> {
    const { lastRun: _lastRun, ...definition } = record;
    const created = await this.#redis.eval(
      CREATE_SCRIPT,
      2,
      this.#key(record.id),
      this.#indexKey,
      String(acceptBy ?? 0),
      JSON.stringify(definition),
      String(Date.parse(record.createdAt)),
      record.id,
    );
    if (created === -1) throw new ScheduleNotCreatedError();
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const hash = await this.#redis.hgetall(this.#key(id));
    return parse(hash);
  }

  async list(): Promise<ScheduleRecord[]> {
    const ids = await this.#redis.zrange(this.#indexKey, "0", "-1");
    if (ids.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.#key(id));
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([, hash]) => parse(hash as Record<string, string>) ?? []);
  }

  /** True when it existed. */
  async delete(id: string): Promise<boolean> {
    const [[, deleted] = [null, 0]] =
      (await this.#redis.multi().del(this.#key(id)).zrem(this.#indexKey, id).exec()) ?? [];
    return deleted === 1;
  }

  /** Records the last run, unless the schedule was deleted meanwhile. */
  async setLastRun(id: string, run: ScheduleRun): Promise<void> {
    if ((await this.#redis.hexists(this.#key(id), "definition")) === 0) return;
    await this.#redis.hset(this.#key(id), { lastRun: JSON.stringify(run) });
  }
}

function parse(hash: Record<string, string>): ScheduleRecord | undefined {
  if (!hash.definition) return undefined;
  const record = JSON.parse(hash.definition) as ScheduleRecord;
  if (hash.lastRun) record.lastRun = JSON.parse(hash.lastRun) as ScheduleRun;
  return record;
}
