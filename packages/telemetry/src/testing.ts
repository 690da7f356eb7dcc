import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** OTLP span kinds by their protocol number (opentelemetry/proto/trace/v1/trace.proto `SpanKind`). */
const SPAN_KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;
export type CollectedSpanKind = (typeof SPAN_KINDS)[number];

const STATUS_CODES = ["unset", "ok", "error"] as const;
export type CollectedStatusCode = (typeof STATUS_CODES)[number];

export type CollectedValue = string | number | boolean | null | CollectedValue[] | { [key: string]: CollectedValue };

/** One exported span, flattened from its resource and scope. Ids are lowercase hex. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: CollectedSpanKind;
  /** The resource's `service.name`. */
  serviceName: string;
  attributes: Record<string, CollectedValue>;
  status: { code: CollectedStatusCode; message: string | undefined };
  events: { name: string; attributes: Record<string, CollectedValue> }[];
  /** The instrumentation scope that made the span, e.g. `@opentelemetry/instrumentation-undici`. */
  scope: string;
  /** Nanoseconds since the epoch, as the decimal string OTLP/JSON carries (too large for a number). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  resource: Record<string, CollectedValue>;
}

/** One data point of an exported metric, flattened from its resource, scope and metric. */
export interface CollectedMetricPoint {
  name: string;
  unit: string;
  description: string;
  type: "sum" | "gauge" | "histogram";
  /** The resource's `service.name`. */
  serviceName: string;
  scope: string;
  attributes: Record<string, CollectedValue>;
  /** Sums and gauges. */
  value?: number;
  /** Sums: counters are monotonic. */
  isMonotonic?: boolean;
  /** Histograms. */
  count?: number;
  sum?: number;
}

export interface FakeOtlpCollector {
  /** Base URL to use as the OTLP endpoint (the exporters append /v1/traces and /v1/metrics). */
  url: string;
  /** Every span received so far, in arrival order. */
  spans(): CollectedSpan[];
  /** Resolves with all spans once `predicate(all spans)` holds; rejects after `timeoutMs`, naming what arrived. */
  waitForSpans(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  /** Every metric data point received so far, in arrival order (cumulative exports repeat a series). */
  metrics(): CollectedMetricPoint[];
  close(): Promise<void>;
}

/**
 * A local OTLP/HTTP receiver for tests: `POST /v1/traces` and `POST /v1/metrics` with the JSON
 * encoding (optionally gzip-compressed), answered `200 {}` (an empty Export*ServiceResponse) as a collector does.
 * Protobuf bodies get 415: our exporter sends JSON, so protobuf here means a misconfigured process.
 */
export async function startFakeOtlpCollector(): Promise<FakeOtlpCollector> {
  const collected: CollectedSpan[] = [];
  const collectedMetrics: CollectedMetricPoint[] = [];
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    void receive(req, res).catch((error: unknown) => {
      answer(res, 400, { code: 3, message: error instanceof Error ? error.message : String(error) });
    });
  });

  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://collector").pathname;
    if (path !== "/v1/traces" && path !== "/v1/metrics") {
      return answer(res, 404, { code: 5, message: `no receiver at ${path}` });
    }
    if (req.method !== "POST") return answer(res, 405, { code: 12, message: "use POST" });
    const contentType = req.headers["content-type"] ?? "";
    if (!/^application\/json\b/i.test(contentType)) {
      return answer(res, 415, { code: 3, message: `unsupported content type ${contentType}; send application/json` });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (path === "/v1/metrics") collectedMetrics.push(...flattenMetricsRequest(parsed as ExportMetricsServiceRequest));
    else collected.push(...flattenExportRequest(parsed as ExportTraceServiceRequest));
    answer(res, 200, {});
    for (const wake of waiters) wake();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...collected],
    metrics: () => [...collectedMetrics],
    waitForSpans(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(collected)) return false;
          done();
          resolve([...collected]);
          return true;
        };
        const timer = setTimeout(() => {
          done();
          const seen = collected.map((span) => `${span.serviceName}:${span.kind}:${span.name}`).join(", ");
          reject(new Error(`spans did not arrive within ${timeoutMs} ms; received [${seen}]`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        const wake = () => void check();
        if (!check()) waiters.add(wake);
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function answer(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

// The OTLP/JSON shapes we read (opentelemetry/proto/collector/trace/v1/trace_service.proto, JSON mapping).
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number | string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: KeyValue[];
  events?: { name: string; attributes?: KeyValue[] }[];
  status?: { code?: number | string; message?: string };
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

// opentelemetry/proto/collector/metrics/v1/metrics_service.proto, JSON mapping (the parts we read).
interface OtlpNumberPoint {
  attributes?: KeyValue[];
  asInt?: number | string;
  asDouble?: number | string;
}
interface OtlpHistogramPoint {
  attributes?: KeyValue[];
  count?: number | string;
  sum?: number | string;
}
interface OtlpMetric {
  name: string;
  unit?: string;
  description?: string;
  sum?: { dataPoints?: OtlpNumberPoint[]; isMonotonic?: boolean };
  gauge?: { dataPoints?: OtlpNumberPoint[] };
  histogram?: { dataPoints?: OtlpHistogramPoint[] };
}
interface ExportMetricsServiceRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { scope?: { name?: string }; metrics?: OtlpMetric[] }[];
  }[];
}

function flattenMetricsRequest(request: ExportMetricsServiceRequest): CollectedMetricPoint[] {
  const points: CollectedMetricPoint[] = [];
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const resource = toRecord(resourceMetrics.resource?.attributes);
    const serviceName = typeof resource["service.name"] === "string" ? resource["service.name"] : "";
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const base = {
          name: metric.name,
          unit: metric.unit ?? "",
          description: metric.description ?? "",
          serviceName,
          scope: scopeMetrics.scope?.name ?? "",
        };
        const numberValue = (point: OtlpNumberPoint) => Number(point.asDouble ?? point.asInt ?? 0);
        for (const point of metric.sum?.dataPoints ?? []) {
          const isMonotonic = metric.sum?.isMonotonic ?? false;
          points.push({
            ...base,
            type: "sum",
            attributes: toRecord(point.attributes),
            value: numberValue(point),
            isMonotonic,
          });
        }
        for (const point of metric.gauge?.dataPoints ?? []) {
          points.push({ ...base, type: "gauge", attributes: toRecord(point.attributes), value: numberValue(point) });
        }
        for (const point of metric.histogram?.dataPoints ?? []) {
          const { count, sum } = point;
          points.push({
            ...base,
            type: "histogram",
            attributes: toRecord(point.attributes),
            count: Number(count ?? 0),
            sum: Number(sum ?? 0),
          });
        }
      }
    }
  }
  return points;
}

function flattenExportRequest(request: ExportTraceServiceRequest): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = toRecord(resourceSpans.resource?.attributes);
    const serviceName = typeof resource["service.name"] === "string" ? resource["service.name"] : "";
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: toHexId(span.traceId),
          spanId: toHexId(span.spanId),
          parentSpanId: span.parentSpanId ? toHexId(span.parentSpanId) : undefined,
          name: span.name,
          kind: enumName(SPAN_KINDS, "SPAN_KIND_", span.kind) ?? "unspecified",
          serviceName,
          attributes: toRecord(span.attributes),
          status: {
            code: enumName(STATUS_CODES, "STATUS_CODE_", span.status?.code) ?? "unset",
            message: span.status?.message || undefined,
          },
          events: (span.events ?? []).map((event) => ({ name: event.name, attributes: toRecord(event.attributes) })),
          scope: scopeSpans.scope?.name ?? "",
          startTimeUnixNano: String(span.startTimeUnixNano ?? 0),
          endTimeUnixNano: String(span.endTimeUnixNano ?? 0),
          resource,
        });
      }
    }
  }
  return spans;
}

/** Enums arrive as numbers (what OTLP/JSON specifies) or, from some senders, as their proto names. */
function enumName<T extends string>(
  names: readonly T[],
  prefix: string,
  value: number | string | undefined,
): T | undefined {
  if (typeof value === "number") return names[value];
  if (typeof value === "string") return names.find((name) => `${prefix}${name.toUpperCase()}` === value);
  return names[0];
}

/** OTLP/JSON carries ids as hex; proto3's default JSON mapping would use base64, which some senders do. */
function toHexId(id: string): string {
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, "base64").toString("hex");
}

function toRecord(attributes: KeyValue[] | undefined): Record<string, CollectedValue> {
  const record: Record<string, CollectedValue> = {};
  for (const { key, value } of attributes ?? []) record[key] = toValue(value);
  return record;
}

function toValue(value: AnyValue | undefined): CollectedValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(toValue);
  if (value.kvlistValue) return toRecord(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}
