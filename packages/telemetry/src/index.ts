export { getMeter, type Meter, type ObservableResult } from "./metrics.ts";
export { type TelemetryMiddlewareOptions, telemetryMiddleware } from "./middleware.ts";
export { initTelemetry, type Telemetry, type TelemetryLogger, type TelemetryOptions } from "./sdk.ts";
export { captureTraceCarrier, currentTraceId, type Span, withParentCarrier, withSpan } from "./spans.ts";
