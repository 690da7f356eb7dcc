import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";

/** Swagger UI's own files, served from the installed package (no CDN: the docs work offline and behind a strict CSP). */
const SWAGGER_DIR = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>video-service API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

const INIT_JS = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  persistAuthorization: true,
});`;

/** GET /openapi.json (generated from the same zod schemas that validate requests) and GET /docs. */
export function registerDocsRoutes<E extends Env>(app: OpenAPIHono<E>, { version }: { version: string }): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    description: "The API key as a bearer token",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "video-service",
      version,
      description:
        "Turns stories (text or trending Reddit posts) into narrated videos and publishes them to YouTube. Every /v1 route needs an API key.",
    },
    tags: [{ name: "videos", description: "Video jobs" }],
  });

  app.get("/docs", (c) => c.html(DOCS_HTML));
  app.get("/docs/init.js", (c) => c.body(INIT_JS, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/docs/:asset", async (c) => {
    const asset = c.req.param("asset");
    const type = ASSETS[asset];
    if (!type) return c.notFound();
    const body = await readFile(path.join(SWAGGER_DIR, asset));
    return c.body(body, 200, { "content-type": type, "cache-control": "public, max-age=86400" });
  });
}
