import {
  context,
  isSpanContextValid,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";

export type { Span } from "@opentelemetry/api";

const TRACER_NAME = "@video-service/telemetry";

/** The tracer of our own spans. Looked up per call so that it follows the provider initTelemetry registers. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Marks a span failed with the error that failed it (X-Ray shows it as a fault with its cause). */
export function recordError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException({ name: "Error", message: String(error) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `fn` inside an active INTERNAL span (a pipeline stage, a cache lookup…): spans started in `fn`,
 * fetches included, become its children. A throw is recorded on the span, which is marked ERROR, and
 * rethrown; the span always ends.
 */
export function withSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The active trace context as a plain object (`traceparent`, `X-Amzn-Trace-Id`), to store on a job
 * record so that the worker continues the request's trace. Empty when telemetry is off.
 */
export function captureTraceCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `fn` with the context saved by captureTraceCarrier as its parent; without a carrier, as is. */
export function withParentCarrier<T>(carrier: Record<string, string> | undefined, fn: () => Promise<T>): Promise<T> {
  if (!carrier || Object.keys(carrier).length === 0) return fn();
  return context.with(propagation.extract(context.active(), carrier), fn);
}

/** The active trace id (32 hex characters), or undefined outside any trace (and always when telemetry is off). */
export function currentTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
