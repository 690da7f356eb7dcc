import { callService, type ServiceConnection } from "./service-call.ts";

/** Readiness answers fast or not at all: /readyz of the caller must itself answer within the ALB's check timeout. */
const READY_TIMEOUT_MS = 5_000;

/** GET /readyz once, without retries: the caller's own readiness check is polled anyway. */
export function checkReady(connection: ServiceConnection, signal: AbortSignal | undefined): Promise<void> {
  return callService(connection, {
    method: "GET",
    path: "/readyz",
    signal,
    retries: 0,
    timeoutMs: Math.min(connection.timeoutMs, READY_TIMEOUT_MS),
    onSuccess: async (response) => {
      // Drain the body so the connection returns to the pool.
      await response.arrayBuffer();
    },
  });
}
