/**
 * Starts the whole stack natively — a private redis-server and the three services as child
 * processes on free ports — for `make demo`, `make dev` and the end-to-end tests. One place knows
 * how the services are wired together outside containers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export interface StackOptions {
  /** Where storage, scratch files and logs go; created if missing. */
  dataDir: string;
  /** Fixed gateway port (make dev); otherwise a free one. */
  gatewayPort?: number;
  /** Fixed API key (make dev); otherwise a random one. */
  apiKey?: string;
  otlpEndpoint?: string;
  logLevel?: string;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** How long each service may take to answer /healthz (default 90 s: a loaded machine starts them slowly). */
  healthTimeoutMs?: number;
  /** Called with each service's name when it is up. */
  onStarted?: (name: string, url: string) => void;
}

export interface Stack {
  gatewayUrl: string;
  imagegenUrl: string;
  rendererUrl: string;
  redisUrl: string;
  apiKey: string;
  internalToken: string;
  storageDir: string;
  logDir: string;
  /** The gateway's environment (another gateway process, say a worker-only one, can be started with it). */
  gatewayEnv: Record<string, string>;
  /** Stops the services (SIGTERM, then SIGKILL after a grace period) and redis. */
  stop: () => Promise<void>;
  /** The current process of a service (the fault tests kill it); its `exited` resolves when it is gone. */
  process: (name: ServiceName) => ServiceProcess;
  /** Starts a service again, same port and environment, after it stopped; resolves once it is healthy. */
  restart: (name: ServiceName) => Promise<void>;
  /** One more process of a service on its own port (a second gateway worker, say), stopped with the stack. */
  startExtra: (name: ServiceName, env?: Record<string, string>) => Promise<ServiceProcess & { url: string }>;
}

export type ServiceName = "imagegen" | "renderer" | "gateway";

export interface ServiceProcess {
  pid: number | undefined;
  kill: (signal: NodeJS.Signals) => void;
  exited: Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
}

/** Every child still running, so that a script that dies never leaves the stack behind. */
const running = new Set<ChildProcess>();
let exitGuarded = false;

/**
 * A script that ends any other way than through stop() — an exception, a closed pipe (`| head`),
 * Ctrl-C or `timeout` — takes its services with it. Scripts with signal handlers of their own
 * (make dev) keep them: the guard exits only where no other handler is listening.
 */
function guardExit() {
  if (exitGuarded) return;
  exitGuarded = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) process.exit(code);
    });
  }
}

function start(name: string, command: string, args: string[], env: Record<string, string>, logDir: string): Child {
  guardExit();
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: "a" });
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  const exited = new Promise<void>((done) =>
    child.once("exit", () => {
      running.delete(child);
      done();
    }),
  );
  return { name, process: child, exited };
}

async function waitHealthy(name: string, url: string, child: Child, logDir: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`${name} exited with code ${child.process.exitCode}; see ${join(logDir, `${name}.log`)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await delay(100);
  }
  throw new Error(
    `${name} did not become healthy at ${url} within ${timeoutMs} ms; see ${join(logDir, `${name}.log`)}`,
  );
}

async function waitRedis(port: number, child: Child, logDir: string) {
  const { createConnection } = await import("node:net");
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`redis-server exited; see ${join(logDir, "redis.log")}`);
    const ok = await new Promise<boolean>((done) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => {
        socket.write("PING\r\n");
      });
      socket.once("data", (data) => {
        socket.destroy();
        done(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => done(false));
    });
    if (ok) return;
    await delay(50);
  }
  throw new Error("redis-server did not answer PING within 10 s");
}

async function stopChild(child: Child, graceMs: number) {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill("SIGTERM");
  const killed = await Promise.race([child.exited.then(() => true), delay(graceMs).then(() => false)]);
  if (!killed) {
    child.process.kill("SIGKILL");
    await child.exited;
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = resolve(options.dataDir);
  const storageDir = join(dataDir, "storage");
  const scratchDir = join(dataDir, "scratch");
  const logDir = join(dataDir, "logs");
  const redisDir = join(dataDir, "redis");
  for (const dir of [storageDir, scratchDir, logDir, redisDir]) mkdirSync(dir, { recursive: true });

  const [redisPort, imagegenPort, rendererPort, gatewayPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    options.gatewayPort ?? freePort(),
  ]);
  const apiKey = options.apiKey ?? `demo-${randomBytes(12).toString("hex")}`;
  const internalToken = randomBytes(24).toString("hex");
  const redisUrl = `redis://127.0.0.1:${redisPort}/0`;
  const imagegenUrl = `http://127.0.0.1:${imagegenPort}`;
  const rendererUrl = `http://127.0.0.1:${rendererPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

  const children: Child[] = [];
  const current = new Map<string, Child>();
  const launches = new Map<string, { port: number; env: Record<string, string> }>();
  const stop = async () => {
    // Gateway first (its worker stops calling the others), then the services, then redis.
    for (const child of [...children].reverse()) await stopChild(child, 15_000);
  };

  try {
    const redis = start(
      "redis",
      "redis-server",
      // AOF persistence (fsync every second, as BullMQ recommends): a crash of the machine or of
      // redis-server loses at most the last second, not every job.
      [
        "--port",
        String(redisPort),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--dir",
        redisDir,
      ].concat(["--appendfsync", "everysec"]),
      {},
      logDir,
    );
    children.push(redis);
    await waitRedis(redisPort, redis, logDir);

    const common: Record<string, string> = {
      HOST: "127.0.0.1",
      INTERNAL_TOKEN: internalToken,
      STORAGE_DIR: storageDir,
      STORAGE_SIGNING_SECRET: randomBytes(24).toString("hex"),
      SCRATCH_DIR: scratchDir,
      LOG_LEVEL: options.logLevel ?? "info",
      ...(options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint } : {}),
      ...options.env,
    };
    const services: [string, number, Record<string, string>][] = [
      ["imagegen", imagegenPort, {}],
      ["renderer", rendererPort, {}],
      [
        "gateway",
        gatewayPort,
        {
          API_KEYS: apiKey,
          REDIS_URL: redisUrl,
          IMAGEGEN_URL: imagegenUrl,
          RENDERER_URL: rendererUrl,
          PUBLIC_BASE_URL: gatewayUrl,
        },
      ],
    ];
    for (const [name, port, env] of services) {
      launches.set(name, { port, env: { ...common, ...env, PORT: String(port) } });
      await launch(name, name);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  async function launch(name: string, logName: string, extraEnv: Record<string, string> = {}): Promise<Child> {
    const spec = launches.get(name);
    if (!spec) throw new Error(`no service named ${name}`);
    const env = { ...spec.env, ...extraEnv };
    const child = start(logName, process.execPath, [`services/${name}/src/main.ts`], env, logDir);
    children.push(child);
    const url = `http://127.0.0.1:${env.PORT}`;
    await waitHealthy(logName, `${url}/healthz`, child, logDir, options.healthTimeoutMs);
    if (logName === name) {
      current.set(name, child);
      options.onStarted?.(name, url);
    }
    return child;
  }

  const handle = (child: Child): ServiceProcess => ({
    pid: child.process.pid,
    kill: (signal) => void child.process.kill(signal),
    exited: child.exited,
  });

  let extras = 0;
  return {
    gatewayUrl,
    imagegenUrl,
    rendererUrl,
    redisUrl,
    apiKey,
    internalToken,
    storageDir,
    logDir,
    gatewayEnv: Object.fromEntries(
      Object.entries(launches.get("gateway")?.env ?? {}).filter(([key]) => key !== "PORT"),
    ),
    stop,
    process: (name) => {
      const child = current.get(name);
      if (!child) throw new Error(`${name} is not running`);
      return handle(child);
    },
    restart: async (name) => {
      await launch(name, name);
    },
    startExtra: async (name, env = {}) => {
      const port = await freePort();
      extras += 1;
      const child = await launch(name, `${name}-${extras}`, { ...env, PORT: String(port) });
      return { ...handle(child), url: `http://127.0.0.1:${port}` };
    },
  };
}
