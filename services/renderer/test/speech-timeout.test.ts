import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEspeakEngine } from "../src/speech/espeak.engine.ts";
import { TtsEngineError } from "../src/speech/tts.ts";

describe("speech synthesis has a deadline", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "speech-timeout-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("stops a synthesis that outlasts it", async () => {
    const engine = createEspeakEngine({ synthesisTimeoutMs: 1 });
    try {
      const long = "This sentence is spoken again and again until the deadline stops it. ".repeat(400);
      const error = await engine
        .synthesize({ text: long, voice: "en-us", rate: 175, outputPath: path.join(dir, "long.wav") })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TtsEngineError);
      expect((error as Error).message).toMatch(/did not finish within 1 ms/);
    } finally {
      await engine.close();
    }
  });

  it("terminates a hung library's worker and serves the next call from a fresh one", async () => {
    const engine = createEspeakEngine({
      synthesisTimeoutMs: 50,
      workerUrl: new URL("./support/hung-espeak-worker.ts", import.meta.url),
    });
    try {
      const synthesize = () =>
        engine.synthesize({ text: "hello", voice: "en-us", rate: 175, outputPath: path.join(dir, "hung.wav") });
      // The deadline (50 ms) plus the grace (5 s) for the library to notice: then the thread is killed.
      await expect(synthesize()).rejects.toThrow(/did not answer within 5050 ms; its worker was restarted/);
      // A fresh worker answers (and hangs the same way: a stand-in, not the library).
      expect(await engine.hasVoice("en-us")).toBe(true);
      await expect(synthesize()).rejects.toBeInstanceOf(TtsEngineError);
    } finally {
      await engine.close();
    }
  }, 30_000);
});
