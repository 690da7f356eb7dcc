import { Readable } from "node:stream";
import { AppError, problemResponse, problemTypeUri } from "@video-service/errors";
import type { ObjectStore } from "@video-service/object-store";
import { verifySignedUrl } from "@video-service/object-store";
import type { Env, Hono } from "hono";

/** Parses a single `bytes=` range against the object size; undefined when absent, "invalid" when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "invalid" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined; // multiple or odd ranges: serve the whole object (allowed by RFC 9110)
  const [, from = "", to = ""] = match;
  if (from === "" && to === "") return "invalid";
  let start: number;
  let end: number;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) return "invalid";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) return "invalid";
  return { start, end };
}

/**
 * GET /files/{key}: the local store's downloads. Only URLs signed by the store (HMAC, expiring)
 * are served; Range requests are honoured so players can seek.
 */
export function registerFileRoutes<E extends Env>(
  app: Hono<E>,
  { store, signingSecret }: { store: ObjectStore; signingSecret: string },
) {
  app.get("/files/*", async (c) => {
    const key = decodeURIComponent(c.req.path.slice("/files/".length));
    const valid = verifySignedUrl({
      key,
      expires: c.req.query("expires"),
      sig: c.req.query("sig"),
      secret: signingSecret,
    });
    if (!valid) throw new AppError("forbidden", "the download link is invalid or has expired");
    const info = await store.head(key);
    if (!info) throw new AppError("not-found", `no object ${key}`);
    const headers: Record<string, string> = {
      "content-type": info.contentType ?? "application/octet-stream",
      "accept-ranges": "bytes",
      "cache-control": "private, max-age=300",
    };
    const range = parseRange(c.req.header("range"), info.size);
    if (range === "invalid") {
      return problemResponse(
        c,
        {
          type: problemTypeUri("bad-request"),
          title: "Range not satisfiable",
          status: 416,
          detail: `the object has ${info.size} bytes`,
        },
        { "content-range": `bytes */${info.size}` },
      );
    }
    if (c.req.method === "HEAD") {
      return c.body(null, 200, { ...headers, "content-length": String(info.size) });
    }
    const body = await store.getStream(key, range);
    const web = Readable.toWeb(body) as ReadableStream<Uint8Array>;
    if (range) {
      return c.body(web, 206, {
        ...headers,
        "content-range": `bytes ${range.start}-${range.end}/${info.size}`,
        "content-length": String(range.end - range.start + 1),
      });
    }
    return c.body(web, 200, { ...headers, "content-length": String(info.size) });
  });
}
