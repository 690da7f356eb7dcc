/**
 * `make bench`: renders the fixed 60 s short of reference/render-performance.md (6 × 10 s stills,
 * 0.5 s crossfades, a 60 s narration, a caption line changing every 2 s) through the renderer
 * (its app in-process, called over HTTP, local store), and the same output with the fastest single
 * hand-written ffmpeg command we know. Prints wall times, the ratio and the peak memory of the
 * ffmpeg processes. Figures only: no pass/fail (shared machines vary from run to run).
 *
 * The background-video variant renders the same timeline with the cards drawn transparent over a
 * library clip (a 20 s FFmpeg-made fractal zoom, ingested as an upload would be, looped): its cost
 * against "renderer, no motion" is what a moving background adds.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { FORMATS, INTERNAL_TOKEN_HEADER, type Motion, type RenderRequestInput } from "@video-service/contracts";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore } from "@video-service/object-store";
import { listen } from "@video-service/shutdown";
import sharp from "sharp";
import { createApp } from "../services/renderer/src/app.ts";
import { probe } from "../services/renderer/src/ffmpeg/probe.ts";
import { buildAssDocument } from "../services/renderer/src/render/captions.ts";
import { createEspeakEngine } from "../services/renderer/src/speech/espeak.engine.ts";

const run = promisify(execFile);
const { width: W, height: H, fps, preset, crf, audioBitrate } = FORMATS.short;
const SCENES = 6;
const SCENE_SECONDS = 10;
const TRANSITION = 0.5;
const VIDEO_SECONDS = SCENES * SCENE_SECONDS - (SCENES - 1) * TRANSITION;
const TOKEN = "bench-internal-token-0123456789";
/** `make bench` runs one round; `node scripts/bench.ts --rounds 3` for steadier figures. */
const roundsFlag = process.argv.indexOf("--rounds");
const ROUNDS = roundsFlag === -1 ? 1 : Math.max(1, Number(process.argv[roundsFlag + 1]) || 1);

const NARRATION_TEXT =
  "This is the benchmark narration. It reads a story about a render service that turns trending posts into videos. " +
  "Every scene shows a detailed still image for ten seconds, and the scenes fade into each other. " +
  "Captions change every two seconds while the voice keeps talking about nothing in particular. " +
  "The encoder is x264 with the faster preset, a constant rate factor of twenty three, and a bitrate cap. " +
  "The audio is AAC at forty eight kilohertz, normalised for loudness. ";

/** A detailed still: gaussian noise under a gradient and large text, like a card over a photo. */
async function makeStill(filePath: string, index: number): Promise<void> {
  const hue = (index * 60) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},70%,45%)" stop-opacity="0.75"/>
      <stop offset="1" stop-color="hsl(${(hue + 120) % 360},70%,25%)" stop-opacity="0.75"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <rect x="60" y="300" width="${W - 120}" height="900" rx="40" fill="white" fill-opacity="0.92"/>
    <text x="100" y="420" font-family="DejaVu Sans" font-weight="bold" font-size="64" fill="#111">r/benchmark · scene ${index + 1}</text>
    ${Array.from({ length: 9 }, (_, line) => `<text x="100" y="${540 + line * 72}" font-family="DejaVu Sans" font-size="48" fill="#222">Line ${line + 1} of detailed body text for the still.</text>`).join("")}
  </svg>`;
  await sharp({
    create: {
      width: W,
      height: H,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toFile(filePath);
}

/** The same card as makeStill without its backdrop: only the panel and text, over a clear canvas. */
async function makeCard(filePath: string, index: number): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    <rect x="60" y="300" width="${W - 120}" height="900" rx="40" fill="white" fill-opacity="0.92"/>
    <text x="100" y="420" font-family="DejaVu Sans" font-weight="bold" font-size="64" fill="#111">r/benchmark · scene ${index + 1}</text>
    ${Array.from({ length: 9 }, (_, line) => `<text x="100" y="${540 + line * 72}" font-family="DejaVu Sans" font-size="48" fill="#222">Line ${line + 1} of detailed body text for the still.</text>`).join("")}
  </svg>`;
  await sharp({ create: { width: W, height: H, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toFile(filePath);
}

/** Seconds of the background clip: shorter than the video, so the render loops it. */
const CLIP_SECONDS = 20;

/**
 * Peak resident memory of ffmpeg children of this process: VmHWM in /proc/<pid>/status is the kernel's
 * own high-water mark, so one reading shortly before exit is enough. /proc is scanned only until
 * the child is found (a full scan is not free on a busy machine), then just its status is read.
 */
function watchFfmpegMemory(): { stop: () => number } {
  let peakKiB = 0;
  let watched: string | undefined;
  const findChild = async (): Promise<string | undefined> => {
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      const match = stat.match(/^\d+ \((.*)\) \S+ (\d+)/);
      if (match?.[1] === "ffmpeg" && Number(match[2]) === process.pid) return entry;
    }
    return undefined;
  };
  const sample = async () => {
    watched ??= await findChild();
    if (watched === undefined) return;
    const status = await readFile(`/proc/${watched}/status`, "utf8").catch(() => undefined);
    if (status === undefined) {
      watched = undefined;
      return;
    }
    peakKiB = Math.max(peakKiB, Number(status.match(/^VmHWM:\s+(\d+)/m)?.[1] ?? 0));
  };
  const timer = setInterval(() => void sample(), 250);
  return {
    stop: () => {
      clearInterval(timer);
      return peakKiB / 1024;
    },
  };
}

async function timed<T>(what: () => Promise<T>): Promise<{ seconds: number; peakMiB: number; result: T }> {
  const memory = watchFfmpegMemory();
  const started = performance.now();
  const result = await what();
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakMiB: memory.stop(), result };
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), "renderer-bench-"));
  try {
    const storageDir = path.join(root, "storage");
    const scratchDir = path.join(root, "scratch");
    await mkdir(path.join(storageDir, "bench"), { recursive: true });
    await mkdir(scratchDir);
    console.log(`preparing inputs in ${root} …`);
    const stills = Array.from({ length: SCENES }, (_, index) => path.join(storageDir, "bench", `s${index}.png`));
    await Promise.all(stills.map((file, index) => makeStill(file, index)));
    await Promise.all(stills.map((_, index) => makeCard(path.join(storageDir, "bench", `c${index}.png`), index)));
    // The background clip as a user would upload it: detailed and moving everywhere (a fractal zoom).
    await mkdir(path.join(storageDir, "media", "uploads"), { recursive: true });
    await run("ffmpeg", [
      ...["-hide_banner", "-y", "-loglevel", "error", "-f", "lavfi"],
      ...["-i", `mandelbrot=s=960x540:rate=30,trim=duration=${CLIP_SECONDS}`],
      ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-f", "mp4"],
      path.join(storageDir, "media", "uploads", "bench-clip"),
    ]);

    // 60 s of espeak-ng narration (the text repeated, cut to the video's length, 48 kHz).
    const rawVoice = path.join(root, "voice-raw.wav");
    await run("espeak-ng", ["-s", "165", "-w", rawVoice, NARRATION_TEXT.repeat(3)]);
    const narration = path.join(storageDir, "bench", "narration.wav");
    await run("ffmpeg", ["-hide_banner", "-y", "-i", rawVoice, "-t", String(VIDEO_SECONDS), "-ar", "48000", narration]);

    // A caption line every 2 s: four words of 0.5 s, ending in a full stop so each line is one phrase.
    const words = Array.from({ length: Math.floor(VIDEO_SECONDS / 2) }, (_, line) =>
      ["Caption", "line", "number", `${line + 1}.`].map((text, index) => ({
        text,
        start: line * 2 + index * 0.5,
        end: line * 2 + index * 0.5 + 0.45,
      })),
    ).flat();

    // --- hand-written: the same stills, crossfades, captions, narration and encoder settings ---
    const assPath = path.join(root, "captions.ass");
    await writeFile(assPath, buildAssDocument({ words, mode: "sentence", layout: FORMATS.short }));
    const frames = SCENE_SECONDS * fps;
    const chains = stills.map(
      (_, index) =>
        `[${index}:v]format=yuv420p,loop=loop=${frames - 1}:size=1:start=0,setpts=N/FRAME_RATE/TB[s${index}]`,
    );
    const fades = stills.slice(1).map((_, index) => {
      const from = index === 0 ? "[s0]" : `[x${index}]`;
      return `${from}[s${index + 1}]xfade=transition=fade:duration=${TRANSITION}:offset=${(index + 1) * (SCENE_SECONDS - TRANSITION)}[x${index + 1}]`;
    });
    const handGraph = [
      ...chains,
      ...fades,
      `[x${SCENES - 1}]ass=${assPath}[v]`,
      `[${SCENES}:a]loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000[a]`,
    ].join(";");
    const handOutput = path.join(root, "hand.mp4");
    const handArgs = [
      "-hide_banner",
      "-y",
      "-nostdin",
      "-loglevel",
      "error",
      ...stills.flatMap((file) => ["-framerate", String(fps), "-i", file]),
      "-i",
      narration,
      "-filter_complex",
      handGraph,
      "-map",
      "[v]",
      "-map",
      "[a]",
      "-c:v",
      "libx264",
      "-preset",
      preset,
      "-crf",
      String(crf),
      "-maxrate",
      "8M",
      "-bufsize",
      "16M",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-b:a",
      audioBitrate,
      "-ar",
      "48000",
      "-ac",
      "2",
      "-t",
      String(VIDEO_SECONDS),
      "-movflags",
      "+faststart",
      handOutput,
    ];

    // --- the renderer, in-process, over HTTP ---
    const store = createLocalObjectStore({
      root: storageDir,
      signingSecret: "bench-signing-secret-0123456789",
      publicBaseUrl: "http://127.0.0.1:3000",
    });
    const tts = createEspeakEngine();
    const server = await listen(
      createApp({ store, logger: silentLogger(), internalToken: TOKEN, scratchDir, renderConcurrency: 1, tts }),
      { port: 0, hostname: "127.0.0.1" },
    );
    const call = (pathname: string, body: unknown) =>
      fetch(`${server.url}${pathname}`, {
        method: "POST",
        headers: { [INTERNAL_TOKEN_HEADER]: TOKEN, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    console.log(`ingesting the ${CLIP_SECONDS} s background clip (normalised once, as an upload is) …`);
    const ingestStarted = performance.now();
    const ingest = await call("/v1/media/ingest", {
      kind: "background-video",
      sourceKey: "media/uploads/bench-clip",
      targetPrefix: "media/background-video/bench/v1/",
    });
    const ingestLast = (await ingest.text()).trim().split("\n").at(-1) ?? "";
    if (!ingest.ok || !ingestLast.includes('"done"')) throw new Error(`ingest failed: ${ingestLast}`);
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    const renderThroughService = async (name: string, motions: readonly Motion[], overVideo = false) => {
      const request: RenderRequestInput = {
        format: "short",
        outputKey: `videos/short/${name}.mp4`,
        scenes: stills.map((_, index) => ({
          imageKey: overVideo ? `bench/c${index}.png` : `bench/s${index}.png`,
          duration: SCENE_SECONDS,
          motion: overVideo ? "none" : motions[index % motions.length],
        })),
        transitionSeconds: TRANSITION,
        narration: [{ audioKey: "bench/narration.wav", start: 0 }],
        captions: { mode: "sentence", words },
        ...(overVideo
          ? {
              background: {
                kind: "video" as const,
                key: "media/background-video/bench/v1/portrait.mp4",
                startSeconds: 3,
              },
            }
          : {}),
      };
      const response = await call("/v1/renders", request);
      const lines = (await response.text()).trim().split("\n");
      const last = JSON.parse(lines.at(-1) ?? "{}") as { type: string };
      if (last.type !== "done") throw new Error(`render failed: ${lines.at(-1)}`);
      return path.join(storageDir, "videos", "short", `${name}.mp4`);
    };

    try {
      // Interleaved rounds, so a neighbour's load spike hits every variant alike.
      const variants = [
        {
          name: "hand-written ffmpeg",
          render: () => run("ffmpeg", handArgs, { maxBuffer: 16 * 1024 * 1024 }).then(() => handOutput),
        },
        { name: "renderer, no motion", render: () => renderThroughService("still", ["none"]) },
        {
          name: "renderer, motion",
          render: () => renderThroughService("motion", ["zoom-in", "pan-right", "zoom-out", "pan-left"]),
        },
        { name: "renderer, video bg", render: () => renderThroughService("video-bg", ["none"], true) },
      ];
      const results = new Map<string, { seconds: number[]; peakMiB: number; sizeBytes: number }>();
      for (let round = 1; round <= ROUNDS; round++) {
        for (const variant of variants) {
          console.log(`round ${round}/${ROUNDS}: ${variant.name} …`);
          const { seconds, peakMiB, result } = await timed(variant.render);
          const entry = results.get(variant.name) ?? {
            seconds: [],
            peakMiB: 0,
            sizeBytes: (await probe(result)).sizeBytes,
          };
          entry.seconds.push(seconds);
          entry.peakMiB = Math.max(entry.peakMiB, peakMiB);
          results.set(variant.name, entry);
        }
      }
      const median = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        const middle = Math.floor(sorted.length / 2);
        return sorted.length % 2
          ? (sorted[middle] as number)
          : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
      };
      const load = os
        .loadavg()
        .map((value) => value.toFixed(1))
        .join(" ");
      console.log(
        `\n${VIDEO_SECONDS} s of ${W}×${H} @ ${fps} fps, libx264 ${preset} CRF ${crf}, ${os.cpus().length} cores, ${ROUNDS} round(s), load ${load}`,
      );
      console.log("variant                  wall s (min / median / max)   × real time   ffmpeg peak RSS MiB   size MB");
      for (const [name, entry] of results) {
        const wall = [Math.min(...entry.seconds), median(entry.seconds), Math.max(...entry.seconds)]
          .map((value) => value.toFixed(1))
          .join(" / ");
        console.log(
          `${name.padEnd(24)} ${wall.padStart(28)}   ${(VIDEO_SECONDS / median(entry.seconds)).toFixed(2).padStart(11)}   ${entry.peakMiB.toFixed(0).padStart(19)}   ${(entry.sizeBytes / 1e6).toFixed(1).padStart(7)}`,
        );
      }
      const medianOf = (name: string) => median(results.get(name)?.seconds ?? [Number.NaN]);
      console.log(
        `\nrenderer / hand-written: ${(medianOf("renderer, no motion") / medianOf("hand-written ffmpeg")).toFixed(2)}×   ` +
          `motion / no motion: ${(medianOf("renderer, motion") / medianOf("renderer, no motion")).toFixed(2)}×   ` +
          `video bg / still bg: ${(medianOf("renderer, video bg") / medianOf("renderer, no motion")).toFixed(2)}×  (medians)`,
      );
      console.log(
        `background clip ingest (${CLIP_SECONDS} s → both canvases, once per upload): ${ingestSeconds.toFixed(1)} s`,
      );
    } finally {
      await server.close();
      await tts.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
