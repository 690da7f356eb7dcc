/**
 * The one module that runs FFmpeg and ffprobe.
 *
 * Both are spawned with node:child_process rather than through fluent-ffmpeg (archived upstream):
 * its `FfmpegCommand.run()` re-orders arguments around its own model (inputs → filters → outputs),
 * spawns `ffmpeg -encoders` before every run to insert `-strict experimental`, parses progress from
 * human-readable stderr rather than `-progress pipe:1`, and keeps stderr as a count of lines instead
 * of a byte-bounded tail; and its ffprobe has no timeout and no handle on the process, so a hung
 * probe could never be killed. Exact argv, machine-readable progress, a bounded stderr tail and a
 * deadline on every process are what the renderer needs.
 *
 * FFmpeg runs in a process group of its own (detached) and is killed as a group, so nothing it
 * started survives a cancel; its pid is written into the render's work dir (`ffmpeg.pid`) so that
 * a renderer that died without cleaning up has its orphans killed by the next one (scratch.ts).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { type FfmpegProgress, parseFfmpegProgress } from "./progress.ts";

const execFileAsync = promisify(execFile);

/** How much of stderr an FfmpegError keeps: FFmpeg states the cause in its last lines. */
export const STDERR_TAIL_BYTES = 64 * 1024;

export class FfmpegError extends Error {
  override readonly name = "FfmpegError";
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;
  readonly argv: readonly string[];
  /** True when the run was cancelled through its AbortSignal. */
  readonly aborted: boolean;
  constructor(options: {
    message: string;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stderrTail: string;
    argv: readonly string[];
    aborted: boolean;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.stderrTail = options.stderrTail;
    this.argv = options.argv;
    this.aborted = options.aborted;
  }
}

export interface RunFfmpegOptions {
  args: readonly string[];
  /** Cancels the run: SIGTERM at once, SIGKILL after `killGraceMs`. */
  signal?: AbortSignal | undefined;
  /** Called for each `-progress` block (the args must include `-progress pipe:1`). */
  onProgress?: ((progress: FfmpegProgress) => void) | undefined;
  killGraceMs?: number | undefined;
  ffmpegPath?: string | undefined;
  /** Written with FFmpeg's pid once it runs (the render's work dir), so a later renderer can find an orphan. */
  pidFile?: string | undefined;
}

/** The marker file name of a render's FFmpeg pid, inside its work dir. */
export const FFMPEG_PID_FILE = "ffmpeg.pid";

/** Signals FFmpeg's whole process group (it leads one: spawned detached); falls back to the process. */
export function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Runs FFmpeg to completion. Resolves on exit 0; rejects with FfmpegError otherwise (also when aborted). */
export function runFfmpeg({
  args,
  signal,
  onProgress,
  killGraceMs = 2000,
  ffmpegPath = "ffmpeg",
  pidFile,
}: RunFfmpegOptions): Promise<void> {
  const argv = [ffmpegPath, ...args];
  if (signal?.aborted) {
    return Promise.reject(
      new FfmpegError({
        message: "ffmpeg was not started: aborted",
        exitCode: null,
        signal: null,
        stderrTail: "",
        argv,
        aborted: true,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // detached: FFmpeg leads a process group of its own, killed as one on cancel and by the orphan sweep.
      child = spawn(ffmpegPath, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (cause) {
      reject(
        new FfmpegError({
          message: "ffmpeg could not be started",
          exitCode: null,
          signal: null,
          stderrTail: "",
          argv,
          aborted: false,
          cause,
        }),
      );
      return;
    }
    if (pidFile !== undefined && child.pid !== undefined) {
      try {
        writeFileSync(pidFile, `${child.pid}\n`);
      } catch {
        // Only the orphan sweep reads it; a render does not fail for it.
      }
    }
    let stderrTail = "";
    let progressRest = "";
    let aborted = false;
    let spawnError: unknown;
    let killTimer: NodeJS.Timeout | undefined;

    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      stderrTail += text;
      if (stderrTail.length > STDERR_TAIL_BYTES * 2) stderrTail = stderrTail.slice(-STDERR_TAIL_BYTES);
    });
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (text: string) => {
      const parsed = parseFfmpegProgress(progressRest + text);
      progressRest = parsed.rest.length > 65_536 ? "" : parsed.rest;
      if (onProgress) for (const block of parsed.blocks) onProgress(block);
    });

    const onAbort = () => {
      aborted = true;
      killProcessGroup(child, "SIGTERM");
      killTimer = setTimeout(() => killProcessGroup(child, "SIGKILL"), killGraceMs);
      killTimer.unref();
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    child.once("error", (error) => {
      spawnError = error;
    });
    // "close" comes after the process exited AND its pipes closed: nothing is left behind.
    child.once("close", (exitCode, exitSignal) => {
      signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (exitCode === 0 && !aborted && spawnError === undefined) {
        resolve();
        return;
      }
      const tail = stderrTail.slice(-STDERR_TAIL_BYTES);
      const reason = aborted
        ? "ffmpeg was cancelled"
        : spawnError !== undefined
          ? `ffmpeg could not be started: ${String(spawnError)}`
          : exitSignal
            ? `ffmpeg was killed by ${exitSignal}`
            : `ffmpeg exited with code ${exitCode}: ${lastLine(tail)}`;
      reject(
        new FfmpegError({
          message: reason,
          exitCode,
          signal: exitSignal,
          stderrTail: tail,
          argv,
          aborted,
          cause: spawnError,
        }),
      );
    });
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return (lines.at(-1) ?? "").trim();
}

/** ffprobe's streams and format, as plain records (turned into MediaInfo by probe.ts). */
export interface RawProbe {
  streams: Record<string, unknown>[];
  format: Record<string, unknown>;
}

/** A probe of one file finishes within this; a hung ffprobe is killed. */
export const FFPROBE_TIMEOUT_MS = 30_000;

/** Runs ffprobe (-show_streams -show_format, JSON), killed after `timeoutMs`. */
export async function ffprobeRaw(filePath: string, timeoutMs = FFPROBE_TIMEOUT_MS): Promise<RawProbe> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(
      "ffprobe",
      ["-v", "error", "-print_format", "json", "-show_streams", "-show_format", filePath],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
    ));
  } catch (error) {
    const killed = typeof error === "object" && error !== null && (error as { killed?: boolean }).killed === true;
    if (killed) throw new Error(`ffprobe did not finish within ${timeoutMs} ms and was killed (${filePath})`);
    const stderr =
      typeof error === "object" && error !== null ? String((error as { stderr?: unknown }).stderr ?? "") : "";
    throw new Error(`ffprobe failed on ${filePath}: ${stderr.trim() || String(error)}`, { cause: error });
  }
  const parsed = JSON.parse(stdout) as { streams?: Record<string, unknown>[]; format?: Record<string, unknown> };
  return { streams: parsed.streams ?? [], format: parsed.format ?? {} };
}

/**
 * ffprobe of a file nobody vouches for (a user's upload): only the local-file protocol, only the
 * demuxers named (so no playlist, concat list or image sequence can pull in other files), bounded
 * in time and output. Rejects with the ffprobe's own last line when it cannot read the file.
 */
export async function ffprobeUntrusted(
  filePath: string,
  options: { demuxers: readonly string[]; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<RawProbe> {
  const { stdout } = await execFileAsync(
    "ffprobe",
    [
      "-v",
      "error",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      options.demuxers.join(","),
      "-show_format",
      "-show_streams",
      "-of",
      "json",
      filePath,
    ],
    { maxBuffer: 4 * 1024 * 1024, timeout: options.timeoutMs, killSignal: "SIGKILL", signal: options.signal },
  ).catch((error: unknown) => {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(lastLine(stderr) || (error instanceof Error ? error.message : String(error)), { cause: error });
  });
  const parsed = JSON.parse(stdout) as Partial<RawProbe>;
  return { streams: parsed.streams ?? [], format: parsed.format ?? {} };
}

/** What this FFmpeg build can do, checked once at start-up and shown on /readyz. */
export interface FfmpegCapabilities {
  ok: boolean;
  encoders: { libx264: boolean; aac: boolean };
  filters: { ass: boolean; xfade: boolean; loudnorm: boolean; sidechaincompress: boolean; amix: boolean };
  /** Names of the required features that are missing. */
  missing: string[];
  error?: string;
}

/**
 * Names in `ffmpeg -encoders` / `-filters` output: lines of flags, a name, then a description.
 * Our own parser, not fluent-ffmpeg's getAvailableFilters: its pattern only knows fixed pad lists
 * (A, AA, V, VV), so filters with a variable number of inputs such as `amix` (N->A) are missing.
 */
export function parseFfmpegListing(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const match = line.match(/^ ([A-Z.|]{3,6}) (\S+)\s/);
    if (match?.[2] && match[2] !== "=") names.add(match[2]);
  }
  return names;
}

async function listing(kind: "-encoders" | "-filters"): Promise<Set<string>> {
  const { stdout } = await execFileAsync("ffmpeg", ["-hide_banner", kind], {
    maxBuffer: 8 * 1024 * 1024,
    timeout: 30_000,
    killSignal: "SIGKILL",
  });
  return parseFfmpegListing(stdout);
}

export async function probeCapabilities(): Promise<FfmpegCapabilities> {
  try {
    const [encoders, filters] = await Promise.all([listing("-encoders"), listing("-filters")]);
    const result = {
      encoders: { libx264: encoders.has("libx264"), aac: encoders.has("aac") },
      filters: {
        ass: filters.has("ass"),
        xfade: filters.has("xfade"),
        loudnorm: filters.has("loudnorm"),
        sidechaincompress: filters.has("sidechaincompress"),
        amix: filters.has("amix"),
      },
    };
    const missing = [
      ...Object.entries(result.encoders)
        .filter(([, present]) => !present)
        .map(([name]) => `encoder ${name}`),
      ...Object.entries(result.filters)
        .filter(([, present]) => !present)
        .map(([name]) => `filter ${name}`),
    ];
    return { ok: missing.length === 0, ...result, missing };
  } catch (error) {
    return {
      ok: false,
      encoders: { libx264: false, aac: false },
      filters: { ass: false, xfade: false, loudnorm: false, sidechaincompress: false, amix: false },
      missing: ["ffmpeg"],
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Integrated loudness (EBU R128, LUFS) of a file's audio, from FFmpeg's ebur128 summary; used to
 * check renders against LOUDNESS_TARGET_LUFS. Undefined when the file has no measurable audio.
 */
export async function measureIntegratedLoudness(filePath: string): Promise<number | undefined> {
  const { stderr } = await execFileAsync(
    "ffmpeg",
    ["-hide_banner", "-nostdin", "-nostats", "-i", filePath, "-map", "0:a:0", "-af", "ebur128", "-f", "null", "-"],
    { maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000, killSignal: "SIGKILL" },
  );
  const summary = stderr.slice(stderr.lastIndexOf("Integrated loudness:"));
  const match = summary.match(/I:\s+(-?\d+(?:\.\d+)?) LUFS/);
  return match ? Number(match[1]) : undefined;
}
