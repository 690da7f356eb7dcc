import { open, readdir, readFile } from "node:fs/promises";
import { FORMATS, type Format, type FormatSpec, INTERNAL_TOKEN_HEADER } from "@video-service/contracts";
import { runFfmpeg } from "../../src/ffmpeg/ffmpeg.runner.ts";

export const TEST_TOKEN = "test-internal-token-0123456789";
export const AUTH = { [INTERNAL_TOKEN_HEADER]: TEST_TOKEN, "content-type": "application/json" };

/** Every format at a tiny canvas: the same code path, a fraction of the encode time. */
export const TINY_FORMATS: Readonly<Record<Format, FormatSpec>> = {
  short: { ...FORMATS.short, width: 180, height: 320 },
  standard: { ...FORMATS.standard, width: 320, height: 180 },
  long: { ...FORMATS.long, width: 320, height: 180 },
};

/** A still PNG drawn by FFmpeg's lavfi sources (e.g. "testsrc2", "mandelbrot", "color=c=red"). */
export async function makeStill(filePath: string, options: { width: number; height: number; source: string }) {
  const equals = options.source.indexOf("=");
  const name = equals === -1 ? options.source : options.source.slice(0, equals);
  const extra = equals === -1 ? "" : `:${options.source.slice(equals + 1)}`;
  const source = `${name}=s=${options.width}x${options.height}${extra}`;
  await runFfmpeg({ args: ["-hide_banner", "-y", "-f", "lavfi", "-i", source, "-frames:v", "1", filePath] });
}

/** A sine tone WAV (stands in for narration or music). */
export async function makeTone(filePath: string, options: { seconds: number; frequency: number; sampleRate?: number }) {
  await runFfmpeg({
    args: [
      "-hide_banner",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `sine=f=${options.frequency}:d=${options.seconds}:r=${options.sampleRate ?? 22_050}`,
      filePath,
    ],
  });
}

/** The top-level MP4 boxes in file order (faststart puts moov before mdat). */
export async function topLevelBoxes(filePath: string): Promise<string[]> {
  const handle = await open(filePath, "r");
  try {
    const { size } = await handle.stat();
    const boxes: string[] = [];
    const header = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= size) {
      await handle.read(header, 0, 16, offset);
      let boxSize = header.readUInt32BE(0);
      const type = header.toString("latin1", 4, 8);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      if (boxSize === 0) boxSize = size - offset;
      if (boxSize < 8) break;
      boxes.push(type);
      offset += boxSize;
    }
    return boxes;
  } finally {
    await handle.close();
  }
}

/** Pids of ffmpeg processes whose parent is this (test) process. */
export async function ffmpegChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const match = stat.match(/^\d+ \((.*)\) \S+ (\d+)/);
      if (match && match[1] === "ffmpeg" && Number(match[2]) === process.pid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Parses an NDJSON body into its lines. */
export function ndjsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}
