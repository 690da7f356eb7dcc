import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long a claim lives until its job is created: a claim that Redis ran late (the client was
 * already answered 503) must not block the key for a day.
 */
export const IDEMPOTENCY_CLAIM_SECONDS = 60;

export type IdempotencyClaim =
  | { kind: "new" }
  | { kind: "replay"; jobId: string }
  | { kind: "mismatch"; jobId: string };

/** A stable hash of a JSON value: object keys sorted, so formatting and key order do not matter. */
export function hashRequest(value: unknown): string {
  return createHash("sha256").update(stableStringify(value)).digest("hex");
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Idempotency keys in Redis, scoped per API key, remembered for 24 h. The first request claims
 * the key atomically (SET NX) for the job id it is about to create; a repeat with the same body
 * gets that job, a repeat with a different body is a conflict.
 */
export class IdempotencyStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor({ redis, prefix = "vs:" }: { redis: Redis; prefix?: string }) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #key(scope: string, idempotencyKey: string): string {
    const hashed = createHash("sha256").update(idempotencyKey).digest("hex");
    return `${this.#prefix}idem:${scope}:${hashed}`;
  }

  async claim({
    scope,
    idempotencyKey,
    requestHash,
    jobId,
  }: {
    scope: string;
    idempotencyKey: string;
    requestHash: string;
    jobId: string;
  }): Promise<IdempotencyClaim> {
    const key = this.#key(scope, idempotencyKey);
    const value = JSON.stringify({ requestHash, jobId });
    const set = await this.#redis.set(key, value, "EX", IDEMPOTENCY_CLAIM_SECONDS, "NX");
    if (set === "OK") return { kind: "new" };
    const existing = await this.#redis.get(key);
    if (existing === null) return this.claim({ scope, idempotencyKey, requestHash, jobId });
    const stored = JSON.parse(existing) as { requestHash: string; jobId: string };
    return stored.requestHash === requestHash
      ? { kind: "replay", jobId: stored.jobId }
      : { kind: "mismatch", jobId: stored.jobId };
  }

  /** The job exists: the key is remembered for the whole period. */
  async confirm({ scope, idempotencyKey }: { scope: string; idempotencyKey: string }): Promise<void> {
    await this.#redis.expire(this.#key(scope, idempotencyKey), IDEMPOTENCY_TTL_SECONDS);
  }

  /** Forgets a claim whose job could not be created, so the client can try again with the same key. */
  async release({ scope, idempotencyKey }: { scope: string; idempotencyKey: string }): Promise<void> {
    await this.#redis.del(this.#key(scope, idempotencyKey));
  }
}
