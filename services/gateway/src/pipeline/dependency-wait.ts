import { ServiceError } from "@video-service/http-client";
import { isStorageUnavailable } from "@video-service/object-store";
import { backoffDelayMs } from "@video-service/retry";
import type { JobError, StageName } from "../jobs/job.types.ts";

/** A dependency that could not take a call: the job was not at fault and waits for it. */
export interface UnavailableDependency {
  /** "imagegen", "renderer" or "storage". */
  dependency: string;
  detail: string;
  /** What the dependency asked for (Retry-After), when it did. */
  retryAfterMs: number | undefined;
}

/**
 * Which dependency a failure says is down or busy, if any: a refused connection, no answer in time,
 * 429/502/503/504 from imagegen or the renderer (a busy renderer's admission 503 included), or the
 * object store unreachable. Everything else (a 4xx, a 500, a render that broke off mid-stream) is
 * the job's own failure and spends an attempt.
 */
export function unavailableDependency(err: unknown): UnavailableDependency | undefined {
  if (err instanceof ServiceError && err.unavailable) {
    return { dependency: err.service, detail: err.message, retryAfterMs: err.retryAfterMs };
  }
  if (isStorageUnavailable(err)) return { dependency: "storage", detail: err.message, retryAfterMs: undefined };
  return undefined;
}

/** Kept in the BullMQ job's data across its delays: when the wait began and how many tries it made. */
export interface DependencyWaitState {
  since: number;
  waits: number;
  stage: StageName | null;
}

export interface DependencyWaitPolicy {
  /** The whole wait's budget (DEPENDENCY_WAIT_MS). */
  maxWaitMs: number;
  /** The longest single pause (DEPENDENCY_BACKOFF_MAX_MS). */
  maxBackoffMs: number;
}

export type DependencyWaitDecision =
  | { wait: true; delayMs: number; state: DependencyWaitState; error: JobError }
  | { wait: false; error: JobError };

/**
 * What to do with a job whose stage met an unavailable dependency: wait again (a delay with
 * exponential backoff and full jitter, at least what the dependency asked for), or give up once the
 * wait has lasted `maxWaitMs`. A wait is per stage: a later stage meeting an outage starts afresh.
 */
export function decideDependencyWait({
  unavailable,
  stage,
  previous,
  policy,
  now,
}: {
  unavailable: UnavailableDependency;
  stage: StageName | null;
  previous: DependencyWaitState | undefined;
  policy: DependencyWaitPolicy;
  now: number;
}): DependencyWaitDecision {
  const state = previous && previous.stage === stage ? previous : { since: now, waits: 0, stage };
  const waitedMs = now - state.since;
  if (waitedMs >= policy.maxWaitMs) {
    return {
      wait: false,
      error: {
        stage,
        title: `The ${unavailable.dependency} stayed unavailable`,
        detail: `${unavailable.detail}. The job waited ${formatDuration(waitedMs)} (DEPENDENCY_WAIT_MS) for it; retry the job once the ${unavailable.dependency} is back.`,
        retryable: true,
      },
    };
  }
  const waits = state.waits + 1;
  const backoff = Math.max(50, backoffDelayMs(waits, { baseMs: 500, capMs: policy.maxBackoffMs }));
  const delayMs = Math.min(Math.max(backoff, unavailable.retryAfterMs ?? 0), policy.maxWaitMs - waitedMs);
  const giveUpAt = new Date(state.since + policy.maxWaitMs).toISOString();
  return {
    wait: true,
    delayMs,
    state: { ...state, waits },
    error: {
      stage,
      title: `Waiting for the ${unavailable.dependency}`,
      detail: `${unavailable.detail}. The job is back in the queue and tries again in ${formatDuration(delayMs)} (try ${waits}); it fails if the ${unavailable.dependency} is still unavailable at ${giveUpAt}.`,
      retryable: true,
    },
  };
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
