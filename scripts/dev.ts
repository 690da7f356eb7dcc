/**
 * make dev: the demo's stack in the foreground, gateway on 127.0.0.1:3000, until Ctrl-C.
 * API_KEY (default "dev-key-change-me-0123") is the key to send as `Authorization: Bearer …`.
 */
import { join } from "node:path";
import { REPO_ROOT, startStack } from "./lib/stack.ts";

const apiKey = process.env.API_KEY ?? "dev-key-change-me-0123";
const stack = await startStack({
  dataDir: join(REPO_ROOT, ".data/dev"),
  gatewayPort: Number(process.env.GATEWAY_PORT ?? 3000),
  apiKey,
  logLevel: process.env.LOG_LEVEL ?? "info",
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  onStarted: (name, url) => console.error(`dev: ${name} is up at ${url}`),
});
console.error(`dev: gateway ready at ${stack.gatewayUrl} — API key "${apiKey}"; docs at ${stack.gatewayUrl}/docs`);
console.error(`dev: logs in ${stack.logDir}; storage in ${stack.storageDir}; Ctrl-C stops everything`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.error("\ndev: stopping");
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);
