import type { Logger } from "@video-service/logger";
import { installShutdown, listen } from "@video-service/shutdown";
import type { Telemetry } from "@video-service/telemetry";
import type { GatewayConfig } from "./config.ts";
import { createGatewayServices } from "./wiring.ts";

/**
 * Builds the adapters from the configuration, starts the worker (unless RUN_WORKER=false) and the
 * HTTP server, and installs the graceful shutdown. Loaded by main.ts after telemetry is started.
 */
export async function startGateway({
  config,
  logger,
  telemetry,
}: {
  config: GatewayConfig;
  logger: Logger;
  telemetry: Telemetry;
}): Promise<void> {
  const shutdown = new AbortController();
  const services = await createGatewayServices({
    config,
    logger,
    overrides: { app: { shutdownSignal: shutdown.signal } },
  });
  const { app, redis, reddit } = services;
  // Schedules live in Redis; their BullMQ job schedulers too. Make them agree after a restart, in
  // the background: a Redis outage at start must not keep the gateway from serving /healthz.
  void reddit?.schedules
    .reconcile()
    .catch((err: unknown) =>
      logger.error({ err }, "could not reconcile the schedules with the queue; its job schedulers stay as they were"),
    );

  const server = await listen(app, { port: config.PORT, hostname: config.HOST, logger });
  logger.info({ url: server.url, worker: config.RUN_WORKER }, "gateway listening");

  installShutdown({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    steps: [
      // Stop accepting requests first; open SSE streams end when the connections close.
      {
        name: "http",
        run: () => {
          shutdown.abort();
          return server.close();
        },
      },
      // The running stage finishes; later stages go back to the queue for another task.
      ...services.closeSteps,
      { name: "redis", run: async () => void (await redis.quit()) },
      { name: "telemetry", run: () => telemetry.shutdown() },
    ],
  });
}
