import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

describe("the dashboard's files", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ runWorker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("serves the page at / with a policy that allows no inline script and no framing", async () => {
    const response = await h.app.request("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/app/main.js">');
    // No secret and no inline script in the page source.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toContain("test-api-key");
  });

  it("serves its modules, styles and stage weights without a key", async () => {
    for (const [name, type] of [
      ["main.js", "text/javascript; charset=utf-8"],
      ["styles.css", "text/css; charset=utf-8"],
      ["favicon.svg", "image/svg+xml"],
    ]) {
      const response = await h.app.request(`/app/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get("content-type")).toBe(type);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const stages = (await (await h.app.request("/app/stages.json")).json()) as {
      stages: string[];
      weights: Record<string, number>;
    };
    expect(stages.stages[0]).toBe("source");
    expect(Object.values(stages.weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it("answers 404 for anything else under /app, traversal included", async () => {
    for (const path of [
      "/app/nope.js",
      "/app/..%2F..%2Fpackage.json",
      "/app/.env",
      "/app/main.ts",
      "/app/index.html",
    ]) {
      const response = await h.app.request(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});
