import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Env, Hono } from "hono";
import { STAGE_NAMES } from "../jobs/job.types.ts";
import { STAGE_WEIGHTS } from "../pipeline/progress.ts";

/** The dashboard's files: plain ES modules and CSS, served as they are (no build step, no CDN). */
const PUBLIC_DIR = fileURLToPath(new URL("../../public/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** Asset names: lower-case words, one extension; nothing else (no "..", no dot files) is looked up. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*(\.[a-z]+)?\.(js|css|svg)$/;

/**
 * No inline script or style, nothing from another origin except signed media and metadata links
 * (S3 in production); no framing; and no Referer, so signed URLs never leak to YouTube or Reddit.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "media-src 'self' https:",
    "connect-src 'self' https:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-cache",
};

async function asset(name: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path.join(PUBLIC_DIR, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** GET / (the dashboard), GET /app/* (its modules, styles, icon) and GET /app/stages.json. */
export function registerDashboardRoutes<E extends Env>(app: Hono<E>): void {
  app.get("/", async (c) => {
    const html = await asset("index.html");
    if (!html) return c.notFound();
    return c.body(new Uint8Array(html), 200, { ...SECURITY_HEADERS, "content-type": CONTENT_TYPES[".html"] ?? "" });
  });

  // The stages in order and their share of a job's progress: the per-stage bars of the dashboard and the CLI.
  app.get("/app/stages.json", (c) => c.json({ stages: STAGE_NAMES, weights: STAGE_WEIGHTS }, 200, SECURITY_HEADERS));

  app.get("/app/:name", async (c) => {
    const name = c.req.param("name");
    if (!ASSET_NAME.test(name)) return c.notFound();
    const body = await asset(path.join("app", name));
    if (!body) return c.notFound();
    const type = CONTENT_TYPES[path.extname(name)] ?? "application/octet-stream";
    return c.body(new Uint8Array(body), 200, { ...SECURITY_HEADERS, "content-type": type });
  });
}
