import { listen, type RunningServer } from "@video-service/shutdown";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTelemetry, type Telemetry, telemetryMiddleware } from "./index.ts";
import { type CollectedSpan, type FakeOtlpCollector, startFakeOtlpCollector } from "./testing.ts";

describe("a request that calls another service over fetch", () => {
  let collector: FakeOtlpCollector;
  let telemetry: Telemetry;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    collector = await startFakeOtlpCollector();
    telemetry = initTelemetry({ serviceName: "gateway", serviceVersion: "1.2.3", otlpEndpoint: collector.url });
  });

  afterAll(async () => {
    await telemetry.shutdown();
    for (const server of servers) await server.close();
    await collector.close();
  });

  async function serve(app: Hono): Promise<string> {
    const server = await listen(app, { port: 0, hostname: "127.0.0.1" });
    servers.push(server);
    return server.url;
  }

  it("is one trace: A's server span → client span → B's server span, exported on shutdown", async () => {
    const appB = new Hono().use(telemetryMiddleware()).get("/v1/cards/:id", (c) => c.json({ card: c.req.param("id") }));
    const urlB = await serve(appB);
    const appA = new Hono().use(telemetryMiddleware()).post("/v1/videos/:id", async (c) => {
      const res = await fetch(`${urlB}/v1/cards/${c.req.param("id")}`);
      return c.json(await res.json(), 202);
    });
    const urlA = await serve(appA);

    const res = await fetch(`${urlA}/v1/videos/abc`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ card: "abc" });

    await telemetry.shutdown();
    const spans = collector.spans();
    const serverA = findOne(spans, (s) => s.kind === "server" && s.name === "POST /v1/videos/:id");
    const client = findOne(spans, (s) => s.kind === "client" && s.parentSpanId === serverA.spanId);
    const serverB = findOne(spans, (s) => s.kind === "server" && s.name === "GET /v1/cards/:id");

    expect(serverB.parentSpanId).toBe(client.spanId);
    expect(new Set([serverA.traceId, client.traceId, serverB.traceId]).size).toBe(1);
    // X-Ray trace ids start with the epoch second the trace began.
    const startedAt = Number.parseInt(serverA.traceId.slice(0, 8), 16);
    expect(Math.abs(startedAt - Date.now() / 1000)).toBeLessThan(600);

    expect(serverA).toMatchObject({
      serviceName: "gateway",
      resource: { "service.name": "gateway", "service.version": "1.2.3" },
      status: { code: "unset" },
      attributes: {
        "http.request.method": "POST",
        "http.route": "/v1/videos/:id",
        "url.path": "/v1/videos/abc",
        "http.response.status_code": 202,
      },
    });
    expect(client.attributes).toMatchObject({
      "http.request.method": "GET",
      "url.full": `${urlB}/v1/cards/abc`,
      "http.response.status_code": 200,
    });
    // One server span per request, whatever else is instrumented.
    expect(spans.filter((s) => s.kind === "server" && s.traceId === serverA.traceId)).toHaveLength(2);
  });
});

function findOne(spans: CollectedSpan[], predicate: (span: CollectedSpan) => boolean): CollectedSpan {
  const matches = spans.filter(predicate);
  expect(matches, spans.map((s) => `${s.kind} ${s.name}`).join(", ")).toHaveLength(1);
  return matches[0] as CollectedSpan;
}
