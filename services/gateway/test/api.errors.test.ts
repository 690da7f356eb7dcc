import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, type Harness, startHarness, textStory } from "./harness.ts";
import { readSseEvents } from "./sse.ts";

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

async function expectProblem(response: Response, status: number): Promise<ProblemBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as ProblemBody;
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^https:\/\/video-service\.dev\/problems\//);
  return body;
}

describe("gateway API: client mistakes, auth, docs, health", () => {
  let h: Harness;
  beforeAll(async () => {
    // No worker: these tests only look at what the API answers.
    h = await startHarness({ runWorker: false, env: { MAX_BODY_BYTES: "4096" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("requires an API key on /v1 routes: missing or wrong → 401 with WWW-Authenticate", async () => {
    const missing = await h.app.request("/v1/videos");
    const problem = await expectProblem(missing, 401);
    expect(problem.detail).toMatch(/API key/);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);

    await expectProblem(
      await h.app.request("/v1/videos", { headers: { authorization: "Bearer wrong-key-0123456789" } }),
      401,
    );
    await expectProblem(await h.app.request("/v1/videos", { headers: { authorization: `Basic ${API_KEY}` } }), 401);
    await expectProblem(await h.app.request("/v1/videos", { headers: { "x-api-key": `${API_KEY}x` } }), 401);
    // Unauthenticated bodies are refused before they are read.
    await expectProblem(
      await h.app.request("/v1/videos", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(textStory()),
      }),
      401,
    );

    expect((await h.app.request("/v1/videos", { headers: { "x-api-key": API_KEY } })).status).toBe(200);
    expect((await h.app.request("/v1/videos", { headers: { authorization: `Bearer ${API_KEY}` } })).status).toBe(200);
  });

  it("answers malformed JSON with 400, a wrong content type with 415 and an oversized body with 413", async () => {
    const malformed = await expectProblem(await h.call("POST", "/v1/videos", '{"source": {"type": "text",'), 400);
    expect(malformed.type).toMatch(/malformed-json$/);

    await expectProblem(
      await h.call("POST", "/v1/videos", JSON.stringify(textStory()), { "content-type": "text/plain" }),
      415,
    );
    await expectProblem(
      await h.app.request("/v1/videos", {
        method: "POST",
        headers: { authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify(textStory()),
      }),
      415,
    );

    const huge = { ...textStory(), source: { type: "text", title: "Big", body: "word ".repeat(2000) } };
    await expectProblem(await h.call("POST", "/v1/videos", huge), 413);
  });

  it("answers wrong shapes with 422 and the failing fields", async () => {
    const wrongTypes = await expectProblem(
      await h.call("POST", "/v1/videos", { source: { type: "text", title: 42 }, format: "short" }),
      422,
    );
    expect(wrongTypes.errors?.map((e) => e.path)).toContain("body.source.title");

    const unknownFormat = await expectProblem(
      await h.call("POST", "/v1/videos", { ...textStory(), format: "vertical" }),
      422,
    );
    expect(unknownFormat.errors?.map((e) => e.path)).toContain("body.format");

    const reddit = await expectProblem(
      await h.call("POST", "/v1/videos", { source: { type: "reddit", subreddit: "AskReddit" }, format: "short" }),
      422,
    );
    // This server has no Reddit client: the request is refused rather than accepted and failed later.
    expect(reddit.detail).toMatch(/Reddit is not configured/);

    const unknownField = await expectProblem(
      await h.call("POST", "/v1/videos", { ...textStory(), colour: "red" }),
      422,
    );
    expect(unknownField.detail).toMatch(/colour/);

    const youtube = await expectProblem(
      await h.call("POST", "/v1/videos", { ...textStory(), publish: { youtube: { privacy: "private" } } }),
      422,
    );
    expect(youtube.detail).toBe("YouTube publishing is not configured on this server");

    const music = await expectProblem(
      await h.call("POST", "/v1/videos", { ...textStory(), music: { key: "music/missing.mp3", volume: 0.2 } }),
      422,
    );
    expect(music.errors?.[0]?.path).toBe("body.music.key");

    await expectProblem(await h.call("POST", "/v1/videos", { ...textStory(), music: { key: "../etc/passwd" } }), 422);
    await expectProblem(
      await h.call("POST", "/v1/videos", { ...textStory(), webhook: { url: "ftp://example.com" } }),
      422,
    );
    await expectProblem(await h.call("POST", "/v1/videos", { ...textStory(), voice: { rate: 5 } }), 422);
    await expectProblem(await h.call("POST", "/v1/videos", []), 422);
    await expectProblem(await h.call("GET", "/v1/videos/bad!id"), 422);
    await expectProblem(await h.call("GET", "/v1/videos?limit=1000"), 422);
  });

  it("answers unknown routes with a 404 problem and keeps serving after every mistake", async () => {
    await expectProblem(await h.app.request("/nope"), 404);
    await expectProblem(await h.call("GET", "/v1/nothing-here"), 404);
    expect((await h.app.request("/healthz")).status).toBe(200);
    const created = await h.call("POST", "/v1/videos", textStory("After the mistakes"));
    expect(created.status).toBe(202);
  });

  it("serves an OpenAPI 3.1 document of the videos API with its security schemes, and Swagger UI from local files", async () => {
    const response = await h.app.request("/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      info: { title: string };
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, { type: string }>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/videos", "/v1/videos/{id}", "/v1/videos/{id}/events", "/v1/videos/{id}/retry"]),
    );
    expect(Object.keys(doc.paths["/v1/videos"] ?? {})).toEqual(expect.arrayContaining(["get", "post"]));
    expect(Object.keys(doc.paths["/v1/videos/{id}"] ?? {})).toEqual(expect.arrayContaining(["get", "delete"]));
    expect(doc.paths["/v1/videos"]?.post?.security).toEqual([{ ApiKey: [] }, { Bearer: [] }]);
    expect(Object.keys(doc.paths["/v1/videos"]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["202", "409", "422"]),
    );
    expect(doc.components.securitySchemes.ApiKey?.type).toBe("apiKey");
    expect(doc.components.securitySchemes.Bearer?.type).toBe("http");
    expect(doc.components.schemas).toHaveProperty("CreateVideoRequest");
    // Every $ref points at a component that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas, `$ref ${ref}`).toHaveProperty(ref as string);

    const docs = await h.app.request("/docs");
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toContain("/docs/swagger-ui-bundle.js");
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await h.app.request("/docs/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    expect((await h.app.request("/docs/init.js")).status).toBe(200);
    expect((await h.app.request("/docs/package.json")).status).toBe(404);
  });

  it("is live without dependencies and ready only when Redis, storage, imagegen and renderer are", async () => {
    expect((await h.app.request("/healthz")).status).toBe(200);
    const ready = await h.app.request("/readyz");
    expect(ready.status).toBe(200);

    h.renderer.behaviour.ready = false;
    // Anyone learns only that it is not ready; the details need an API key (or the internal token).
    const anonymous = (await expectProblem(await h.app.request("/readyz"), 503)) as ProblemBody;
    expect(anonymous.detail).toBe("not ready");
    expect(JSON.stringify(anonymous)).not.toMatch(/renderer|127\.0\.0\.1|checks/);
    const internal = await h.app.request("/readyz", { headers: { "x-internal-token": h.config.INTERNAL_TOKEN } });
    expect(((await expectProblem(internal, 503)) as ProblemBody).detail).toMatch(/renderer/);
    const notReady = await h.call("GET", "/readyz");
    const problem = (await expectProblem(notReady, 503)) as ProblemBody & { checks: Record<string, string> };
    expect(problem.detail).toMatch(/renderer/);
    expect(problem.checks.redis).toBe("ok");
    expect(problem.checks.imagegen).toBe("ok");
    expect(problem.checks.renderer).not.toBe("ok");
    h.renderer.behaviour.ready = true;

    await h.imagegen.close();
    const imagegenDown = (await expectProblem(await h.call("GET", "/readyz"), 503)) as ProblemBody & {
      checks: Record<string, string>;
    };
    expect(imagegenDown.checks.imagegen).not.toBe("ok");
    expect(imagegenDown.checks.renderer).toBe("ok");
    expect((await h.app.request("/healthz")).status).toBe(200);
  });

  it("ends open SSE streams at shutdown so the server can close", async () => {
    const created = (await (await h.call("POST", "/v1/videos", textStory("Never runs"))).json()) as { id: string };
    const stream = await h.call("GET", `/v1/videos/${created.id}/events`);
    // Wait for the first event, so the stream is open and waiting when the shutdown comes.
    const reader = (stream.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    h.shutdown.abort();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const events = await readSseEvents(new Response(text));
    expect(events.map((event) => event.event)).toEqual(["state"]);
    expect(JSON.parse(events[0]?.data ?? "{}")).toMatchObject({ id: created.id, status: "queued" });
  });
});
