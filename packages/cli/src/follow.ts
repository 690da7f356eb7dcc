import type { GatewayClient, StageName, Video } from "@video-service/api-client";
import { bar, formatMs, type Io, percent } from "./output.ts";

type StageTable = { stages: StageName[]; weights: Record<StageName, number> };

/** Each stage's own 0..1 from the job's overall progress and the stages' shares of it. */
export function stageFractions(job: Video, table: StageTable): Record<string, number> {
  const fractions: Record<string, number> = {};
  let start = 0;
  for (const name of table.stages) {
    const weight = table.weights[name] ?? 0;
    const state = job.stages[name]?.status ?? "pending";
    if (state === "succeeded") fractions[name] = 1;
    else if (state === "running" && weight > 0)
      fractions[name] = Math.min(1, Math.max(0, (job.progress - start) / weight));
    else fractions[name] = 0;
    start += weight;
  }
  return fractions;
}

const STATE_WORDS: Record<string, string> = {
  pending: "waiting",
  running: "running",
  succeeded: "done",
  failed: "FAILED",
  skipped: "skipped",
};

function stageLine(job: Video, name: StageName, fraction: number): string {
  const state = job.stages[name];
  const status = state?.status ?? "pending";
  const timing = formatMs(state?.durationMs);
  return `  ${name.padEnd(10)} ${bar(fraction)} ${percent(fraction)}  ${(STATE_WORDS[status] ?? status).padEnd(8)} ${timing}`.trimEnd();
}

/** What to do about a failed job, for the terminal. */
export function failureAdvice(job: Video): string {
  if (!job.error) return `the job ended ${job.status}`;
  const { stage, title, detail, retryable } = job.error;
  const what = retryable
    ? `It looks temporary: 'video-service retry ${job.id}' resumes at the failed stage.`
    : `Once the cause is fixed, 'video-service retry ${job.id}' resumes at the failed stage; or make a new video.`;
  return `${stage ? `${stage} failed: ` : ""}${title}: ${detail}\n${what}`;
}

/**
 * Follows a job's events until it ends, drawing a bar per stage on stderr: redrawn in place on a
 * terminal, one line per change of a stage's state or tenth in a log. With `json`, every event is
 * a line of NDJSON on stdout instead. Resolves to the job's final state.
 */
export async function follow(client: GatewayClient, id: string, io: Io, json: boolean): Promise<Video> {
  const table = await client.stages().catch(() => undefined);
  const terminal = io.stderr.isTTY === true;
  let job: Video | undefined;
  let drawn = 0;
  const printed = new Map<string, string>();

  const draw = () => {
    if (!job || json) return;
    const names = table?.stages ?? (Object.keys(job.stages) as StageName[]);
    const fractions = table ? stageFractions(job, table) : {};
    const lines = names.map((name) => stageLine(job as Video, name, fractions[name] ?? 0));
    if (terminal) {
      io.stderr.write(`${drawn ? `\x1b[${drawn}A` : ""}${lines.map((line) => `\r${line}\x1b[K\n`).join("")}`);
      drawn = lines.length;
      return;
    }
    names.forEach((name, i) => {
      // A log gets a line when a stage changes state or passes a tenth.
      const key = `${job?.stages[name]?.status}:${Math.floor((fractions[name] ?? 0) * 10)}`;
      if (printed.get(name) !== key && job?.stages[name]?.status !== "pending") {
        printed.set(name, key);
        io.stderr.write(`${lines[i]?.trim()}\n`);
      }
    });
  };

  for (;;) {
    for await (const event of client.events(id, io.signal)) {
      if (json) io.stdout.write(`${JSON.stringify(event)}\n`);
      if (event.event === "state") job = event.data;
      else if (job) {
        const data = event.data;
        if (data.type === "progress") {
          job.progress = data.progress;
          job.stage = data.stage;
        } else if (data.type === "stage") {
          const previous = job.stages[data.stage];
          job.stages[data.stage] = previous
            ? { ...previous, status: data.status }
            : { startedAt: null, finishedAt: null, durationMs: null, attempts: 0, status: data.status };
        } else job.status = data.status;
      }
      draw();
    }
    // The stream ended: the final state has the stages' timings and the outputs.
    job = await client.getVideo(id, io.signal);
    if (job.status !== "queued" && job.status !== "running") break;
    // A gateway shutting down ends streams early; the job goes on, so does the following.
  }
  draw();
  return job;
}
