/**
 * `make bench-chunks`: what chunked rendering would gain with N renderer tasks. This machine has
 * 2 cores, so chunks cannot run side by side here: the same timeline is rendered whole, then as
 * 8 chunks one after another, plus the audio part and the join, all through the renderer's routes
 * (its app in-process, local store). Projected time with N tasks = the slowest of N chunks (groups
 * of 8/N consecutive measured chunks; a chunk's cost is linear in its frames) or the audio part,
 * whichever is longer, + the join. Each step is measured in wall seconds and in CPU seconds of its
 * FFmpeg processes (the steadier measure on a shared machine). Figures only, no pass/fail.
 *
 *   node scripts/bench-chunks.ts --format standard --seconds 300
 *   node scripts/bench-chunks.ts --format long --seconds 600 --out bench-long.json
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  FORMATS,
  type Format,
  INTERNAL_TOKEN_HEADER,
  type Motion,
  planChunks,
  type RenderRequestInput,
  renderRequestSchema,
  timelineFrames,
  transitionWindows,
} from "@video-service/contracts";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore } from "@video-service/object-store";
import sharp from "sharp";
import { createApp } from "../services/renderer/src/app.ts";
import { createEspeakEngine } from "../services/renderer/src/speech/espeak.engine.ts";

const run = promisify(execFile);
const flag = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
};
const FORMAT = flag("format", "standard") as Format;
const VIDEO_SECONDS = Number(flag("seconds", FORMAT === "long" ? "600" : "300"));
const OUT = flag("out", "");
const MEASURED_CHUNKS = 8;
const SCENE_SECONDS = 10;
const TRANSITION = 0.5;
const STILLS = 6;
const TOKEN = "bench-internal-token-0123456789";
const MOTIONS: readonly Motion[] = ["zoom-in", "pan-right", "zoom-out", "pan-left"];
const spec = FORMATS[FORMAT];
const CLOCK_TICKS_PER_SECOND = 100;

interface Timing {
  wall: number;
  cpu: number;
}

/** CPU seconds (user + system) of this process's finished children: cutime and cstime of /proc/self/stat. */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile("/proc/self/stat", "utf8");
  // The fields after "(comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

async function makeStill(filePath: string, index: number): Promise<void> {
  const { width, height } = spec;
  const hue = (index * 60) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="hsl(${hue},60%,40%)" fill-opacity="0.7"/>
    <rect x="120" y="120" width="${width - 240}" height="${height - 420}" rx="40" fill="white" fill-opacity="0.92"/>
    ${Array.from({ length: 8 }, (_, line) => `<text x="180" y="${240 + line * 70}" font-family="DejaVu Sans" font-size="48" fill="#222">Line ${line + 1} of detailed body text, card ${index + 1}.</text>`).join("")}
  </svg>`;
  await sharp({
    create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } },
  })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toFile(filePath);
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), "renderer-bench-chunks-"));
  try {
    const storageDir = path.join(root, "storage");
    const scratchDir = path.join(root, "scratch");
    await mkdir(path.join(storageDir, "bench"), { recursive: true });
    await mkdir(scratchDir);
    console.log(`${FORMAT}, ${VIDEO_SECONDS} s: preparing inputs in ${root} …`);
    await Promise.all(
      Array.from({ length: STILLS }, (_, index) => makeStill(path.join(storageDir, "bench", `s${index}.png`), index)),
    );
    const rawVoice = path.join(root, "voice.wav");
    await run("espeak-ng", ["-s", "165", "-w", rawVoice, "This is the chunked benchmark narration. ".repeat(40)]);
    const narration = path.join(storageDir, "bench", "narration.wav");
    await run("ffmpeg", [
      "-hide_banner",
      "-y",
      "-stream_loop",
      "-1",
      "-i",
      rawVoice,
      "-t",
      String(VIDEO_SECONDS),
      "-ar",
      "48000",
      narration,
    ]);

    // Scenes of 10 s with 0.5 s crossfades; the last one fills up to exactly VIDEO_SECONDS.
    const scenes = Math.max(1, Math.floor((VIDEO_SECONDS - TRANSITION) / (SCENE_SECONDS - TRANSITION)));
    const lastScene = VIDEO_SECONDS - (scenes - 1) * (SCENE_SECONDS - TRANSITION);
    const words = Array.from({ length: Math.floor(VIDEO_SECONDS / 2) }, (_, line) =>
      ["Caption", "line", "number", `${line + 1}.`].map((text, index) => ({
        text,
        start: line * 2 + index * 0.5,
        end: line * 2 + index * 0.5 + 0.45,
      })),
    ).flat();
    const timeline: RenderRequestInput = {
      format: FORMAT,
      outputKey: `videos/${FORMAT}/whole.mp4`,
      scenes: Array.from({ length: scenes }, (_, index) => ({
        imageKey: `bench/s${index % STILLS}.png`,
        duration: index === scenes - 1 ? lastScene : SCENE_SECONDS,
        motion: MOTIONS[index % MOTIONS.length],
      })),
      transitionSeconds: TRANSITION,
      narration: [{ audioKey: "bench/narration.wav", start: 0 }],
      captions: { mode: "sentence", words },
    };

    const store = createLocalObjectStore({
      root: storageDir,
      signingSecret: "bench-signing-secret-0123456789",
      publicBaseUrl: "http://127.0.0.1:3000",
    });
    const tts = createEspeakEngine();
    const app = createApp({
      store,
      logger: silentLogger(),
      internalToken: TOKEN,
      scratchDir,
      renderConcurrency: 1,
      tts,
    });
    const post = async (route: string, body: unknown): Promise<Timing> => {
      const cpuBefore = await childCpuSeconds();
      const started = performance.now();
      const response = await app.request(route, {
        method: "POST",
        headers: { [INTERNAL_TOKEN_HEADER]: TOKEN, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      const last = text.trim().split("\n").at(-1) ?? "";
      if (response.status !== 200 || !last.includes('"done"')) throw new Error(`${route}: ${response.status} ${last}`);
      return { wall: (performance.now() - started) / 1000, cpu: (await childCpuSeconds()) - cpuBefore };
    };

    const parsed = renderRequestSchema.parse(timeline);
    const { sceneFrames, transitionFrames, totalFrames } = timelineFrames(parsed, spec.fps);
    const ranges = planChunks({
      totalFrames,
      chunks: MEASURED_CHUNKS,
      transitions: transitionWindows(sceneFrames, transitionFrames),
      minFrames: spec.fps,
    });
    const results: Record<string, unknown> = {
      format: FORMAT,
      videoSeconds: totalFrames / spec.fps,
      frames: totalFrames,
    };
    const save = async () => {
      if (OUT) await writeFile(OUT, `${JSON.stringify(results, null, 2)}\n`);
    };
    const show = (t: Timing) => `${t.wall.toFixed(1)} s wall, ${t.cpu.toFixed(1)} s CPU`;

    console.log(`unchunked render of ${totalFrames} frames …`);
    const unchunked = await post("/v1/renders", timeline);
    results.unchunked = unchunked;
    console.log(`  ${show(unchunked)}`);
    await save();

    const chunkTimes: Timing[] = [];
    for (const [index, frames] of ranges.entries()) {
      const timing = await post("/v1/renders/parts", {
        ...timeline,
        outputKey: `videos/temp/bench/chunk-${index}.ts`,
        part: { type: "video", frames },
      });
      chunkTimes.push(timing);
      console.log(`  chunk ${index} (frames ${frames.start}..${frames.start + frames.count - 1}): ${show(timing)}`);
      results.chunks = ranges.slice(0, chunkTimes.length).map((range, i) => ({ ...range, ...chunkTimes[i] }));
      await save();
    }
    const audio = await post("/v1/renders/parts", {
      ...timeline,
      outputKey: "videos/temp/bench/audio.m4a",
      part: { type: "audio" },
    });
    console.log(`  audio part: ${show(audio)}`);
    const join = await post("/v1/renders/join", {
      format: FORMAT,
      outputKey: `videos/${FORMAT}/chunked.mp4`,
      chunks: ranges.map((frames, index) => ({ key: `videos/temp/bench/chunk-${index}.ts`, frames })),
      audioKey: "videos/temp/bench/audio.m4a",
    });
    console.log(`  join: ${show(join)}`);

    const sum = (measure: keyof Timing) => chunkTimes.reduce((total, t) => total + t[measure], 0);
    const projections = (["wall", "cpu"] as const).flatMap((measure) =>
      [2, 4, 8].map((tasks) => {
        const group = MEASURED_CHUNKS / tasks;
        const groups = Array.from({ length: tasks }, (_, g) =>
          chunkTimes.slice(g * group, (g + 1) * group).reduce((total, t) => total + t[measure], 0),
        );
        const slowestChunk = Math.max(...groups);
        const projected = Math.max(slowestChunk, audio[measure]) + join[measure];
        return { measure, tasks, slowestChunk, projected, speedup: unchunked[measure] / projected };
      }),
    );
    Object.assign(results, { chunksSum: { wall: sum("wall"), cpu: sum("cpu") }, audio, join, projections });
    await save();
    console.log(`\n${FORMAT}, ${totalFrames / spec.fps} s video (${spec.preset}, CRF ${spec.crf}):`);
    for (const measure of ["wall", "cpu"] as const) {
      console.log(
        `  [${measure}] unchunked ${unchunked[measure].toFixed(1)} s; ${MEASURED_CHUNKS} chunks one after another ${sum(measure).toFixed(1)} s; audio ${audio[measure].toFixed(1)} s; join ${join[measure].toFixed(1)} s`,
      );
      for (const p of projections.filter((projection) => projection.measure === measure)) {
        console.log(
          `    N=${p.tasks}: slowest chunk ${p.slowestChunk.toFixed(1)} s + join → ${p.projected.toFixed(1)} s, speed-up ${p.speedup.toFixed(2)}× (${(p.speedup / p.tasks).toFixed(2)} × N)`,
        );
      }
    }
    await tts.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
