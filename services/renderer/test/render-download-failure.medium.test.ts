import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createS3ObjectStore, type ObjectStore } from "@video-service/object-store";
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from "@video-service/object-store/testing/s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareRender } from "../src/render/render.service.ts";

const BROKEN_KEY = "renders/inputs/broken.png";
const SLOW_KEY = "renders/inputs/slow.png";

/**
 * In front of s3rver: a GET of BROKEN_KEY sends half its body and drops the connection; a GET of
 * SLOW_KEY is held until `releaseSlow()`; everything else passes through.
 */
interface GetProxy {
  url: string;
  brokenGets: number;
  slowHeld: boolean;
  /** Resolves when the held slow GET's response has been sent in full. */
  slowSent: Promise<void>;
  releaseSlow(): void;
  close(): Promise<void>;
}

async function startGetProxy(target: string): Promise<GetProxy> {
  const upstream = new URL(target);
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markSent = () => {};
  const slowSent = new Promise<void>((resolve) => {
    markSent = resolve;
  });
  const server: Server = createServer((req, res) => {
    const key = (req.url ?? "").split("?")[0] ?? "";
    const forward = () =>
      new Promise<void>((sent) => {
        const upstreamRequest = request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            if (key.endsWith(BROKEN_KEY) && req.method === "GET") {
              proxy.brokenGets += 1;
              const length = Number(answer.headers["content-length"]);
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.once("data", (chunk: Buffer) => {
                res.write(chunk.subarray(0, Math.floor(Math.min(chunk.length, length) / 2)));
                answer.destroy();
                setImmediate(() => res.socket?.destroy());
              });
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            res.once("finish", () => sent());
          },
        );
        upstreamRequest.once("error", () => res.destroy());
        req.pipe(upstreamRequest);
      });
    if (key.endsWith(SLOW_KEY) && req.method === "GET") {
      proxy.slowHeld = true;
      void released.then(forward).then(markSent);
      return;
    }
    void forward();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const proxy: GetProxy = {
    url: `http://127.0.0.1:${port}`,
    brokenGets: 0,
    slowHeld: false,
    slowSent,
    releaseSlow: release,
    close: () =>
      new Promise<void>((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let s3: RunningS3rver;
let proxy: GetProxy;
let store: ObjectStore;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "renderer-download-"));
  s3 = await startS3rver({ buckets: ["test"] });
  proxy = await startGetProxy(s3.endpoint);
  const direct = createS3ObjectStore({
    bucket: "test",
    region: "us-east-1",
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  await direct.put(BROKEN_KEY, Buffer.alloc(256 * 1024, 7), { contentType: "image/png" });
  await direct.put(SLOW_KEY, Buffer.alloc(64 * 1024, 9), { contentType: "image/png" });
  store = createS3ObjectStore({
    bucket: "test",
    region: "us-east-1",
    endpoint: proxy.url,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
  await rm(root, { recursive: true, force: true });
});

describe("prepareRender when one download fails", () => {
  it("removes the work dir only after the slower download has stopped, so nothing is written later", async () => {
    const scratchDir = path.join(root, "scratch");
    await rm(scratchDir, { recursive: true, force: true });
    await mkdir(scratchDir);
    const preparing = prepareRender({
      request: { scenes: [{ imageKey: BROKEN_KEY }, { imageKey: SLOW_KEY }], narration: [] },
      store,
      scratchDir,
    });
    let settled = false;
    const outcome = preparing.then(
      () => {
        settled = true;
        return undefined;
      },
      (error: unknown) => {
        settled = true;
        return error;
      },
    );
    await until(() => proxy.brokenGets > 0 && proxy.slowHeld, "the broken and the held download");
    // Give a prepareRender that does not wait for the slow download time to give up and clean up.
    await until(() => settled, "prepareRender to give up", 2_000).catch(() => undefined);
    proxy.releaseSlow();
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect(await readdir(scratchDir)).toEqual([]);
    // The slow object has been sent in full: whatever the download does with it happens now.
    await proxy.slowSent;
    await until(async () => (await readdir(scratchDir, { recursive: true })).length > 0, "a late write", 3_000).catch(
      () => undefined,
    );
    expect(await readdir(scratchDir, { recursive: true })).toEqual([]);
  });
});
