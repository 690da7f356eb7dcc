/**
 * make test-containers: the three images in Docker, as a user runs them. Builds the images
 * and the stand-ins (scripts/containers/images.sh: installs and starts Docker when needed, local
 * base images when Docker Hub is out of reach), starts the stack with docker-compose.yml + docker-compose.offline.yml
 * (Redis from Debian's package, an OTLP receiver for the collector) under its own project name,
 * waits until every container is healthy, makes a short through the published gateway port,
 * checks the MP4 with ffprobe and that one trace spans the three services, then stops the renderer
 * with `docker stop` in the middle of a second job's render and checks that the job still finishes
 * once the renderer is back. Always ends with `down --volumes`, leaving nothing running; prints
 * the build time, the time to the first video and the image sizes. Minutes, so not in `make test`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CollectedSpan } from "@video-service/telemetry/testing";

const ROOT = new URL("../../../", import.meta.url).pathname;
const PROJECT = "video-service-ctest";
const SERVICES = ["gateway", "imagegen", "renderer"] as const;
/** Debian's docker.io client when installed (the container scripts prefer it too), else the PATH's. */
// biome-ignore lint/style/noProcessEnv: DOCKER names the client, as it does for the container scripts
const DOCKER = process.env.DOCKER ?? (existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker");

const workDir = mkdtempSync(join(tmpdir(), "video-service-ctest-"));
const envFile = join(workDir, "stack.env");
const apiKey = randomBytes(24).toString("hex");
const say = (line: string) => process.stderr.write(`test-containers: ${line}\n`);

/** Runs a command (argument array, no shell); resolves with its stdout, rejects with its stderr's end. */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      // biome-ignore lint/style/noProcessEnv: the scripts need PATH and the rest of the caller's environment
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

/** scripts/containers/compose.sh with this test's project, env file, stand-ins and port override. */
const stackEnv = {
  OFFLINE: "1",
  ENV_FILE: envFile,
  EXTRA_COMPOSE_FILES: join(ROOT, "test/containers/stack/compose.test.yml"),
};
const compose = (...args: string[]) =>
  run(join(ROOT, "scripts/containers/compose.sh"), ["-p", PROJECT, ...args], { env: stackEnv });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === "object");
  return address.port;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function containerStates(): Promise<string[]> {
  const ids = (await compose("ps", "-q")).split(/\s+/).filter(Boolean);
  if (ids.length === 0) return [];
  const format = "{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}healthy{{end}}";
  return (await run(DOCKER, ["inspect", "-f", format, ...ids])).trim().split("\n");
}

interface Job {
  id: string;
  status: string;
  stage: string | null;
  progress: number;
  stages: Record<string, { attempts?: number; status?: string }>;
  error?: { title?: string; detail?: string };
  outputs?: { video: { key: string; url: string; durationSeconds: number; width: number; height: number } };
}

async function createJob(gateway: string, source: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gateway}/v1/videos`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ source: { type: "text", ...source }, format: "short" }),
    signal: AbortSignal.timeout(30_000),
  });
  assert.equal(response.status, 202, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

async function getJob(gateway: string, id: string): Promise<Job> {
  const response = await fetch(`${gateway}/v1/videos/${id}`, {
    headers: { authorization: `Bearer ${apiKey}` },
    signal: AbortSignal.timeout(30_000),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as Job;
}

async function waitForEnd(gateway: string, id: string): Promise<Job> {
  const job = await waitFor(`job ${id} to end`, 15 * 60_000, async () => {
    const current = await getJob(gateway, id);
    return ["succeeded", "failed", "cancelled"].includes(current.status) ? current : undefined;
  });
  assert.equal(job.status, "succeeded", `job ${id} ended ${job.status}: ${job.error?.title} ${job.error?.detail}`);
  return job;
}

/** Downloads the job's MP4 through its signed link and checks it with ffprobe. */
async function checkVideo(job: Job): Promise<string> {
  const video = job.outputs?.video;
  assert.ok(video, "the job has no video output");
  const download = await fetch(new URL(video.url, `http://127.0.0.1`), { signal: AbortSignal.timeout(60_000) });
  assert.equal(download.status, 200);
  const path = join(workDir, `${job.id}.mp4`);
  writeFileSync(path, Buffer.from(await download.arrayBuffer()));
  const probe = JSON.parse(
    await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "stream=codec_name,width,height:format=duration",
      "-of",
      "json",
      path,
    ]),
  ) as { streams: { codec_name: string; width?: number; height?: number }[]; format: { duration: string } };
  const videoStream = probe.streams.find((stream) => stream.codec_name === "h264");
  assert.ok(videoStream, `no H.264 stream in ${JSON.stringify(probe.streams)}`);
  assert.deepEqual([videoStream.width, videoStream.height], [1080, 1920]);
  assert.ok(
    probe.streams.some((stream) => stream.codec_name === "aac"),
    "no AAC stream",
  );
  assert.ok(Number(probe.format.duration) > 3, `duration ${probe.format.duration}`);
  return `${Number(probe.format.duration).toFixed(1)} s 1080×1920 H.264 + AAC`;
}

async function imageSizes(): Promise<string> {
  const lines: string[] = [];
  for (const service of SERVICES) {
    const bytes = Number(
      (await run(DOCKER, ["image", "inspect", "-f", "{{.Size}}", `video-service/${service}:local`])).trim(),
    );
    lines.push(`${service} ${Math.round(bytes / 1e6)} MB`);
  }
  return lines.join(", ");
}

const figures: string[] = [];
let failed = false;
// Interrupted (Ctrl-C): still take the stack down.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    say(`${signal}: docker compose down --volumes`);
    void compose("down", "--volumes", "--remove-orphans")
      .catch(() => {})
      .finally(() => {
        rmSync(workDir, { recursive: true, force: true });
        process.exit(130);
      });
  });
}
try {
  say("building the images (scripts/containers/images.sh)");
  const buildStarted = Date.now();
  await run(join(ROOT, "scripts/containers/images.sh"), [], { echo: true, env: { OFFLINE: "1" } });
  figures.push(`build: ${((Date.now() - buildStarted) / 1000).toFixed(0)} s`);

  const gatewayPort = await freePort();
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  writeFileSync(
    envFile,
    [
      `COMPOSE_PROJECT_NAME=${PROJECT}`,
      `INTERNAL_TOKEN=${randomBytes(24).toString("hex")}`,
      `API_KEYS=${apiKey}`,
      `STORAGE_SIGNING_SECRET=${randomBytes(24).toString("hex")}`,
      `GATEWAY_PORT=${gatewayPort}`,
      `PUBLIC_BASE_URL=${gateway}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );

  say("starting the stack");
  const upStarted = Date.now();
  await compose("up", "--detach", "--no-build", "--remove-orphans");
  await waitFor("every container to be healthy", 240_000, async () => {
    const states = await containerStates();
    return states.length === 5 && states.every((state) => state.endsWith(" running healthy")) ? states : undefined;
  });
  figures.push(`stack healthy after ${((Date.now() - upStarted) / 1000).toFixed(0)} s`);
  const receiverPort = (await compose("port", "otel-collector", "4318")).trim().split(":").at(-1);
  const receiver = `http://127.0.0.1:${receiverPort}`;

  say(`making a short through ${gateway}`);
  const first = await createJob(gateway, {
    title: "A container made this video",
    body: "Three services in three containers turned this text into a narrated short. Nothing ran on the host.",
  });
  const firstJob = await waitForEnd(gateway, first);
  figures.push(`first video ${((Date.now() - upStarted) / 1000).toFixed(0)} s after compose up`);
  say(`job ${first} succeeded: ${await checkVideo(firstJob)}`);

  const services = await waitFor("spans of the three services in the job's trace", 60_000, async () => {
    const spans = (await (await fetch(`${receiver}/spans`)).json()) as CollectedSpan[];
    const jobSpan = spans.find((span) => span.name === "video.job" && span.attributes["video.id"] === first);
    const inTrace = new Set(spans.filter((span) => span.traceId === jobSpan?.traceId).map((span) => span.serviceName));
    return inTrace.size === 3 ? [...inTrace].sort() : undefined;
  });
  assert.deepEqual(services, ["gateway", "imagegen", "renderer"]);
  say("one trace id across gateway, imagegen and renderer");

  say("second job: the renderer is stopped during its render, then started again");
  const second = await createJob(gateway, {
    title: "The renderer stopped in the middle of this one",
    body: "Its container was stopped while FFmpeg was encoding. The job waited, retried the render, and finished.",
  });
  await waitFor("the second job's render to start", 10 * 60_000, async () => {
    const job = await getJob(gateway, second);
    assert.notEqual(job.status, "failed", `job ${second} failed before its render: ${job.error?.detail}`);
    return job.stage === "render" && job.stages.render?.status === "running" ? job : undefined;
  });
  const renderer = (await compose("ps", "-q", "renderer")).trim();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  say("docker stop renderer (5 s grace, then SIGKILL) in the middle of the render");
  await run(DOCKER, ["stop", "--time", "5", renderer]);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  say("docker start renderer");
  await run(DOCKER, ["start", renderer]);
  const secondJob = await waitForEnd(gateway, second);
  say(
    `job ${second} succeeded after the restart (render attempts: ${secondJob.stages.render?.attempts ?? "?"}): ${await checkVideo(secondJob)}`,
  );
} catch (error) {
  failed = true;
  say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  try {
    say("the stack's last log lines:");
    process.stderr.write(await compose("logs", "--no-color", "--tail", "40"));
  } catch {
    // The stack may never have started.
  }
} finally {
  say("docker compose down --volumes");
  try {
    await compose("down", "--volumes", "--remove-orphans");
    const left = (await run(DOCKER, ["ps", "-aq", "--filter", `label=com.docker.compose.project=${PROJECT}`])).trim();
    assert.equal(left, "", `containers left behind: ${left}`);
    const volumes = (
      await run(DOCKER, ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`])
    ).trim();
    assert.equal(volumes, "", `volumes left behind: ${volumes}`);
  } catch (error) {
    failed = true;
    say(`FAILED to clean up: ${error instanceof Error ? error.message : String(error)}`);
  }
  rmSync(workDir, { recursive: true, force: true });
}
try {
  figures.push(`images: ${await imageSizes()}`);
} catch {
  // No images: the build failed, already reported.
}
say(figures.join("; "));
say(failed ? "FAILED" : "passed");
process.exit(failed ? 1 : 0);
