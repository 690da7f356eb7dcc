import { loadConfig, redactConfig } from "@video-service/config";
import { createLogger } from "@video-service/logger";
import { initTelemetry } from "@video-service/telemetry";
import { imagegenConfigSchema } from "./config.ts";

const config = loadConfig(imagegenConfigSchema);
const logger = createLogger({ service: "imagegen", level: config.logLevel });
// Telemetry first: its http and aws-sdk instrumentations patch those modules as they load, so
// everything that uses them is imported afterwards.
const telemetry = initTelemetry({ serviceName: "imagegen", otlpEndpoint: config.otlpEndpoint, logger });

const [{ createApp }, { createObjectStore }, { listen, installShutdown }] = await Promise.all([
  import("./app.ts"),
  import("@video-service/object-store"),
  import("@video-service/shutdown"),
]);

logger.info({ config: redactConfig({ ...config, storage: redactConfig({ ...config.storage }) }) }, "starting imagegen");
const store = createObjectStore(config.storage);
const app = createApp({
  store,
  logger,
  internalToken: config.internalToken,
  ...(config.renderConcurrency ? { concurrency: config.renderConcurrency } : {}),
  maxQueuedCards: config.maxQueuedCards,
});
const server = await listen(app, { port: config.port, hostname: config.host, logger });
logger.info({ url: server.url }, "imagegen listening");

installShutdown({
  logger,
  // Cards take well under a second each; this leaves room for a full batch and the span flush.
  timeoutMs: 25_000,
  steps: [
    { name: "close server", run: () => server.close() },
    { name: "flush telemetry", run: () => telemetry.shutdown() },
  ],
});
