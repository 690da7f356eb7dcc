import { mkdir } from "node:fs/promises";
import { loadConfig, redactConfig } from "@video-service/config";
import { createLogger } from "@video-service/logger";
import { installShutdown } from "@video-service/shutdown";
import { createTaskProtection, protectWhileHeld } from "@video-service/task-protection";
import { initTelemetry } from "@video-service/telemetry";
import { rendererConfigSchema } from "./config.ts";
import type { TtsEngine } from "./speech/tts.ts";

const config = loadConfig(rendererConfigSchema);
const logger = createLogger({ service: "renderer", level: config.logLevel });
// Telemetry first: its http and aws-sdk instrumentations patch those modules as they load, so
// everything that uses them is imported afterwards.
const telemetry = initTelemetry({ serviceName: "renderer", otlpEndpoint: config.otlpEndpoint, logger });

const [
  { createApp, createRenderAdmission },
  { probeCapabilities },
  { createObjectStore },
  { listen },
  { createEspeakEngine },
  { sweepScratch },
  { createPollyClient },
  { createPollyEngine },
] = await Promise.all([
  import("./app.ts"),
  import("./ffmpeg/ffmpeg.runner.ts"),
  import("@video-service/object-store"),
  import("@video-service/shutdown"),
  import("./speech/espeak.engine.ts"),
  import("./render/scratch.ts"),
  import("./speech/polly.client.ts"),
  import("./speech/polly.engine.ts"),
]);

// Nested secrets (the storage signing key) are left out rather than redacted one by one.
const { storage, ...flat } = config;
logger.info({ config: { ...redactConfig(flat), storage: storage.kind } }, "starting renderer");
// A renderer that died (SIGKILL, OOM) may have left FFmpeg running and work dirs behind.
await mkdir(config.scratchDir, { recursive: true });
await sweepScratch({ scratchDir: config.scratchDir, logger });
const capabilities = await probeCapabilities();
if (!capabilities.ok) logger.error({ capabilities }, "ffmpeg lacks what renders need; /readyz will fail");

const store = createObjectStore(config.storage);
// ECS scale-in protection while a render runs, so scaling and deploys never stop one mid-way.
const protection = createTaskProtection({ agentUri: config.ecsAgentUri, expiresInMinutes: 60, logger });
const admission = protectWhileHeld(createRenderAdmission({ concurrency: config.renderConcurrency }), protection);
const espeak = createEspeakEngine();
// Polly only when configured: a request for it otherwise gets a 422 naming the engines available.
const polly = config.polly
  ? createPollyEngine({
      client: createPollyClient({ region: config.polly.region, endpoint: config.polly.endpoint, logger }),
      logger,
      engines: config.polly.engines,
    })
  : undefined;
const tts: Record<string, TtsEngine> = polly ? { espeak, polly } : { espeak };
const app = createApp({
  store,
  logger,
  internalToken: config.internalToken,
  scratchDir: config.scratchDir,
  renderConcurrency: config.renderConcurrency,
  admission,
  capabilities,
  tts,
});
// Renders are drained before the server closes; what is still open after the grace is cut off and logged.
const server = await listen(app, { port: config.port, hostname: config.host, logger });
logger.info({ url: server.url }, "renderer listening");

installShutdown({
  logger,
  // Drain window + abort + close + flush, under the ECS stopTimeout (120 s in the task definition).
  timeoutMs: config.renderDrainMs + 20_000,
  steps: [
    { name: "stop admitting renders", run: () => admission.stopAdmitting() },
    {
      name: "drain renders",
      run: async () => {
        if (await admission.waitIdle(config.renderDrainMs)) return;
        logger.info({ active: admission.active }, "drain window over; aborting running renders");
        admission.abortAll("service shutting down");
        await admission.waitIdle(10_000);
      },
    },
    { name: "close server", run: () => server.close() },
    { name: "clear task protection", run: () => protection.close() },
    { name: "stop speech engines", run: async () => void (await Promise.all([espeak.close(), polly?.close()])) },
    { name: "flush telemetry", run: () => telemetry.shutdown() },
  ],
});
