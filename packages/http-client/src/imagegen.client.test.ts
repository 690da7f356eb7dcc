import type { CardsRequestInput, CardsResponse } from "@video-service/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { createImagegenClient } from "./imagegen.client.ts";
import { ServiceError } from "./service-error.ts";
import {
  recordingLogger,
  rejection,
  sendJson,
  startTestServer,
  type TestHandler,
  type TestServer,
} from "./testing/test-server.ts";

const TOKEN = "internal-secret";
const REQUEST: CardsRequestInput = { format: "short", cards: [{ kind: "title", title: "A title" }] };
const RESPONSE: CardsResponse = {
  cards: [{ key: "images/cache/abc123.png", width: 1080, height: 1920, bytes: 2048, cached: false }],
};
const PROBLEM_422 = {
  type: "https://video-service.dev/problems/validation-failed",
  title: "Request failed validation",
  status: 422,
  detail: "body.cards: too small",
  errors: [{ path: "body.cards", message: "too small" }],
};

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(handler: TestHandler, options: { timeoutMs?: number; retries?: number } = {}) {
  server = await startTestServer(handler);
  const logger = recordingLogger();
  const client = createImagegenClient({ baseUrl: `${server.url}/`, token: TOKEN, logger, ...options });
  return { client, logger, server };
}

describe("imagegen client", () => {
  it("posts the cards request with the internal token and returns the validated response", async () => {
    const { client, server } = await clientFor((_req, res) => sendJson(res, 200, RESPONSE));
    expect(await client.renderCards(REQUEST)).toEqual(RESPONSE);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v1/cards");
    expect(request?.headers["x-internal-token"]).toBe(TOKEN);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual(REQUEST);
  });

  it("waits as long as Retry-After says on 503, then succeeds", async () => {
    const { client, logger, server } = await clientFor((_req, res, { index }) =>
      index === 0
        ? sendJson(res, 503, { type: "about:blank", title: "Busy", status: 503 }, { "retry-after": "1" })
        : sendJson(res, 200, RESPONSE),
    );
    expect(await client.renderCards(REQUEST)).toEqual(RESPONSE);
    expect(server.requests).toHaveLength(2);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]?.obj).toMatchObject({ service: "imagegen", status: 503, delayMs: 1000, attempt: 1 });
  });

  it("honours Retry-After on 429 and retries 502 and 504 with backoff", async () => {
    const { client, logger, server } = await clientFor((_req, res, { index }) => {
      if (index === 0)
        return sendJson(res, 429, { type: "x", title: "Slow down", status: 429 }, { "retry-after": "0" });
      if (index === 1) return sendJson(res, 502, { type: "x", title: "Bad gateway", status: 502 });
      if (index === 2) return sendJson(res, 504, { type: "x", title: "Timeout", status: 504 });
      return sendJson(res, 200, RESPONSE);
    });
    expect(await client.renderCards(REQUEST)).toEqual(RESPONSE);
    expect(server.requests).toHaveLength(4);
    expect(logger.warnings.map((w) => w.obj.status)).toEqual([429, 502, 504]);
    expect(logger.warnings[0]?.obj.delayMs).toBe(0);
    // Full jitter: retry n waits up to 200 ms · 2^(n-1).
    expect(logger.warnings[1]?.obj.delayMs).toBeLessThan(400);
    expect(logger.warnings[2]?.obj.delayMs).toBeLessThan(800);
  });

  it("gives up after the configured retries with a retryable ServiceError", async () => {
    const { client, server } = await clientFor(
      (_req, res) => sendJson(res, 503, { type: "x", title: "Unavailable", status: 503, detail: "draining" }),
      { retries: 2 },
    );
    const err = await rejection(client.renderCards(REQUEST));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({
      service: "imagegen",
      status: 503,
      retryable: true,
      unavailable: true,
      problem: { detail: "draining" },
    });
    expect(server.requests).toHaveLength(3);
  });

  it("caps a long Retry-After, and an abort during the wait rejects at once with the abort reason", async () => {
    const controller = new AbortController();
    const reason = new Error("job cancelled");
    const { client, logger, server } = await clientFor((_req, res) => {
      sendJson(res, 503, { type: "x", title: "Busy", status: 503 }, { "retry-after": "3600" });
    });
    const call = client.renderCards(REQUEST, { signal: controller.signal });
    await expect.poll(() => logger.warnings.length).toBe(1);
    expect(logger.warnings[0]?.obj.delayMs).toBe(30_000);
    controller.abort(reason);
    expect(await rejection(call)).toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it("times out an attempt that gets no answer and retries it", async () => {
    const { client, server } = await clientFor(
      (_req, res, { index }) => {
        // The first request is left hanging.
        if (index > 0) sendJson(res, 200, RESPONSE);
      },
      // Generous enough that the second attempt answers in time on a loaded machine.
      { timeoutMs: 1_000 },
    );
    expect(await client.renderCards(REQUEST)).toEqual(RESPONSE);
    expect(server.requests).toHaveLength(2);
    expect(await server.requests[0]?.closedEarly).toBe(true);
  });

  it("reports a timeout as a retryable ServiceError when every attempt times out", async () => {
    const { client } = await clientFor(() => {}, { timeoutMs: 200, retries: 0 });
    const err = await rejection(client.renderCards(REQUEST));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ retryable: true, status: undefined });
    expect((err as Error).message).toMatch(/did not answer within 200 ms/);
  });

  it("retries a dropped connection", async () => {
    const { client, server } = await clientFor((req, res, { index }) => {
      if (index === 0) req.socket.destroy();
      else sendJson(res, 200, RESPONSE);
    });
    expect(await client.renderCards(REQUEST)).toEqual(RESPONSE);
    expect(server.requests).toHaveLength(2);
  });

  it("retries a connection dropped in the middle of the body", async () => {
    const { client, server } = await clientFor((_req, res, { index }) => {
      if (index > 0) return sendJson(res, 200, RESPONSE);
      const body = JSON.stringify(RESPONSE);
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
      res.write(body.slice(0, 10));
      setTimeout(() => res.destroy(), 20);
    });
    expect(await client.renderCards(REQUEST)).toEqual(RESPONSE);
    expect(server.requests).toHaveLength(2);
  });

  it("reports a refused connection as retryable after the retries", async () => {
    const closed = await startTestServer(() => {});
    const url = closed.url;
    await closed.close();
    const client = createImagegenClient({ baseUrl: url, token: TOKEN, retries: 1 });
    const err = await rejection(client.renderCards(REQUEST));
    expect(err).toBeInstanceOf(ServiceError);
    // unavailable: the service could not take the call, so a job waits for it instead of spending an attempt.
    expect(err).toMatchObject({ service: "imagegen", retryable: true, unavailable: true, status: undefined });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("does not retry a 422 and carries its problem+json", async () => {
    const { client, server } = await clientFor((_req, res) => sendJson(res, 422, PROBLEM_422));
    const err = await rejection(client.renderCards(REQUEST));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({
      service: "imagegen",
      status: 422,
      retryable: false,
      unavailable: false,
      problem: PROBLEM_422,
    });
    expect((err as Error).message).toContain("body.cards: too small");
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry a 500", async () => {
    const { client, server } = await clientFor((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("boom");
    });
    const err = await rejection(client.renderCards(REQUEST));
    expect(err).toMatchObject({ status: 500, retryable: false, unavailable: false, problem: undefined });
    expect(server.requests).toHaveLength(1);
  });

  it("rejects a body that is not JSON without retrying, naming the service", async () => {
    const { client, server } = await clientFor((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{not json");
    });
    const err = await rejection(client.renderCards(REQUEST));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ service: "imagegen", retryable: false, status: 200 });
    expect((err as Error).message).toMatch(/^imagegen .*not JSON/);
    expect(server.requests).toHaveLength(1);
  });

  it("rejects a response of the wrong shape without retrying", async () => {
    const { client, server } = await clientFor((_req, res) =>
      sendJson(res, 200, { cards: [{ key: "../escape.png", width: 1, height: 1, bytes: 1, cached: false }] }),
    );
    const err = await rejection(client.renderCards(REQUEST));
    expect(err).toMatchObject({ service: "imagegen", retryable: false });
    expect((err as Error).message).toMatch(/unexpected body: cards\.0\.key/);
    expect(server.requests).toHaveLength(1);
  });

  it("rejects with the abort reason without sending anything when the signal is already aborted", async () => {
    const { client, server } = await clientFor((_req, res) => sendJson(res, 200, RESPONSE));
    const reason = new Error("stop");
    expect(await rejection(client.renderCards(REQUEST, { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it("ready() resolves on 200 and throws a ServiceError with the problem otherwise, without retrying", async () => {
    let ready = true;
    const { client, server } = await clientFor((_req, res) =>
      ready
        ? sendJson(res, 200, { status: "ok" })
        : sendJson(res, 503, { type: "x", title: "Service unavailable", status: 503, detail: "sharp not loaded" }),
    );
    await client.ready();
    ready = false;
    const err = await rejection(client.ready());
    expect(err).toMatchObject({ service: "imagegen", status: 503, problem: { detail: "sharp not loaded" } });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /readyz", "GET /readyz"]);
  });

  it("refuses unusable options", () => {
    expect(() => createImagegenClient({ baseUrl: "localhost:3001", token: TOKEN })).toThrow(/baseUrl/);
    expect(() => createImagegenClient({ baseUrl: "http://x", token: "" })).toThrow(/token/);
    expect(() => createImagegenClient({ baseUrl: "http://x", token: TOKEN, retries: -1 })).toThrow(/retries/);
  });
});
