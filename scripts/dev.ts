/**
 * make dev: the demo's stack in the foreground, gateway on 127.0.0.1:3000, until Ctrl-C.
 * API_KEY (default "dev-key-change-me-0123") is the key to send as `Authorization: Bearer …`.
 * Webhooks are signed with WEBHOOK_SECRET (a new whsec_ secret each run unless given), and may
 * reach receivers on this machine (WEBHOOK_ALLOW_HOSTS, loopback by default).
 */
import { join } from "node:path";
import { generateWebhookSecret } from "../services/gateway/src/webhooks/webhook-signature.ts";
import { REPO_ROOT, startStack } from "./lib/stack.ts";

const apiKey = process.env.API_KEY ?? "dev-key-change-me-0123";
const webhookSecret = process.env.WEBHOOK_SECRET ?? generateWebhookSecret();
const stack = await startStack({
  env: {
    WEBHOOK_SECRET: webhookSecret,
    WEBHOOK_ALLOW_HOSTS: process.env.WEBHOOK_ALLOW_HOSTS ?? "127.0.0.1,::1,localhost",
  },
  dataDir: join(REPO_ROOT, ".data/dev"),
  gatewayPort: Number(process.env.GATEWAY_PORT ?? 3000),
  apiKey,
  logLevel: process.env.LOG_LEVEL ?? "info",
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  onStarted: (name, url) => console.error(`dev: ${name} is up at ${url}`),
});
console.error(`dev: gateway ready at ${stack.gatewayUrl} — API key "${apiKey}"; docs at ${stack.gatewayUrl}/docs`);
console.error(`dev: webhooks are signed (Standard Webhooks) with WEBHOOK_SECRET=${webhookSecret}`);
console.error("dev:   verify them as the README shows; webhooks may reach 127.0.0.1, ::1 and localhost");
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
