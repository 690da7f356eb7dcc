import { trace } from "@opentelemetry/api";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  captureTraceCarrier,
  currentTraceId,
  initTelemetry,
  telemetryMiddleware,
  withParentCarrier,
  withSpan,
} from "./index.ts";

describe("without an OTLP endpoint", () => {
  const logged: { obj: object; msg: string | undefined }[] = [];
  const logger = {
    info: (obj: object, msg?: string) => logged.push({ obj, msg }),
    warn: (obj: object, msg?: string) => logged.push({ obj, msg }),
  };
  const telemetry = initTelemetry({ serviceName: "gateway", logger });

  it("starts nothing and says so", async () => {
    expect(telemetry.enabled).toBe(false);
    expect(logged).toEqual([
      { obj: { serviceName: "gateway" }, msg: "telemetry disabled: no OTLP endpoint configured" },
    ]);
    // No tracer provider was registered: spans from the global API do not record.
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
    await expect(telemetry.shutdown()).resolves.toBeUndefined();
  });

  it("still runs withSpan's function, without recording, and passes its result and errors through", async () => {
    const result = await withSpan("stage", { "job.id": "j1" }, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(currentTraceId()).toBeUndefined();
      expect(captureTraceCarrier()).toEqual({});
      return 42;
    });
    expect(result).toBe(42);
    await expect(
      withSpan("stage", {}, async () => {
        throw new Error("stage failed");
      }),
    ).rejects.toThrow("stage failed");
  });

  it("runs withParentCarrier's function with or without a carrier", async () => {
    await expect(withParentCarrier(undefined, async () => "a")).resolves.toBe("a");
    const carrier = { traceparent: "00-5f0b1c2d0123456789abcdef01234567-0123456789abcdef-01" };
    // Extraction needs a registered propagator; with none, the function simply runs outside any trace.
    await expect(withParentCarrier(carrier, async () => currentTraceId())).resolves.toBeUndefined();
  });

  it("leaves responses of an app with the middleware untouched", async () => {
    const app = new Hono().use(telemetryMiddleware()).get("/v1/things/:id", (c) => c.json({ id: c.req.param("id") }));
    const res = await app.request("/v1/things/7");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "7" });
  });
});
