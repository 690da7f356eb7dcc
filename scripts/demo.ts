/**
 * make demo: starts redis and the three services natively, sends the bundled sample story, shows
 * progress, stops everything it started, and prints the absolute path of the MP4 as its last line.
 *   node scripts/demo.ts [--format short|standard|long] [--keep]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readSse } from "@video-service/api-client";
import { REPO_ROOT, startStack } from "./lib/stack.ts";

const { values } = parseArgs({
  options: {
    format: { type: "string", default: "short" },
    story: { type: "string", default: join(REPO_ROOT, "samples/story.json") },
  },
});
const format = values.format ?? "short";
if (!["short", "standard", "long"].includes(format)) {
  console.error(`demo: unknown format "${format}"; use FORMAT=short, standard or long`);
  process.exit(2);
}

const status = (line: string) => process.stderr.write(`${line}\n`);
const interactive = process.stderr.isTTY;

function progressBar(progress: number, stage: string): string {
  const width = 30;
  const filled = Math.round(Math.min(1, Math.max(0, progress)) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(progress * 100).toFixed(0).padStart(3)}%  ${stage}`;
}

interface JobView {
  id: string;
  status: string;
  stage?: string;
  progress?: number;
  error?: { stage?: string; title?: string; detail?: string };
  outputs?: { video?: { key: string; durationSeconds?: number; sizeBytes?: number } };
}

const dataDir = join(REPO_ROOT, ".data/demo");
status(`demo: starting redis, imagegen, renderer and gateway (logs in ${join(dataDir, "logs")})`);
const stack = await startStack({ dataDir, onStarted: (name, url) => status(`demo: ${name} is up at ${url}`) });

let exitCode = 0;
let videoPath: string | undefined;
const stopOnSignal = () => {
  status("\ndemo: interrupted; stopping the services");
  void stack.stop().then(() => process.exit(130));
};
process.once("SIGINT", stopOnSignal);
process.once("SIGTERM", stopOnSignal);

try {
  const story = JSON.parse(readFileSync(values.story ?? "", "utf8")) as Record<string, unknown>;
  const headers = { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" };
  const created = await fetch(`${stack.gatewayUrl}/v1/videos`, {
    method: "POST",
    headers,
    body: JSON.stringify({ source: { type: "text", ...story }, format }),
  });
  if (created.status !== 202) throw new Error(`POST /v1/videos answered ${created.status}: ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  status(`demo: job ${id} queued as a ${format} video`);

  const events = await fetch(`${stack.gatewayUrl}/v1/videos/${id}/events`, { headers });
  // Events carry only what changed: progress, a stage, or the job's status. Keep the last of each.
  let progress = 0;
  let label = "queued";
  let last = "";
  for await (const event of readSse(events)) {
    let data: Partial<JobView> = {};
    try {
      data = JSON.parse(event.data) as Partial<JobView>;
    } catch {
      continue;
    }
    if (typeof data.progress === "number") progress = data.progress;
    if (event.event === "status" && data.status) label = data.status;
    else if (data.stage) label = data.stage;
    // A terminal gets a live bar; a log gets a line per stage and per 10 %.
    const line = interactive ? progressBar(progress, label) : progressBar(Math.floor(progress * 10) / 10, label);
    if (line === last) continue;
    last = line;
    if (interactive) process.stderr.write(`\r${line}\x1b[K`);
    else status(line);
  }
  if (interactive) process.stderr.write("\n");

  const job = (await (await fetch(`${stack.gatewayUrl}/v1/videos/${id}`, { headers })).json()) as JobView;
  if (job.status !== "succeeded" || !job.outputs?.video) {
    const why = job.error ? `${job.error.stage ?? ""}: ${job.error.title ?? ""} ${job.error.detail ?? ""}` : job.status;
    throw new Error(`the job ended ${job.status} (${why}); see the logs in ${stack.logDir}`);
  }
  const video = job.outputs.video;
  videoPath = join(stack.storageDir, video.key);
  status(`demo: done — ${video.durationSeconds?.toFixed(1) ?? "?"} s, ${((video.sizeBytes ?? 0) / 1e6).toFixed(1)} MB`);
} catch (error) {
  status(`demo: failed: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  status("demo: stopping the services");
  await stack.stop();
}
if (videoPath) console.log(videoPath);
process.exit(exitCode);
