import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { isTerminal } from "../jobs/job.store.ts";
import type { JobEvent } from "../jobs/job-events.ts";
import { toVideoView } from "../jobs/job-view.ts";
import type { ApiDeps } from "./api.types.ts";

/**
 * A job's events as SSE. Subscribes before reading the current state, so nothing between the two
 * is lost; sends the state, then each event as it is published (by whichever task runs the job),
 * with heartbeat comments so proxies keep the connection; ends after the final state.
 * Event ids count per connection: a reconnect (Last-Event-ID) is answered with the current state,
 * which is everything a client needs to catch up.
 */
export function streamVideoEvents(c: Context, { id, deps }: { id: string; deps: ApiDeps }): Response {
  const { jobs, events, store, config } = deps;
  const heartbeatMs = deps.sseHeartbeatMs ?? 15_000;
  c.header("cache-control", "no-cache, no-transform");
  // Tells nginx-style proxies not to buffer the stream.
  c.header("x-accel-buffering", "no");
  return streamSSE(c, async (stream) => {
    let sequence = 0;
    const queue: JobEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = await events.subscribe(id, (event) => {
      queue.push(event);
      wake?.();
    });
    let closed = false;
    const close = () => {
      closed = true;
      wake?.();
    };
    stream.onAbort(close);
    // On shutdown the stream ends; clients reconnect (to another task) and get the current state.
    deps.shutdownSignal?.addEventListener("abort", close, { once: true });
    if (deps.shutdownSignal?.aborted) closed = true;
    const sendState = async () => {
      const record = await jobs.get(id);
      if (!record) return undefined;
      const view = await toVideoView(record, store, config.SIGNED_URL_TTL_SECONDS);
      await stream.writeSSE({ event: "state", id: String(++sequence), data: JSON.stringify(view) });
      return record;
    };
    try {
      const initial = await sendState();
      if (!initial || isTerminal(initial.status)) return;
      while (!closed) {
        const event = queue.shift();
        if (!event) {
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          if (timedOut && !closed) await stream.write(": heartbeat\n\n");
          continue;
        }
        await stream.writeSSE({ event: event.type, id: String(++sequence), data: JSON.stringify(event) });
        if (event.type === "status" && isTerminal(event.status)) {
          await sendState();
          return;
        }
      }
    } finally {
      deps.shutdownSignal?.removeEventListener("abort", close);
      await unsubscribe();
    }
  });
}
