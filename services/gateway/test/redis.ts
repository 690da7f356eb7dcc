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
  /** SIGSTOP / SIGCONT: a stalled server (connections stay open, nothing answers). */
  pause(): void;
  resume(): void;
  /** SIGKILL (a crash), then a new server on the same port and directory (with `appendonly`, the data comes back). */
  crashAndRestart(): Promise<void>;
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

/** redis-server on the port, answering PING; undefined if it exited or did not answer in 5 s. */
async function spawnRedis(port: number, dir: string, appendonly: boolean) {
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", appendonly ? "yes" : "no"].concat([
      "--dir",
      dir,
    ]),
    { stdio: "ignore" },
  );
  const state = { exited: false };
  child.once("exit", () => {
    state.exited = true;
  });
  for (let wait = 0; wait < 100 && !state.exited; wait++) {
    if (await ping(port)) return { child, state };
    await sleep(50);
  }
  if (!state.exited) child.kill("SIGKILL");
  return undefined;
}

/**
 * Starts a private redis-server for one test file: a free port, its own directory, no persistence
 * unless `appendonly` (AOF, fsync every second, as the dev stack runs it); resolves once it answers PING.
 */
export async function startRedis({ appendonly = false }: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), "gateway-redis-"));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    let server = await spawnRedis(port, dir, appendonly);
    // Lost the port to another process, or too slow: try again on another port.
    if (!server) continue;
    const kill = async () => {
      if (server && !server.state.exited) {
        server.child.kill("SIGKILL");
        await once(server.child, "exit").catch(() => undefined);
      }
    };
    return {
      url: `redis://127.0.0.1:${port}/0`,
      port,
      pause: () => server?.child.kill("SIGSTOP"),
      resume: () => server?.child.kill("SIGCONT"),
      async crashAndRestart() {
        await kill();
        server = await spawnRedis(port, dir, appendonly);
        if (!server) throw new Error("redis-server did not come back on its port");
      },
      async stop() {
        await kill();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error("could not start redis-server");
}
