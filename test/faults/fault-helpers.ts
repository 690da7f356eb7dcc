/** What the fault tests share: a small story, job polling, and a look at processes through /proc. */
import { readdir, readFile } from "node:fs/promises";

export const shortStory = (title: string) => ({
  source: { type: "text", title, body: "A short story, told in two sentences. It ends here." },
  format: "short",
  style: { theme: "dark", captions: "none" },
});

export interface Job {
  id: string;
  status: string;
  stage: string | null;
  error?: { stage: string | null; title: string; detail: string; retryable: boolean };
  stages: Record<string, { status: string; attempts: number }>;
  outputs?: {
    video: { key: string; url: string; durationSeconds: number; sizeBytes: number };
    thumbnail?: { key: string; url: string };
    metadata?: { key: string; url: string };
  };
}

export interface Api {
  url: string;
  apiKey: string;
}

const headers = (api: Api) => ({ authorization: `Bearer ${api.apiKey}`, "content-type": "application/json" });

export async function createJob(api: Api, title: string): Promise<string> {
  const response = await fetch(`${api.url}/v1/videos`, {
    method: "POST",
    headers: headers(api),
    body: JSON.stringify(shortStory(title)),
  });
  if (response.status !== 202) throw new Error(`POST /v1/videos answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export async function getJob(api: Api, id: string): Promise<Job> {
  return (await (await fetch(`${api.url}/v1/videos/${id}`, { headers: headers(api) })).json()) as Job;
}

/** Polls the job until `done(job)`; every state seen goes to `seen` (to check what it never was). */
export async function waitForJob(
  api: Api,
  id: string,
  done: (job: Job) => boolean,
  { timeoutMs = 180_000, seen }: { timeoutMs?: number; seen?: Job[] } = {},
): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(api, id);
    seen?.push(job);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there in time: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const ended = (job: Job) => ["succeeded", "failed", "cancelled"].includes(job.status);

interface ProcessInfo {
  pid: number;
  command: string;
  state: string;
  ppid: number;
  pgid: number;
}

/** Every process on the machine, from /proc/<pid>/stat. */
export async function processes(): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => undefined);
    if (!stat) continue;
    // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses: split at the last ")".
    const close = stat.lastIndexOf(")");
    const command = stat.slice(stat.indexOf("(") + 1, close);
    const [state = "", ppid = "0", pgid = "0"] = stat.slice(close + 2).split(" ");
    found.push({ pid: Number(name), command, state, ppid: Number(ppid), pgid: Number(pgid) });
  }
  return found;
}

/** Live (not zombie) FFmpeg processes that are children of `parentPid` or in one of `groups`. */
export async function ffmpegProcesses({ parentPid, groups = [] }: { parentPid?: number; groups?: number[] }) {
  return (await processes()).filter(
    (p) =>
      p.command === "ffmpeg" &&
      p.state !== "Z" &&
      (p.ppid === parentPid || groups.includes(p.pgid) || groups.includes(p.pid)),
  );
}

export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (!stat) return false;
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}
