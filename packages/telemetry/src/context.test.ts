import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  captureTraceCarrier,
  currentTraceId,
  initTelemetry,
  type Telemetry,
  telemetryMiddleware,
  withParentCarrier,
  withSpan,
} from "./index.ts";
import { type FakeOtlpCollector, startFakeOtlpCollector } from "./testing.ts";

let collector: FakeOtlpCollector;
let telemetry: Telemetry;

beforeAll(async () => {
  collector = await startFakeOtlpCollector();
  telemetry = initTelemetry({ serviceName: "renderer", otlpEndpoint: `${collector.url}/` });
});

afterAll(async () => {
  await telemetry.shutdown();
  await collector.close();
});

function xrayTraceId(): { root: string; hex: string } {
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  const rest = randomBytes(12).toString("hex");
  return { root: `1-${seconds}-${rest}`, hex: `${seconds}${rest}` };
}

describe("telemetryMiddleware", () => {
  const app = new Hono()
    .use(telemetryMiddleware())
    .post("/v1/speech", (c) => c.json({ traceId: currentTraceId(), carrier: captureTraceCarrier() }))
    .get("/v1/fail", () => {
      throw new Error("disk full");
    })
    .get("/readyz", (c) =>
      withSpan("check downstream", {}, async (span) =>
        c.json({ recording: span.isRecording(), traceId: currentTraceId() }),
      ),
    )
    // As the services' problem+json handler does: the error is answered, not rethrown.
    .onError((_error, c) => c.json({ title: "Internal error" }, 500));

  it("continues the trace of an incoming X-Amzn-Trace-Id header (the ALB's and AWS's format)", async () => {
    const { root, hex } = xrayTraceId();
    const parent = randomBytes(8).toString("hex");
    const res = await app.request("/v1/speech", {
      method: "POST",
      headers: { "X-Amzn-Trace-Id": `Root=${root};Parent=${parent};Sampled=1` },
    });
    const body = (await res.json()) as { traceId: string; carrier: Record<string, string> };
    expect(body.traceId).toBe(hex);

    const [server] = (
      await collector.waitForSpans((spans) => spans.some((s) => s.traceId === hex && s.kind === "server"))
    ).filter((s) => s.traceId === hex);
    expect(server).toMatchObject({ name: "POST /v1/speech", kind: "server", parentSpanId: parent });
    // What the handler would pass on names the server span as parent, in both formats.
    expect(body.carrier.traceparent).toBe(`00-${hex}-${server?.spanId}-01`);
    expect(body.carrier["x-amzn-trace-id"]).toBe(`Root=${root};Parent=${server?.spanId};Sampled=1`);
  });

  it("starts a new X-Ray trace when the header has no sampling decision (an ALB-only Root)", async () => {
    const { root, hex } = xrayTraceId();
    const res = await app.request("/v1/speech", { method: "POST", headers: { "X-Amzn-Trace-Id": `Root=${root}` } });
    const body = (await res.json()) as { traceId: string };
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(body.traceId).not.toBe(hex);
  });

  it("marks a failed request's span as an error with the exception", async () => {
    const res = await app.request("/v1/fail");
    expect(res.status).toBe(500);
    await res.text();
    const spans = await collector.waitForSpans((all) => all.some((s) => s.name === "GET /v1/fail"));
    expect(spans.find((s) => s.name === "GET /v1/fail")).toMatchObject({
      status: { code: "error", message: "disk full" },
      attributes: { "http.response.status_code": 500, "error.type": "Error" },
      events: [{ name: "exception", attributes: { "exception.message": "disk full" } }],
    });
  });

  it("leaves health checks untraced, down to the spans their handlers start", async () => {
    const res = await app.request("/readyz", {
      headers: { traceparent: `00-${xrayTraceId().hex}-${"ab".repeat(8)}-01` },
    });
    expect(await res.json()).toEqual({ recording: false });
  });

  it("names a request that matched no route by its method only", async () => {
    const res = await app.request("/nowhere");
    expect(res.status).toBe(404);
    await res.text();
    const spans = await collector.waitForSpans((all) =>
      all.some((s) => s.kind === "server" && s.attributes["url.path"] === "/nowhere"),
    );
    const span = spans.find((s) => s.attributes["url.path"] === "/nowhere");
    expect(span?.name).toBe("GET");
    expect(span?.attributes).not.toHaveProperty("http.route");
  });
});

describe("job trace carriers", () => {
  it("carry a request's context to later work: its spans join the same trace under the captured span", async () => {
    const { carrier, traceId, spanId } = await withSpan("POST /v1/videos", {}, async (span) => ({
      carrier: captureTraceCarrier(),
      traceId: currentTraceId(),
      spanId: span.spanContext().spanId,
    }));
    expect(carrier).toHaveProperty("traceparent");

    // Later, elsewhere (a queue worker): no active context until the carrier is applied.
    expect(currentTraceId()).toBeUndefined();
    const stageSpanId = await withParentCarrier(carrier, () =>
      withSpan("stage narration", { "job.id": "j1", segments: 3, cached: false }, async (span) => {
        expect(currentTraceId()).toBe(traceId);
        return span.spanContext().spanId;
      }),
    );

    const spans = await collector.waitForSpans((all) => all.some((s) => s.spanId === stageSpanId));
    expect(spans.find((s) => s.spanId === stageSpanId)).toMatchObject({
      traceId,
      parentSpanId: spanId,
      kind: "internal",
      name: "stage narration",
      attributes: { "job.id": "j1", segments: 3, cached: false },
    });
  });

  it("withSpan records a failure on its span and rethrows it", async () => {
    let failedSpanId = "";
    await expect(
      withSpan("stage render", {}, async (span) => {
        failedSpanId = span.spanContext().spanId;
        throw new TypeError("bad timeline");
      }),
    ).rejects.toThrow("bad timeline");
    const spans = await collector.waitForSpans((all) => all.some((s) => s.spanId === failedSpanId));
    expect(spans.find((s) => s.spanId === failedSpanId)).toMatchObject({
      status: { code: "error", message: "bad timeline" },
      events: [{ name: "exception", attributes: { "exception.type": "TypeError" } }],
    });
  });
});
