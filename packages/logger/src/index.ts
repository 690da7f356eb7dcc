import { trace } from "@opentelemetry/api";
import { type Logger, pino } from "pino";
import { redactCredentialsDeep, redactUrlCredentials } from "./redact-url.ts";

export type { Logger } from "pino";
export { redactCredentialsDeep, redactUrlCredentials } from "./redact-url.ts";

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/** Paths never written to the log, whatever a caller passes. */
const REDACT = [
  "req.headers.authorization",
  "req.headers.x-api-key",
  "req.headers.x-internal-token",
  "headers.authorization",
  "headers.x-api-key",
  "headers.x-internal-token",
  "*.token",
  "*.secret",
  "*.password",
  "*.apiKey",
];

/**
 * JSON logs with the active trace and span ids, so a log line leads to its X-Ray trace
 * (X-Ray shows the trace id as 1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx).
 */
export function createLogger({ service, level = "info", destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      // URLs with user:password@ anywhere in a line (REDIS_URL, a webhook URL, an error message).
      formatters: { log: (object) => redactCredentialsDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((arg) => (typeof arg === "string" ? redactUrlCredentials(arg) : arg));
          method.apply(this, redacted as Parameters<typeof method>);
        },
      },
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        if (!context) return {};
        const { traceId, spanId } = context;
        return { trace_id: traceId, span_id: spanId, xray_trace_id: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}` };
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

/** A logger that writes nothing, for tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
