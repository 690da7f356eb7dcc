import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface TestRedis {
  url: string;
  port: number;
  /** Kills the server and removes its directory. */
  stop(): Promise<void>;
}

/** A free TCP port on loopback (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

/**
 * Starts a private redis-server for one test file: a free port, no persistence, its own directory;
 * resolves once it answers PING.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), "gateway-redis-"));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: "ignore" },
    );
    let exited = false;
    child.once("exit", () => {
      exited = true;
    });
    for (let wait = 0; wait < 100 && !exited; wait++) {
      if (await ping(port)) {
        return {
          url: `redis://127.0.0.1:${port}/0`,
          port,
          async stop() {
            if (!exited) {
              child.kill("SIGKILL");
              await once(child, "exit").catch(() => undefined);
            }
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await sleep(50);
    }
    // Lost the port to another process, or too slow: try again on another port.
    if (!exited) child.kill("SIGKILL");
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error("could not start redis-server");
}
