import { type Span, trace } from "@opentelemetry/api";
import { listen, type RunningServer } from "@video-service/shutdown";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initTelemetry, type Telemetry, telemetryMiddleware } from "./index.ts";
import { type FakeOtlpCollector, startFakeOtlpCollector } from "./testing.ts";

/** A render whose progress stream the test controls: one line, then the rest when `finish` is called. */
interface RenderStream {
  serverSpan: Span;
  finish: () => void;
  clientGone: Promise<void>;
}

let collector: FakeOtlpCollector;
let telemetry: Telemetry;
let server: RunningServer;
const renders = new Map<string, RenderStream>();

const app = new Hono().use(telemetryMiddleware()).get("/v1/renders/:id", (c) => {
  const serverSpan = trace.getActiveSpan();
  if (!serverSpan) throw new Error("no active span in the handler");
  const finished = Promise.withResolvers<void>();
  const clientGone = Promise.withResolvers<void>();
  renders.set(c.req.param("id"), { serverSpan, finish: finished.resolve, clientGone: clientGone.promise });
  return stream(c, async (progress) => {
    progress.onAbort(() => {
      clientGone.resolve();
      finished.resolve();
    });
    await progress.write('{"progress":0.5}\n');
    await finished.promise;
    await progress.write('{"progress":1}\n');
  });
});

beforeAll(async () => {
  collector = await startFakeOtlpCollector();
  telemetry = initTelemetry({ serviceName: "renderer", otlpEndpoint: collector.url });
  server = await listen(app, { port: 0, hostname: "127.0.0.1" });
});

afterAll(async () => {
  // A failed test may leave a stream waiting; the server would wait for it before closing.
  for (const { finish } of renders.values()) finish();
  await telemetry.shutdown();
  await server.close();
  await collector.close();
});

function isEnded(span: Span): boolean {
  if (!("ended" in span) || typeof span.ended !== "boolean") throw new Error("not an SDK span");
  return span.ended;
}

function render(id: string): RenderStream {
  const found = renders.get(id);
  if (!found) throw new Error(`render ${id} was not requested`);
  return found;
}

async function readFirstLine(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  expect(first.value).toBe('{"progress":0.5}\n');
  return reader;
}

async function readToEnd(reader: ReadableStreamDefaultReader<string>): Promise<string> {
  let text = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += chunk.value;
  return text;
}

describe("a streamed response's server span", () => {
  it("stays open while the body streams and ends when it is done", async () => {
    const res = await fetch(`${server.url}/v1/renders/r1`);
    const reader = await readFirstLine(res.body as ReadableStream<Uint8Array>);
    const { serverSpan, finish } = render("r1");
    expect(isEnded(serverSpan)).toBe(false);

    finish();
    expect(await readToEnd(reader)).toBe('{"progress":1}\n');
    await vi.waitFor(() => expect(isEnded(serverSpan)).toBe(true));

    const spanId = serverSpan.spanContext().spanId;
    const spans = await collector.waitForSpans((all) => all.some((s) => s.spanId === spanId));
    expect(spans.find((s) => s.spanId === spanId)).toMatchObject({
      name: "GET /v1/renders/:id",
      kind: "server",
      attributes: { "http.response.status_code": 200 },
      events: [],
    });
  });

  it("ends when the client disconnects mid-stream, and says so", async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/v1/renders/r2`, { signal: abort.signal });
    await readFirstLine(res.body as ReadableStream<Uint8Array>);
    const { serverSpan, clientGone } = render("r2");
    expect(isEnded(serverSpan)).toBe(false);

    abort.abort();
    await clientGone;
    await vi.waitFor(() => expect(isEnded(serverSpan)).toBe(true));

    const spanId = serverSpan.spanContext().spanId;
    const spans = await collector.waitForSpans((all) => all.some((s) => s.spanId === spanId));
    expect(spans.find((s) => s.spanId === spanId)?.events.map((e) => e.name)).toEqual([
      "client disconnected before the response was sent in full",
    ]);
  });

  it("also ends at the end of the body when the app runs without a Node server (app.request)", async () => {
    const res = await app.request("/v1/renders/r3");
    const reader = await readFirstLine(res.body as ReadableStream<Uint8Array>);
    const { serverSpan, finish } = render("r3");
    expect(isEnded(serverSpan)).toBe(false);

    finish();
    expect(await readToEnd(reader)).toBe('{"progress":1}\n');
    await vi.waitFor(() => expect(isEnded(serverSpan)).toBe(true));
  });
});
