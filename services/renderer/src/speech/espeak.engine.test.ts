import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEspeakEngine, type EspeakEngine } from "./espeak.engine.ts";
import type { WordTiming } from "./tts.ts";
import { UnknownVoiceError } from "./tts.ts";

const run = promisify(execFile);

async function probeDurationSeconds(file: string): Promise<number> {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "format=duration",
    "-of",
    "default=noprint_wrappers=1:nokey=1",
    file,
  ]);
  return Number(stdout.trim());
}

/** Where sound resumes after each pause, per ffmpeg's silencedetect: an independent onset detector. */
async function soundOnsets(file: string): Promise<number[]> {
  const { stderr } = await run("ffmpeg", [
    "-hide_banner",
    "-nostats",
    "-i",
    file,
    "-af",
    "silencedetect=noise=-35dB:d=0.08",
    "-f",
    "null",
    "-",
  ]);
  return [...stderr.matchAll(/silence_end: ([\d.]+)/g)].map((match) => Number(match[1]));
}

const bare = (word: string) => word.replace(/[^\p{L}\p{N}]/gu, "").toLowerCase();

function expectWellFormed(words: WordTiming[], durationSeconds: number): void {
  let previousEnd = 0;
  for (const word of words) {
    expect(word.start).toBeGreaterThanOrEqual(previousEnd);
    expect(word.end).toBeGreaterThan(word.start);
    expect(word.end).toBeLessThanOrEqual(durationSeconds + 0.001);
    previousEnd = word.end;
  }
}

describe("espeak-ng engine (libespeak-ng through koffi)", () => {
  let dir: string;
  let engine: EspeakEngine;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "espeak-engine-"));
    engine = createEspeakEngine();
  });
  afterAll(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a WAV and times every word of a sentence, in order", async () => {
    const outputPath = path.join(dir, "hello.wav");
    const result = await engine.synthesize({
      text: "Hello world, this is a test.",
      voice: "en-us",
      rate: 175,
      outputPath,
    });

    const header = await readFile(outputPath);
    expect(header.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(header.subarray(8, 12).toString("ascii")).toBe("WAVE");
    const probed = await probeDurationSeconds(outputPath);
    expect(probed).toBeCloseTo(result.durationSeconds, 2);
    // Six words at 175 words per minute: about two seconds.
    expect(result.durationSeconds).toBeGreaterThan(1);
    expect(result.durationSeconds).toBeLessThan(4);

    expect(result.words.map((w) => w.text)).toEqual(["Hello", "world,", "this", "is", "a", "test."]);
    expectWellFormed(result.words, result.durationSeconds);
    // The comma's pause lies between "world," and "this", not inside either.
    const [, world, thisWord] = result.words;
    expect((thisWord?.start ?? 0) - (world?.end ?? 0)).toBeGreaterThan(0.05);
  });

  it("starts each word within 80 ms of where ffmpeg hears its sound begin", async () => {
    const outputPath = path.join(dir, "pauses.wav");
    const result = await engine.synthesize({
      text: "One. Two. Three. Four, five; six.",
      voice: "en-us",
      rate: 175,
      outputPath,
    });
    const onsets = await soundOnsets(outputPath);
    expect(result.words.map((w) => bare(w.text))).toEqual(["one", "two", "three", "four", "five", "six"]);
    // Every word after the first follows a pause, so each has an onset of its own.
    expect(onsets).toHaveLength(5);
    for (const [i, onset] of onsets.entries()) {
      const wordStart = result.words[i + 1]?.start ?? Number.NaN;
      expect(Math.abs(wordStart - onset)).toBeLessThan(0.08);
    }
    // And each word ends where the following silence begins: the captions do not linger over pauses.
    const { stderr } = await run("ffmpeg", [
      "-hide_banner",
      "-nostats",
      "-i",
      outputPath,
      "-af",
      "silencedetect=noise=-35dB:d=0.08",
      "-f",
      "null",
      "-",
    ]);
    const silenceStarts = [...stderr.matchAll(/silence_start: ([\d.]+)/g)].map((match) => Number(match[1]));
    for (const [i, silenceStart] of silenceStarts.slice(0, 5).entries()) {
      expect(Math.abs((result.words[i]?.end ?? Number.NaN) - silenceStart)).toBeLessThan(0.08);
    }
  });

  it("survives hostile and non-Latin text, keeping each token's original wording", async () => {
    const text = 'Héllo 日本語 😀 "quoted" {\\an8} 123 café <b>x</b> 🤷🏽‍♀️ — done';
    const outputPath = path.join(dir, "hostile.wav");
    const result = await engine.synthesize({ text, voice: "en-us", rate: 200, outputPath });
    expect((await stat(outputPath)).size).toBeGreaterThan(44);
    expectWellFormed(result.words, result.durationSeconds);
    const tokens = text.split(" ");
    // Every timed word is a token of the input, in input order.
    const indexes = result.words.map((w) => tokens.indexOf(w.text));
    expect(indexes.every((index) => index >= 0)).toBe(true);
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
    expect(result.words.map((w) => w.text)).toEqual(expect.arrayContaining(["{\\an8}", "日本語", "123", "done"]));
  });

  it("knows its voices, and refuses an unknown one", async () => {
    expect(await engine.hasVoice("en-us")).toBe(true);
    expect(await engine.hasVoice("en-gb-x-rp")).toBe(true);
    expect(await engine.hasVoice("EN-US")).toBe(true);
    expect(await engine.hasVoice("en-us+f3")).toBe(true);
    expect(await engine.hasVoice("en-us+no-such-variant")).toBe(false);
    expect(await engine.hasVoice("xx-nowhere")).toBe(false);
    await expect(
      engine.synthesize({ text: "hi", voice: "xx-nowhere", rate: 175, outputPath: path.join(dir, "x.wav") }),
    ).rejects.toBeInstanceOf(UnknownVoiceError);
  });

  it("speaks faster at a higher rate", async () => {
    const text = "The quick brown fox jumps over the lazy dog.";
    const slow = await engine.synthesize({ text, voice: "en-us", rate: 120, outputPath: path.join(dir, "slow.wav") });
    const fast = await engine.synthesize({ text, voice: "en-us", rate: 300, outputPath: path.join(dir, "fast.wav") });
    expect(fast.durationSeconds).toBeLessThan(slow.durationSeconds * 0.7);
  });

  it("serialises concurrent calls and gives each its own timings", async () => {
    const texts = ["alpha beta", "gamma delta epsilon", "zeta"];
    const results = await Promise.all(
      texts.map((text, i) =>
        engine.synthesize({ text, voice: "en-us", rate: 175, outputPath: path.join(dir, `c${i}.wav`) }),
      ),
    );
    expect(results.map((r) => r.words.map((w) => w.text).join(" "))).toEqual(texts);
  });

  it("shares the one library instance between engines of the same process", async () => {
    const second = createEspeakEngine();
    try {
      const [a, b] = await Promise.all([
        engine.synthesize({
          text: "first engine speaking",
          voice: "en-us",
          rate: 175,
          outputPath: path.join(dir, "e1.wav"),
        }),
        second.synthesize({ text: "second one", voice: "de", rate: 300, outputPath: path.join(dir, "e2.wav") }),
      ]);
      expect(a.words.map((w) => w.text)).toEqual(["first", "engine", "speaking"]);
      expect(b.words.map((w) => w.text)).toEqual(["second", "one"]);
    } finally {
      await second.close();
    }
    // Closing one engine leaves the other working.
    const after = await engine.synthesize({
      text: "still fine",
      voice: "en-us",
      rate: 175,
      outputPath: path.join(dir, "e3.wav"),
    });
    expect(after.words).toHaveLength(2);
    expect(() => createEspeakEngine({ dataPath: "/elsewhere" })).toThrow(/other settings/);
  });

  it("stops when the signal aborts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("caller went away"));
    await expect(
      engine.synthesize({
        text: "This should never be spoken.",
        voice: "en-us",
        rate: 175,
        outputPath: path.join(dir, "aborted.wav"),
        signal: controller.signal,
      }),
    ).rejects.toThrow("caller went away");
    // The engine still works afterwards.
    const after = await engine.synthesize({
      text: "still here",
      voice: "en-us",
      rate: 175,
      outputPath: path.join(dir, "after.wav"),
    });
    expect(after.words.map((w) => w.text)).toEqual(["still", "here"]);
  });

  it("aborts a long synthesis that is queued or under way", async () => {
    const controller = new AbortController();
    const text = "This sentence is repeated to make a long text. ".repeat(100);
    const pending = engine.synthesize({
      text,
      voice: "en-us",
      rate: 175,
      outputPath: path.join(dir, "long-aborted.wav"),
      signal: controller.signal,
    });
    controller.abort(new Error("cancelled mid-way"));
    await expect(pending).rejects.toThrow("cancelled mid-way");
  });
});
