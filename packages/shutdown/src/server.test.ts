import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { withTimeout } from "@video-service/retry";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { afterEach, describe, expect, it } from "vitest";
import { listen, type RunningServer } from "./server.ts";

/**
 * Node's keep-alive (65 s) and headers (66 s) timeouts are what a plain server.close() waits on;
 * a close that answers within this bound did not wait on them.
 */
const CLOSE_BOUND_MS = 20_000;

let server: RunningServer | undefined;
const sockets: net.Socket[] = [];

afterEach(() => {
  // Each test closes its server; a failed one leaves only these client sockets to clean up.
  for (const socket of sockets) socket.destroy();
  sockets.length = 0;
  server = undefined;
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
    sockets.push(socket);
  });
}

/** Resolves when the peer ends or closes the socket. */
function closedByServer(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readableEnded || socket.destroyed) resolve();
    socket.once("end", () => resolve());
    socket.once("close", () => resolve());
  });
}

function closeWithinBound(running: RunningServer): Promise<void> {
  return withTimeout(CLOSE_BOUND_MS, undefined, "server close", () => running.close());
}

describe("listen().close()", () => {
  it("closes a connection a client opened but sent nothing on (Node counts it active until headersTimeout)", async () => {
    const app = new Hono().get("/", (c) => c.text("ok"));
    server = await listen(app, { port: 0, hostname: "127.0.0.1" });
    const silent = await connect(server.port);
    const ended = closedByServer(silent);
    await closeWithinBound(server);
    await withTimeout(CLOSE_BOUND_MS, undefined, "socket closed", () => ended);
  });

  it("lets a request in progress finish, then closes its keep-alive connection", async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const startedRequest = new Promise<void>((resolve) => {
      started = resolve;
    });
    const app = new Hono().get("/slow", async (c) => {
      started();
      await released;
      return c.text("finished");
    });
    server = await listen(app, { port: 0, hostname: "127.0.0.1" });
    const response = fetch(`${server.url}/slow`);
    await startedRequest;
    const closed = closeWithinBound(server);
    release();
    const answer = await response;
    expect(await answer.text()).toBe("finished");
    await closed;
  });

  it("after the grace destroys a response that never ends, and says which request it cut off", async () => {
    const warnings: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
    const logger = { warn: (obj: object, msg?: string) => warnings.push({ obj: obj as Record<string, unknown>, msg }) };
    const app = new Hono().get("/forever", (c) =>
      stream(c, async (out) => {
        while (!out.aborted) {
          await out.write("tick\n");
          await sleep(50);
        }
      }),
    );
    server = await listen(app, { port: 0, hostname: "127.0.0.1", logger, closeGraceMs: 300 });
    const response = await fetch(`${server.url}/forever?secret=x`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await closeWithinBound(server);
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).rejects.toThrow();
    expect(warnings).toEqual([
      {
        obj: expect.objectContaining({ graceMs: 300, connections: 1, requests: ["GET /forever"] }),
        msg: "server close: destroying connections still open after the grace",
      },
    ]);
  });
});
