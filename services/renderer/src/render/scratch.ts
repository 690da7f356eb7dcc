import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@video-service/logger";
import { FFMPEG_PID_FILE } from "../ffmpeg/ffmpeg.runner.ts";

/**
 * Work dirs are named `render-<renderer pid>-<random>`, so a renderer can tell its own from those
 * of a renderer that died (its pid is gone, or is this process's own: we have not rendered yet)
 * and from those of another renderer alive on the same scratch dir (left alone).
 */
export function renderDirPrefix(pid = process.pid): string {
  return `render-${pid}-`;
}

export interface ScratchSweep {
  /** FFmpeg processes of dead renderers that were still running, killed with their group. */
  killed: number[];
  /** Work dirs and speech files removed. */
  removed: string[];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The process's command line, or undefined when it is gone (Linux /proc; elsewhere nothing is matched). */
async function commandLine(pid: number): Promise<string[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * At start-up: kills the FFmpeg left running by a renderer that died (SIGKILL, OOM) and removes its
 * scratch files. An FFmpeg is recognised by the pid file in its work dir AND its command line
 * naming that work dir, so a reused pid is never killed.
 */
export async function sweepScratch({
  scratchDir,
  logger,
}: {
  scratchDir: string;
  logger: Logger;
}): Promise<ScratchSweep> {
  const sweep: ScratchSweep = { killed: [], removed: [] };
  let entries: string[];
  try {
    entries = await readdir(scratchDir);
  } catch {
    return sweep;
  }
  for (const name of entries) {
    const match = /^render-(\d+)-/.exec(name) ?? /^speech-(\d+)-/.exec(name);
    if (!match) continue;
    const owner = Number(match[1]);
    if (owner !== process.pid && isAlive(owner)) continue;
    const entryPath = path.join(scratchDir, name);
    if (name.startsWith("render-")) {
      const pid = Number((await readFile(path.join(entryPath, FFMPEG_PID_FILE), "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0) {
        const argv = await commandLine(pid);
        if (argv?.some((arg) => arg.startsWith(entryPath))) {
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            process.kill(pid, "SIGKILL");
          }
          sweep.killed.push(pid);
        }
      }
    }
    await rm(entryPath, { recursive: true, force: true });
    sweep.removed.push(name);
  }
  if (sweep.killed.length > 0 || sweep.removed.length > 0) {
    logger.warn(sweep, "removed what a previous renderer left behind (orphan FFmpeg, scratch files)");
  }
  return sweep;
}
