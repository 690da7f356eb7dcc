import { type Meter, metrics } from "@opentelemetry/api";

export type { Meter, ObservableResult } from "@opentelemetry/api";

/**
 * A meter of the global provider that initTelemetry installs. Create instruments after
 * initTelemetry: before it (or without an endpoint) they are no-ops that record nothing.
 */
export function getMeter(name: string): Meter {
  return metrics.getMeter(name);
}
