import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeOtlpCollector, startFakeOtlpCollector } from "./testing.ts";

// An ExportTraceServiceRequest in the OTLP/JSON encoding, as the spec's example shows it.
const exportRequest = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "renderer" } }] },
      scopeSpans: [
        {
          scope: { name: "@video-service/telemetry" },
          spans: [
            {
              traceId: "5B8EFFF798038103D269B633813FC60C",
              spanId: "EEE19B7EC3C1B174",
              parentSpanId: "EEE19B7EC3C1B173",
              name: "POST /v1/renders",
              kind: 2,
              startTimeUnixNano: "1544712660000000000",
              endTimeUnixNano: "1544712661000000000",
              attributes: [
                { key: "http.response.status_code", value: { intValue: "200" } },
                { key: "render.ratio", value: { doubleValue: 0.5 } },
                { key: "cached", value: { boolValue: false } },
                { key: "tags", value: { arrayValue: { values: [{ stringValue: "a" }, { intValue: 2 }] } } },
              ],
              events: [{ name: "exception", attributes: [{ key: "exception.message", value: { stringValue: "x" } }] }],
              status: { code: 2, message: "ffmpeg exited with 1" },
            },
            // Ids in base64 and enums by name, as proto3's generic JSON mapping writes them.
            { traceId: "W47/95gDgQPSabYzgT/GDA==", spanId: "7uGbfsPBsXU=", name: "GET", kind: "SPAN_KIND_CLIENT" },
          ],
        },
      ],
    },
  ],
};

describe("startFakeOtlpCollector", () => {
  let collector: FakeOtlpCollector;
  beforeEach(async () => {
    collector = await startFakeOtlpCollector();
  });
  afterEach(async () => {
    await collector.close();
  });

  it("accepts OTLP/JSON (gzip too), answers 200 {} and flattens the spans", async () => {
    const res = await fetch(`${collector.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify(exportRequest)),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({});

    expect(collector.spans()).toEqual([
      {
        traceId: "5b8efff798038103d269b633813fc60c",
        spanId: "eee19b7ec3c1b174",
        parentSpanId: "eee19b7ec3c1b173",
        name: "POST /v1/renders",
        kind: "server",
        serviceName: "renderer",
        attributes: { "http.response.status_code": 200, "render.ratio": 0.5, cached: false, tags: ["a", 2] },
        status: { code: "error", message: "ffmpeg exited with 1" },
        events: [{ name: "exception", attributes: { "exception.message": "x" } }],
        scope: "@video-service/telemetry",
        startTimeUnixNano: "1544712660000000000",
        endTimeUnixNano: "1544712661000000000",
        resource: { "service.name": "renderer" },
      },
      expect.objectContaining({
        traceId: "5b8efff798038103d269b633813fc60c",
        spanId: "eee19b7ec3c1b175",
        parentSpanId: undefined,
        kind: "client",
        status: { code: "unset", message: undefined },
      }),
    ]);
  });

  it("refuses what a collector would refuse: other paths, other methods, protobuf, broken JSON", async () => {
    const post = (path: string, contentType: string, body: string) =>
      fetch(`${collector.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
    expect((await post("/v1/logs", "application/json", "{}")).status).toBe(404);
    expect((await fetch(`${collector.url}/v1/traces`)).status).toBe(405);
    expect((await post("/v1/traces", "application/x-protobuf", "\x0a\x00")).status).toBe(415);
    expect((await post("/v1/traces", "application/json", "{not json")).status).toBe(400);
    expect(collector.spans()).toEqual([]);
  });

  it("flattens an ExportMetricsServiceRequest into data points with their names, units and values", async () => {
    const metricsRequest = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "gateway" } }] },
          scopeMetrics: [
            {
              scope: { name: "@video-service/gateway" },
              metrics: [
                {
                  name: "video.jobs.created",
                  unit: "{job}",
                  sum: {
                    isMonotonic: true,
                    dataPoints: [{ attributes: [{ key: "format", value: { stringValue: "short" } }], asInt: "3" }],
                  },
                },
                { name: "video.queue.depth", unit: "{job}", gauge: { dataPoints: [{ asDouble: 2 }] } },
                { name: "video.job.duration", unit: "s", histogram: { dataPoints: [{ count: "2", sum: 90.5 }] } },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(`${collector.url}/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(metricsRequest),
    });
    expect(response.status).toBe(200);
    const base = { serviceName: "gateway", scope: "@video-service/gateway", description: "" };
    expect(collector.metrics()).toEqual([
      {
        ...base,
        name: "video.jobs.created",
        unit: "{job}",
        type: "sum",
        attributes: { format: "short" },
        value: 3,
        isMonotonic: true,
      },
      { ...base, name: "video.queue.depth", unit: "{job}", type: "gauge", attributes: {}, value: 2 },
      { ...base, name: "video.job.duration", unit: "s", type: "histogram", attributes: {}, count: 2, sum: 90.5 },
    ]);
  });

  it("waitForSpans resolves once the predicate holds and rejects on timeout, listing what arrived", async () => {
    const waiting = collector.waitForSpans((spans) => spans.some((s) => s.name === "POST /v1/renders"), 5000);
    await fetch(`${collector.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(exportRequest),
    });
    await expect(waiting).resolves.toHaveLength(2);
    await expect(collector.waitForSpans((spans) => spans.length > 2, 50)).rejects.toThrow(
      "spans did not arrive within 50 ms; received [renderer:server:POST /v1/renders, renderer:client:GET]",
    );
  });
});
