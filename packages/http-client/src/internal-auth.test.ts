import { INTERNAL_TOKEN_HEADER } from "@video-service/contracts";
import { createErrorHandler } from "@video-service/errors";
import { listen, type RunningServer } from "@video-service/shutdown";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { createImagegenClient } from "./imagegen.client.ts";
import { internalAuth } from "./internal-auth.ts";

const TOKEN = "s3cret-internal-token";
const silent = { error: () => {} };

function createTestApp() {
  const app = new Hono();
  app.onError(createErrorHandler(silent));
  app.get("/readyz", (c) => c.json({ status: "ok" }));
  app.use("/v1/*", internalAuth(TOKEN));
  app.post("/v1/cards", (c) => c.json({ cards: [] }));
  return app;
}

describe("internalAuth", () => {
  let running: RunningServer | undefined;

  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it.each([
    ["missing", undefined],
    ["wrong", "not-the-token"],
    ["a prefix of the", TOKEN.slice(0, -1)],
    ["a longer", `${TOKEN}x`],
    ["empty", ""],
  ])("answers 401 problem+json for a %s token", async (_label, token) => {
    const app = createTestApp();
    const response = await app.request("/v1/cards", {
      method: "POST",
      headers: token === undefined ? {} : { [INTERNAL_TOKEN_HEADER]: token },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({
      type: "https://video-service.dev/problems/unauthorized",
      status: 401,
      detail: `missing or invalid ${INTERNAL_TOKEN_HEADER} header`,
    });
  });

  it("lets the right token through", async () => {
    const response = await createTestApp().request("/v1/cards", {
      method: "POST",
      headers: { [INTERNAL_TOKEN_HEADER]: TOKEN },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ cards: [] });
  });

  it("refuses to be set up without a token", () => {
    expect(() => internalAuth("")).toThrow(/token/);
  });

  it("works end to end with the typed client over HTTP", async () => {
    running = await listen(createTestApp(), { port: 0, hostname: "127.0.0.1" });
    const good = createImagegenClient({ baseUrl: running.url, token: TOKEN });
    expect(await good.renderCards({ format: "short", cards: [{ kind: "title", title: "t" }] })).toEqual({ cards: [] });

    const bad = createImagegenClient({ baseUrl: running.url, token: "wrong" });
    await expect(bad.renderCards({ format: "short", cards: [{ kind: "title", title: "t" }] })).rejects.toMatchObject({
      service: "imagegen",
      status: 401,
      retryable: false,
      problem: { type: "https://video-service.dev/problems/unauthorized" },
    });
  });
});
