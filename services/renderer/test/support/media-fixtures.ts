import { execFile } from "node:child_process";
import { copyFile, mkdir, stat, truncate } from "node:fs/promises";
import path from "node:path";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import type { Hono } from "hono";
import { createApp } from "../../src/app.ts";
import { runFfmpeg } from "../../src/ffmpeg/ffmpeg.runner.ts";
import { AUTH, TINY_FORMATS } from "./fixtures.ts";

/**
 * A small real clip made by FFmpeg (nothing downloaded): a moving test pattern with a tone.
 * `faststart` puts the index first, so a truncated copy still probes (and must be caught later).
 */
export async function makeClip(
  filePath: string,
  options: { seconds: number; width?: number; height?: number; faststart?: boolean; audio?: boolean },
): Promise<void> {
  const { seconds, width = 160, height = 96, faststart = false, audio = true } = options;
  await runFfmpeg({
    args: [
      "-hide_banner",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=s=${width}x${height}:r=30:d=${seconds}`,
      ...(audio ? ["-f", "lavfi", "-i", `sine=f=330:d=${seconds}`] : []),
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-pix_fmt",
      "yuv420p",
      ...(audio ? ["-c:a", "aac", "-shortest"] : []),
      ...(faststart ? ["-movflags", "+faststart"] : []),
      "-f",
      "mp4",
      filePath,
    ],
  });
}

/** A music track: a few seconds of a chord, as MP3 or whatever the extension says. */
export async function makeTrack(filePath: string, seconds: number): Promise<void> {
  await runFfmpeg({
    args: ["-hide_banner", "-y", "-f", "lavfi", "-i", `sine=f=220:d=${seconds}`, "-ac", "2", filePath],
  });
}

/**
 * A card as imagegen draws it for a library background: a canvas-sized PNG, transparent except
 * for an opaque panel (x, y, w, h) of one colour.
 */
export async function makeAlphaCard(
  filePath: string,
  options: { width: number; height: number; panel: { x: number; y: number; w: number; h: number }; rgb: string },
): Promise<void> {
  const { width, height, panel, rgb } = options;
  const [r, g, b] = rgb.split(",");
  const inside = `between(X\\,${panel.x}\\,${panel.x + panel.w - 1})*between(Y\\,${panel.y}\\,${panel.y + panel.h - 1})`;
  await runFfmpeg({
    args: [
      "-hide_banner",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `color=c=black:s=${width}x${height},format=rgba,geq=r=${r}:g=${g}:b=${b}:a='if(${inside}\\,255\\,0)'`,
      "-frames:v",
      "1",
      filePath,
    ],
  });
}

/** One frame of a video as raw RGB24 (width × height × 3 bytes), taken at `seconds`. */
export async function frameAt(filePath: string, seconds: number, width: number, height: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      "ffmpeg",
      [
        "-v",
        "error",
        "-ss",
        String(seconds),
        "-i",
        filePath,
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
      ],
      { encoding: "buffer", maxBuffer: width * height * 3 + 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

/** Mean absolute difference of two RGB frames over a rectangle, 0..255. */
export function regionDifference(
  a: Buffer,
  b: Buffer,
  width: number,
  region: { x: number; y: number; w: number; h: number },
): number {
  let sum = 0;
  let count = 0;
  for (let y = region.y; y < region.y + region.h; y++) {
    for (let x = region.x; x < region.x + region.w; x++) {
      for (let channel = 0; channel < 3; channel++) {
        const index = (y * width + x) * 3 + channel;
        sum += Math.abs((a[index] ?? 0) - (b[index] ?? 0));
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}

/** The RGB of one pixel of a raw RGB24 frame. */
export function pixel(frame: Buffer, width: number, x: number, y: number): [number, number, number] {
  const index = (y * width + x) * 3;
  return [frame[index] ?? 0, frame[index + 1] ?? 0, frame[index + 2] ?? 0];
}

/** A video's audio as mono 48 kHz float samples. */
export async function monoSamples(filePath: string): Promise<Float32Array> {
  const bytes = await new Promise<Buffer>((resolve, reject) =>
    execFile(
      "ffmpeg",
      ["-v", "error", "-i", filePath, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "f32le", "-"],
      { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    ),
  );
  return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
}

/** Amplitude of one frequency in a window of samples (Goertzel), so a tone can be told from another. */
export function toneLevel(samples: Float32Array, frequency: number, fromSeconds: number, toSeconds: number): number {
  const rate = 48_000;
  const start = Math.floor(fromSeconds * rate);
  const end = Math.min(samples.length, Math.floor(toSeconds * rate));
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / rate);
  let previous = 0;
  let beforePrevious = 0;
  for (let i = start; i < end; i++) {
    const current = (samples[i] ?? 0) + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return Math.sqrt(Math.max(0, power)) / Math.max(1, end - start);
}

/** A copy of `source` cut to `fraction` of its bytes: an upload that broke off. */
export async function truncatedCopy(source: string, target: string, fraction: number): Promise<string> {
  await copyFile(source, target);
  await truncate(target, Math.floor((await stat(target)).size * fraction));
  return target;
}

/**
 * The renderer app at the tiny test canvases over a local store in `root`, for tests that only
 * ingest and render (no speech: an engine that refuses keeps them honest about it).
 */
export async function tinyRendererApp(root: string): Promise<{ store: ObjectStore; app: Hono }> {
  await mkdir(path.join(root, "scratch"), { recursive: true });
  const store = createLocalObjectStore({
    root: path.join(root, "storage"),
    signingSecret: "test-signing-secret-0123456789",
    publicBaseUrl: "http://127.0.0.1:3000",
  });
  const app = createApp({
    store,
    logger: silentLogger(),
    internalToken: AUTH["x-internal-token"],
    scratchDir: path.join(root, "scratch"),
    renderConcurrency: 1,
    tts: { name: "espeak", synthesize: () => Promise.reject(new Error("no speech in this test")) },
    formats: TINY_FORMATS,
  });
  return { store, app };
}
