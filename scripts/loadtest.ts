/**
 * `make loadtest`: the spec's `ab -n 1000 -c 10` against POST /v1/videos and 2000 reads of a job at
 * c=20, on the native stack (127.0.0.1 only), twice: with no worker (idle), then with a worker
 * rendering. A small generator with ab's semantics (a new connection per request, a fixed number
 * of requests at a fixed concurrency) so that nothing beyond `make setup` is needed. Prints
 * requests/s, p50/p95/p99, non-2xx, and checks that every accepted job exists exactly once.
 * Figures only, no pass/fail. Not part of `make test`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { freePort, REPO_ROOT, startStack } from "./lib/stack.ts";

const CREATES = Number(process.env.LOADTEST_CREATES ?? 1000);
const READS = Number(process.env.LOADTEST_READS ?? 2000);
// A fresh process compiles its code paths on the first requests; figures are for a warm gateway,
// as one serving traffic is. The warm-up's own figures are printed too.
const WARMUP = Number(process.env.LOADTEST_WARMUP ?? 200);

interface Result {
  status: number;
  ms: number;
  body: string;
}

/** One request on a connection of its own (ab without -k). Loopback only. */
function send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<Result> {
  if (url.hostname !== "127.0.0.1") throw new Error(`the load test only targets 127.0.0.1, not ${url.hostname}`);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method, headers, agent: false, timeout: 30_000 }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: text }));
    });
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started, body: "" }));
    req.on("timeout", () => req.destroy());
    req.end(body);
  });
}

/** `count` requests, `concurrency` at a time, like ab -n count -c concurrency. */
async function run(count: number, concurrency: number, one: (index: number) => Promise<Result>) {
  const results: Result[] = [];
  let next = 0;
  const cpuBefore = cpuSeconds(apiPid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await one(index);
      }
    }),
  );
  const cpuAfter = cpuSeconds(apiPid);
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return { results, seconds: (performance.now() - started) / 1000, cpu };
}

/** The pid of the gateway listening on `port` (its command line and PORT), from /proc. */
function gatewayPid(port: string): number | undefined {
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("services/gateway/src/main.ts")) continue;
        if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(`PORT=${port}`)) return Number(entry);
      } catch {
        // gone, or not ours
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** CPU seconds (user + system) a process has used, from /proc; undefined where there is no /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100/s).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function report(
  label: string,
  { results, seconds, cpu }: { results: Result[]; seconds: number; cpu: number | undefined },
) {
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0).toFixed(1);
  const non2xx = results.filter((r) => r.status < 200 || r.status >= 300);
  const statuses = [...new Set(non2xx.map((r) => r.status))].join(",");
  // CPU time of the API gateway per request: what the figures would be on an idle machine, roughly.
  const cpuPerRequest = cpu === undefined ? "" : `  gateway CPU ${((cpu * 1000) / results.length).toFixed(2)} ms/req`;
  console.log(
    `${label.padEnd(34)} ${(results.length / seconds).toFixed(0).padStart(5)} req/s  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  p99 ${at(0.99)} ms  non-2xx ${non2xx.length}${statuses ? ` (${statuses})` : ""}${cpuPerRequest}`,
  );
}

const story = (n: number) =>
  JSON.stringify({
    source: {
      type: "text",
      title: `Load test story ${n}`,
      body: "A short story so that the render, when a worker runs, stays small.",
    },
    format: "short",
    style: { theme: "dark", captions: "none" },
  });

const [load1] = (() => {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").map(Number);
  } catch {
    return [Number.NaN];
  }
})();
const dataDir = join(REPO_ROOT, ".data/loadtest");
rmSync(dataDir, { recursive: true, force: true });
console.log(`loadtest: starting the native stack (API only: no worker yet); load average ${load1}`);
const stack = await startStack({
  dataDir,
  logLevel: "warn",
  // A loaded machine starts slowly; the figures are measured once everything is up.
  healthTimeoutMs: 180_000,
  env: { RUN_WORKER: "false", RATE_LIMIT_PER_MINUTE: "0", MAX_UNFINISHED_JOBS_PER_KEY: "0" },
});
const base = new URL(stack.gatewayUrl);
const apiPid = gatewayPid(base.port);
const auth = { authorization: `Bearer ${stack.apiKey}` };
const accepted: string[] = [];
let worker: ChildProcess | undefined;

const createPhase = async (label: string, offset: number, count = CREATES) => {
  const phase = await run(count, 10, async (i) => {
    const result = await send(
      new URL("/v1/videos", base),
      "POST",
      { ...auth, "content-type": "application/json" },
      story(offset + i),
    );
    if (result.status === 202) accepted.push((JSON.parse(result.body) as { id: string }).id);
    return result;
  });
  report(`${label}: POST /v1/videos  n=${count} c=10`, phase);
};
const readPhase = async (label: string, id: string, count = READS) => {
  const url = new URL(`/v1/videos/${id}`, base);
  report(`${label}: GET /v1/videos/{id} n=${count} c=20`, await run(count, 20, () => send(url, "GET", auth)));
};

try {
  if (WARMUP > 0) {
    await createPhase("warm-up", 2 * CREATES, WARMUP);
    await readPhase("warm-up", accepted[0] ?? "none", WARMUP);
  }
  await createPhase("idle", 0);
  await readPhase("idle", accepted[0] ?? "none");

  // A worker-only gateway on the same Redis: it starts rendering the queued jobs.
  const port = await freePort();
  worker = spawn(process.execPath, ["services/gateway/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...stack.gatewayEnv, PORT: String(port), RUN_WORKER: "true", LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  console.log("loadtest: worker started; waiting for a render to run");
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = await send(new URL(`/v1/videos/${accepted[0]}`, base), "GET", auth);
    const view = JSON.parse(job.body) as { stage?: string; status?: string };
    if (view.stage === "render" || view.status === "succeeded") break;
    if (Date.now() > deadline) throw new Error(`no render started within 2 min (first job: ${job.body.slice(0, 200)})`);
    await delay(250);
  }
  await createPhase("rendering", CREATES);
  await readPhase("rendering", accepted[0] ?? "none");

  // Every accepted job exists exactly once.
  const listed: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await send(
      new URL(`/v1/videos?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, base),
      "GET",
      auth,
    );
    const body = JSON.parse(page.body) as { data: { id: string }[]; nextCursor: string | null };
    listed.push(...body.data.map((job) => job.id));
    cursor = body.nextCursor;
  } while (cursor);
  const counts = new Map<string, number>();
  for (const id of listed) counts.set(id, (counts.get(id) ?? 0) + 1);
  const missing = accepted.filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = listed.filter((id) => !accepted.includes(id));
  console.log(
    `jobs: ${accepted.length} accepted, ${listed.length} listed; missing ${missing.length}, duplicated ${duplicated.length}, not accepted ${unexpected.length}`,
  );
} finally {
  if (worker && worker.exitCode === null) {
    worker.kill("SIGKILL");
  }
  await stack.stop();
}
