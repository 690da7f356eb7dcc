import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type SpeechRequestInput, speechResponseSchema, voiceListSchema } from "@video-service/contracts";
import { createErrorHandler, notFoundHandler } from "@video-service/errors";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEspeakEngine, type EspeakEngine } from "./espeak.engine.ts";
import { createSpeechRoutes, createVoiceRoutes, stripControlCharacters } from "./speech.routes.ts";
import { type TtsEngine, TtsEngineError } from "./tts.ts";

/** An engine that always fails the way a broken library would. */
const brokenEngine: TtsEngine = {
  name: "espeak",
  async synthesize() {
    throw new TtsEngineError("libespeak-ng crashed");
  },
};

describe("POST /v1/speech", () => {
  let dir: string;
  let scratchDir: string;
  let store: ObjectStore;
  let espeak: EspeakEngine;

  function appWith(tts: TtsEngine | Record<string, TtsEngine>): Hono {
    const logger = silentLogger();
    const app = new Hono();
    app.route("/v1/speech", createSpeechRoutes({ store, tts, logger, scratchDir }));
    app.onError(createErrorHandler(logger));
    app.notFound(notFoundHandler);
    return app;
  }

  const post = (app: Hono, body: unknown) =>
    app.request("/v1/speech", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "speech-routes-"));
    scratchDir = path.join(dir, "scratch");
    store = createLocalObjectStore({
      root: path.join(dir, "store"),
      signingSecret: "test-secret",
      publicBaseUrl: "http://localhost",
    });
    espeak = createEspeakEngine();
  });
  afterAll(async () => {
    await espeak.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("synthesises, stores the WAV under outputKey and answers the contract", async () => {
    const body: SpeechRequestInput = {
      text: "Hello world,\u0007 this is a test.",
      voice: { engine: "espeak", voice: "en-us", rate: 180 },
      outputKey: "audio/temp/job-123456/title.wav",
    };
    const response = await post(appWith({ espeak }), body);
    expect(response.status).toBe(200);
    const parsed = speechResponseSchema.parse(await response.json());
    expect(parsed.key).toBe(body.outputKey);
    expect(parsed.words.map((w) => w.text)).toEqual(["Hello", "world,", "this", "is", "a", "test."]);
    expect(parsed.durationSeconds).toBeGreaterThan(1);

    const info = await store.head(body.outputKey);
    expect(info?.size).toBeGreaterThan(44);
    const wav = await store.get(body.outputKey);
    expect(wav.subarray(0, 4).toString("ascii")).toBe("RIFF");
    // 16-bit mono: the data size gives the duration back.
    const sampleRate = wav.readUInt32LE(24);
    expect((wav.length - 44) / 2 / sampleRate).toBeCloseTo(parsed.durationSeconds, 3);
    // The temporary file is gone.
    expect(await readdir(scratchDir)).toEqual([]);
  });

  it("speaks parts in their own voices into one clip, timings joined at the exact sample offsets", async () => {
    const parts = [{ text: "She said" }, { text: "ありがとう。", voice: "ja" }, { text: "Then she left." }];
    const body: SpeechRequestInput = {
      text: parts.map((p) => p.text).join(" "),
      parts,
      voice: { engine: "espeak", voice: "en-us", rate: 175 },
      outputKey: "audio/temp/job-123456/parts.wav",
    };
    const response = await post(appWith({ espeak }), body);
    expect(response.status).toBe(200);
    const parsed = speechResponseSchema.parse(await response.json());
    expect(parsed.words.map((w) => w.text)).toEqual(["She", "said", "ありがとう。", "Then", "she", "left."]);
    for (const [i, word] of parsed.words.entries()) {
      if (i > 0) expect(word.start).toBeGreaterThanOrEqual(parsed.words[i - 1]?.end ?? 0);
    }
    // Each part alone, for the offsets the joined clip must have (espeak-ng's output varies by a few
    // ms with the voice it spoke before, so within 50 ms; the join itself is exact: the WAV below).
    const alone = await Promise.all(
      parts.map(async (part, i) => {
        const key = `audio/temp/job-123456/alone-${i}.wav`;
        const r = await post(appWith({ espeak }), {
          text: part.text,
          voice: { engine: "espeak", voice: part.voice ?? "en-us" },
          outputKey: key,
        });
        return speechResponseSchema.parse(await r.json());
      }),
    );
    const [first, second, third] = alone;
    expect(parsed.durationSeconds).toBeCloseTo(
      (first?.durationSeconds ?? 0) + (second?.durationSeconds ?? 0) + (third?.durationSeconds ?? 0),
      1,
    );
    const offset = (first?.durationSeconds ?? 0) + (second?.durationSeconds ?? 0);
    expect(parsed.words[3]?.start).toBeCloseTo(offset + (third?.words[0]?.start ?? 0), 1);
    const wav = await store.get(body.outputKey);
    expect((wav.length - 44) / 2 / wav.readUInt32LE(24)).toBeCloseTo(parsed.durationSeconds, 6);
    expect(await readdir(scratchDir)).toEqual([]);
  });

  it("answers 422 for a part in a voice the engine does not have", async () => {
    const response = await post(appWith({ espeak }), {
      text: "a b",
      parts: [{ text: "a" }, { text: "b", voice: "xx-nowhere" }],
      outputKey: "audio/temp/job-123456/bad-part.wav",
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain("xx-nowhere");
  });

  it("uses the default voice when none is given", async () => {
    const response = await post(appWith(espeak), { text: "Defaults.", outputKey: "audio/temp/job-123456/d.wav" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { words: unknown[] }).words).toEqual([
      expect.objectContaining({ text: "Defaults." }),
    ]);
  });

  it("answers 422 for a body that breaks the contract", async () => {
    const response = await post(appWith(espeak), { text: "", outputKey: "../escape.wav" });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(expect.arrayContaining(["body.text", "body.outputKey"]));
  });

  it("answers 400 for malformed JSON", async () => {
    const response = await post(appWith(espeak), "{not json");
    expect(response.status).toBe(400);
  });

  it("answers 422 for an unknown voice, before synthesising", async () => {
    const response = await post(appWith(espeak), {
      text: "Hello.",
      voice: { engine: "espeak", voice: "xx-nowhere" },
      outputKey: "audio/temp/job-123456/v.wav",
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain("xx-nowhere");
    expect(await store.head("audio/temp/job-123456/v.wav")).toBeUndefined();
  });

  it("answers 422 for an engine this renderer does not have", async () => {
    const response = await post(appWith({ espeak }), {
      text: "Hello.",
      voice: { engine: "polly", voice: "Joanna" },
      outputKey: "audio/temp/job-123456/p.wav",
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/polly.*not available.*espeak/);
  });

  it("GET /v1/voices lists espeak-ng's installed voices with language and gender", async () => {
    const app = new Hono();
    app.route("/v1/voices", createVoiceRoutes({ tts: { espeak } }));
    const response = await app.request("/v1/voices");
    expect(response.status).toBe(200);
    const list = voiceListSchema.parse(await response.json());
    expect(list.engines).toEqual(["espeak"]);
    const byId = new Map(list.voices.map((voice) => [voice.id, voice]));
    expect(byId.get("en-us")).toMatchObject({
      engine: "espeak",
      language: "en-us",
      name: expect.stringMatching(/English/),
    });
    // The voices another script's runs are spoken with (see the gateway's script building).
    for (const [id, language] of [
      ["ja", "ja"],
      ["cmn", "cmn"],
      ["ru", "ru"],
    ]) {
      expect(byId.get(id as string)?.language).toBe(language);
    }
    expect(list.voices.every((voice) => voice.gender === null || ["female", "male"].includes(voice.gender))).toBe(true);
    // Every listed voice is one the speech route accepts.
    expect(await Promise.all(list.voices.slice(0, 20).map((voice) => espeak.hasVoice(voice.id)))).not.toContain(false);
  });

  it("answers 422 when nothing is left to say once control characters are removed", async () => {
    const response = await post(appWith(espeak), { text: "\u0001\u0002", outputKey: "audio/temp/job-123456/c.wav" });
    expect(response.status).toBe(422);
  });

  it("answers 502 when the engine fails, and leaves no temporary file", async () => {
    const response = await post(appWith(brokenEngine), { text: "Hello.", outputKey: "audio/temp/job-123456/b.wav" });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { detail: string }).detail).toContain("libespeak-ng crashed");
    expect(await readdir(scratchDir)).toEqual([]);
  });

  it("stores nothing readable under the key when the request fails", async () => {
    await post(appWith(brokenEngine), { text: "Hello.", outputKey: "audio/temp/job-123456/nothing.wav" });
    await expect(readFile(path.join(dir, "store", "audio/temp/job-123456/nothing.wav"))).rejects.toThrow();
  });
});

describe("stripControlCharacters", () => {
  it("removes control and bidi-override characters, turns line breaks into spaces, keeps emoji joiners", () => {
    expect(stripControlCharacters("a\u0000b\tc\r\nd\u202Ee\u2066f\u0085")).toBe("ab c def");
    expect(stripControlCharacters("🤷🏽‍♀️ {\\an8} “quotes”")).toBe("🤷🏽‍♀️ {\\an8} “quotes”");
  });
});
