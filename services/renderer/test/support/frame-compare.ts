import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

/** Comparing two renders of the same timeline frame by frame (chunked against whole). */

const execFileAsync = promisify(execFile);

export async function ffprobeStreams(file: string): Promise<{ codec_type: string; codec_name: string }[]> {
  const { stdout } = await execFileAsync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", file]);
  return (JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[] }).streams;
}

export async function firstPacketFlags(file: string): Promise<string> {
  const { stdout } = await execFileAsync("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "packet=flags",
    "-read_intervals",
    "%+#1",
    "-of",
    "csv=p=0",
    file,
  ]);
  return stdout.trim();
}

/** PSNR of the luma plane, frame by frame (identical frames count as 100 dB). */
export async function perFramePsnrY(file: string, reference: string): Promise<number[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "psnr-"));
  try {
    const statsFile = path.join(dir, "psnr.log");
    await execFileAsync("ffmpeg", [
      "-hide_banner",
      "-nostdin",
      "-i",
      file,
      "-i",
      reference,
      "-lavfi",
      `[0:v][1:v]psnr=stats_file=${statsFile}`,
      "-f",
      "null",
      "-",
    ]);
    const text = await readFile(statsFile, "utf8");
    return text
      .trim()
      .split("\n")
      .map((line) => {
        const value = line.match(/psnr_y:(\S+)/)?.[1] ?? "0";
        return value === "inf" ? 100 : Number(value);
      });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every frame as 64×36 8-bit gray pixels. */
export async function grayFrames(file: string): Promise<Buffer[]> {
  const { stdout } = await execFileAsync(
    "ffmpeg",
    ["-hide_banner", "-nostdin", "-i", file, "-vf", "scale=64:36", "-pix_fmt", "gray", "-f", "rawvideo", "-"],
    { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
  );
  const size = 64 * 36;
  return Array.from({ length: stdout.length / size }, (_, index) => stdout.subarray(index * size, (index + 1) * size));
}

export function mean(frame: Buffer): number {
  let sum = 0;
  for (const value of frame) sum += value;
  return sum / frame.length;
}

export function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += Math.abs((a[index] as number) - (b[index] as number));
  return sum / a.length;
}
