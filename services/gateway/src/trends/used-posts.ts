import type { Redis } from "ioredis";

/** Deletes the claim only if it still belongs to the job that made it. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Reddit posts already made into a video, so neither a schedule nor "best unused" makes the same
 * video twice, across restarts and across gateway tasks. One key per post fullname
 * (`vs:reddit:used:t3_abc`) whose value is the id of the job that claimed it. Claims are
 * `SET NX`: of two concurrent runs that pick the same post, exactly one wins and the other moves
 * on to the next candidate. Keys expire after 30 days by default: the oldest listing we read is
 * `top` of the week, so an older post can never come back as a candidate.
 */
export class UsedPostStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;

  constructor({
    redis,
    prefix = "vs:",
    ttlSeconds = 30 * 86_400,
  }: { redis: Redis; prefix?: string; ttlSeconds?: number }) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlSeconds = ttlSeconds;
  }

  #key(fullname: string): string {
    return `${this.#prefix}reddit:used:${fullname}`;
  }

  /** Marks the post as used by `jobId`; false when another job had already claimed it. */
  async claim(fullname: string, jobId: string): Promise<boolean> {
    return (await this.#redis.set(this.#key(fullname), jobId, "EX", this.#ttlSeconds, "NX")) === "OK";
  }

  /** Marks the post as used whether or not it was (a post asked for by id is made even if used). */
  async mark(fullname: string, jobId: string): Promise<void> {
    await this.#redis.set(this.#key(fullname), jobId, "EX", this.#ttlSeconds);
  }

  /** Gives the post back, if `jobId` still holds it (its job could not be created). */
  async release(fullname: string, jobId: string): Promise<boolean> {
    return (await this.#redis.eval(RELEASE_SCRIPT, 1, this.#key(fullname), jobId)) === 1;
  }

  /** The job that used the post, if any. */
  async usedBy(fullname: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(fullname))) ?? undefined;
  }

  /** Which of these posts are used. */
  async usedAmong(fullnames: readonly string[]): Promise<Set<string>> {
    if (fullnames.length === 0) return new Set();
    const values = await this.#redis.mget(...fullnames.map((name) => this.#key(name)));
    return new Set(fullnames.filter((_, index) => values[index] !== null));
  }
}
