/**
 * The one module that runs FFmpeg and ffprobe, and the only one that imports fluent-ffmpeg.
 *
 * fluent-ffmpeg (archived upstream) is used for what it does well: ffprobe into structured
 * data. Renders are spawned with node:child_process here instead of
 * `FfmpegCommand.run()`, because run() re-orders arguments around its own model (inputs → filters
 * → outputs), spawns `ffmpeg -encoders` before every run to insert `-strict experimental`, parses
 * progress from human-readable stderr rather than `-progress pipe:1`, and keeps stderr as a count
 * of lines instead of a byte-bounded tail. Exact argv, machine-readable progress and a bounded
 * stderr tail are what the renderer needs; swapping the library later touches only this file.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import ffmpeg from "fluent-ffmpeg";
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
}

/** Runs FFmpeg to completion. Resolves on exit 0; rejects with FfmpegError otherwise (also when aborted). */
export function runFfmpeg({
  args,
  signal,
  onProgress,
  killGraceMs = 2000,
  ffmpegPath = "ffmpeg",
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
      child = spawn(ffmpegPath, args, { stdio: ["ignore", "pipe", "pipe"] });
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
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), killGraceMs);
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

/** Runs ffprobe (-show_streams -show_format) through fluent-ffmpeg. */
export function ffprobeRaw(filePath: string): Promise<RawProbe> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(filePath, (error: unknown, data) => {
      if (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      resolve({
        streams: data.streams as unknown as Record<string, unknown>[],
        format: data.format as unknown as Record<string, unknown>,
      });
    });
  });
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
  const { stdout } = await execFileAsync("ffmpeg", ["-hide_banner", kind], { maxBuffer: 8 * 1024 * 1024 });
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
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const summary = stderr.slice(stderr.lastIndexOf("Integrated loudness:"));
  const match = summary.match(/I:\s+(-?\d+(?:\.\d+)?) LUFS/);
  return match ? Number(match[1]) : undefined;
}

/**
 * Video packets (= frames for H.264 without field coding) of a file's first video stream, counted
 * by reading the file (MPEG-TS has no frame count in a header). A chunk or a join must hold
 * exactly the frames it was asked for.
 */
export async function countVideoFrames(filePath: string): Promise<number> {
  const { stdout } = await execFileAsync(
    "ffprobe",
    [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-count_packets",
      "-show_entries",
      "stream=nb_read_packets",
      "-of",
      "csv=p=0",
      filePath,
    ],
    { maxBuffer: 1024 * 1024 },
  );
  return Number.parseInt(stdout.trim(), 10);
}
