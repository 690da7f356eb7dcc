import { context, DiagLogLevel, diag, metrics, propagation, trace } from "@opentelemetry/api";
import { CompositePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { AwsInstrumentation } from "@opentelemetry/instrumentation-aws-sdk";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { AWSXRayPropagator } from "@opentelemetry/propagator-aws-xray";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

export interface TelemetryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface TelemetryOptions {
  /** "gateway" | "imagegen" | "renderer": becomes `service.name`, the node name X-Ray shows. */
  serviceName: string;
  /** OTLP/HTTP base URL, e.g. http://localhost:4318 (the ADOT sidecar). Absent → telemetry is off. */
  otlpEndpoint?: string;
  serviceVersion?: string;
  logger?: TelemetryLogger;
  /** How often metrics are sent to `${otlpEndpoint}/v1/metrics`; default 60 s (the sidecar batches them per minute). */
  metricExportIntervalMs?: number;
}

export interface Telemetry {
  /**
   * Flushes buffered spans and stops the SDK. Never rejects: a failed flush is logged as a warning.
   * Safe to call more than once; a no-op when disabled.
   */
  shutdown(): Promise<void>;
  enabled: boolean;
}

/** How often buffered spans are sent. The sidecar batches again before X-Ray, so a short delay costs little. */
const EXPORT_DELAY_MS = 1000;

let running: Telemetry | undefined;

/**
 * Starts the OpenTelemetry SDK: X-Ray trace ids, W3C + X-Ray propagation, OTLP/HTTP JSON export to
 * `${otlpEndpoint}/v1/traces` and `/v1/metrics`, and instrumentation of global fetch (undici), node:http clients and the
 * AWS SDK. Call it once, in main.ts, before the app's modules that use node:http or `@aws-sdk/*` are
 * loaded (import them dynamically afterwards): those two instrumentations patch modules as they load.
 * Without `otlpEndpoint` nothing is started and every helper of this package still works, without
 * recording.
 */
export function initTelemetry({
  serviceName,
  otlpEndpoint,
  serviceVersion,
  logger,
  metricExportIntervalMs = 60_000,
}: TelemetryOptions): Telemetry {
  if (!otlpEndpoint) {
    logger?.info({ serviceName }, "telemetry disabled: no OTLP endpoint configured");
    return { enabled: false, shutdown: async () => {} };
  }
  if (running) {
    // The SDK registers process-wide globals; a second SDK would not receive any span.
    logger?.warn({ serviceName }, "telemetry already started in this process; reusing it");
    return running;
  }
  if (logger) forwardDiagnostics(logger);

  const tracesUrl = `${otlpEndpoint.replace(/\/+$/, "")}/v1/traces`;
  const metricsUrl = `${otlpEndpoint.replace(/\/+$/, "")}/v1/metrics`;
  const instrumentations = createInstrumentations();
  const sdk = new NodeSDK({
    serviceName,
    resource: defaultResource().merge(
      resourceFromAttributes(serviceVersion ? { [ATTR_SERVICE_VERSION]: serviceVersion } : {}),
    ),
    // X-Ray ids: the first 4 bytes are the start time in epoch seconds, which older X-Ray exporters require.
    idGenerator: new AWSXRayIdGenerator(),
    // traceparent between our services, X-Amzn-Trace-Id for the ALB and AWS; both are read and written.
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()],
    }),
    spanProcessors: [
      // This exporter package sends the JSON encoding (Content-Type: application/json).
      new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }), { scheduledDelayMillis: EXPORT_DELAY_MS }),
    ],
    // Metrics through the same sidecar (OTLP/HTTP JSON; CloudWatch EMF in AWS). Instruments come
    // from the global meter provider, so they must be created after initTelemetry (main.ts does).
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: metricsUrl }),
        exportIntervalMillis: metricExportIntervalMs,
        exportTimeoutMillis: Math.min(30_000, metricExportIntervalMs),
      }),
    ],
    // No log exporter: logs go to stdout (awslogs in ECS).
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  logger?.info({ serviceName, tracesUrl, metricsUrl }, "telemetry started");

  let stopping: Promise<void> | undefined;
  const telemetry: Telemetry = {
    enabled: true,
    shutdown: () => {
      stopping ??= (async () => {
        try {
          await sdk.shutdown();
        } catch (error) {
          // Lost spans must not fail the service's shutdown (the sidecar may already be gone).
          logger?.warn({ err: error }, "telemetry flush failed; some spans were not exported");
        } finally {
          // Unpatch and release the globals so that the process could start telemetry again (tests do).
          for (const instrumentation of instrumentations) instrumentation.disable();
          trace.disable();
          metrics.disable();
          propagation.disable();
          context.disable();
          diag.disable();
          running = undefined;
        }
      })();
      return stopping;
    },
  };
  running = telemetry;
  return telemetry;
}

function createInstrumentations(): Instrumentation[] {
  return [
    // Global fetch: a CLIENT span per request, and traceparent/X-Amzn-Trace-Id injected into it.
    new UndiciInstrumentation(),
    // node:http clients only (the AWS SDK's HTTP handler, for example). Incoming requests get their
    // SERVER span from telemetryMiddleware, which knows the Hono route; letting this instrumentation
    // also trace them would make two server spans per request whenever its patch took effect.
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    new AwsInstrumentation({ suppressInternalInstrumentation: true }),
  ];
}

/** The SDK reports failed exports and misconfiguration through `diag`; send those to the service log. */
function forwardDiagnostics(logger: TelemetryLogger): void {
  const warn = (message: string, ...args: unknown[]) => {
    const detail = args.map((arg) => (arg instanceof Error ? arg.message : String(arg)));
    logger.warn({ otel: message, ...(detail.length > 0 ? { detail } : {}) }, "OpenTelemetry reported a problem");
  };
  diag.setLogger(
    { error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}
