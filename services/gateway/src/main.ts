import { loadConfig, redactConfig } from "@video-service/config";
import { createLogger } from "@video-service/logger";
import { initTelemetry } from "@video-service/telemetry";
import { gatewayConfigSchema } from "./config.ts";

const API_VERSION = "1.0.0";

const config = loadConfig(gatewayConfigSchema);
const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL });
// Before anything that loads node:http or the AWS SDK: the instrumentations patch them as they load.
const telemetry = initTelemetry({
  serviceName: "gateway",
  serviceVersion: API_VERSION,
  otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  logger,
});
logger.info({ config: redactConfig(config) }, "starting gateway");

const { startGateway } = await import("./start-gateway.ts");
await startGateway({ config, logger, telemetry });
