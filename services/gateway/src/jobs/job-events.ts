import type { Redis } from "ioredis";
import type { JobStatus, StageName } from "./job.types.ts";

/** What a job's SSE stream carries; published by whichever task runs the job. */
export type JobEvent =
  | { type: "progress"; progress: number; stage: StageName | null }
  | { type: "stage"; stage: StageName; status: "running" | "succeeded" | "failed" | "skipped" }
  | { type: "status"; status: JobStatus };

export type JobEventListener = (event: JobEvent) => void;

export interface JobEvents {
  publish(id: string, event: JobEvent): Promise<void>;
  /** Resolves once the subscription is active, so nothing published afterwards is missed. */
  subscribe(id: string, listener: JobEventListener): Promise<() => Promise<void>>;
  /** Asks whichever worker runs the job to abort it. */
  publishCancel(id: string): Promise<void>;
  onCancel(listener: (id: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Redis pub/sub: one channel per job (so any gateway task can serve a job's SSE stream) and one
 * cancel channel every worker listens on. One subscriber connection, fanned out in process.
 * Publishes go out on `publisher` (the API's fail-fast connection for the API; `redis` by default);
 * the subscriber is duplicated from `redis` (a subscription waits out a Redis blip).
 */
export function createJobEvents({
  redis,
  publisher = redis,
  prefix = "vs:",
}: {
  redis: Redis;
  publisher?: Redis;
  prefix?: string;
}): JobEvents {
  const subscriber = redis.duplicate();
  // A duplicate has no listeners: without one, every reconnect attempt is an "Unhandled error event"
  // on stderr. The connection it was duplicated from reports the same outage in the log.
  subscriber.on("error", () => undefined);
  const listeners = new Map<string, Set<(message: string) => void>>();
  const channelOf = (id: string) => `${prefix}events:${id}`;
  const cancelChannel = `${prefix}cancel`;

  subscriber.on("message", (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message);
  });

  const add = async (channel: string, listener: (message: string) => void) => {
    let set = listeners.get(channel);
    if (!set) {
      set = new Set();
      listeners.set(channel, set);
    }
    set.add(listener);
    if (set.size === 1) await subscriber.subscribe(channel);
    return async () => {
      const current = listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        listeners.delete(channel);
        await subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  };

  return {
    async publish(id, event) {
      await publisher.publish(channelOf(id), JSON.stringify(event));
    },
    subscribe(id, listener) {
      return add(channelOf(id), (message) => listener(JSON.parse(message) as JobEvent));
    },
    async publishCancel(id) {
      await publisher.publish(cancelChannel, id);
    },
    onCancel(listener) {
      return add(cancelChannel, listener);
    },
    async close() {
      listeners.clear();
      subscriber.disconnect();
    },
  };
}
