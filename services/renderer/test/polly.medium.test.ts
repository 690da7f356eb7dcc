import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { speechResponseSchema, voiceListSchema } from "@video-service/contracts";
import { createErrorHandler } from "@video-service/errors";
import { silentLogger } from "@video-service/logger";
import { createLocalObjectStore } from "@video-service/object-store";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPollyClient, type PollyClient } from "../src/speech/polly.client.ts";
import { createPollyEngine, POLLY_PRICE_PER_MILLION_USD } from "../src/speech/polly.engine.ts";
import { createSpeechRoutes, createVoiceRoutes } from "../src/speech/speech.routes.ts";
import { TtsUnavailableError, UnknownVoiceError, type WordTiming } from "../src/speech/tts.ts";
import { tokenize } from "../src/speech/word-timings.ts";
import { type FakePolly, type PlannedWord, startFakePolly } from "./support/fake-polly.ts";

const CREDENTIALS = { accessKeyId: "AKIDFAKEFAKEFAKE", secretAccessKey: "fake-secret-key" };

describe("Polly engine against a local fake of Polly's REST protocol", () => {
  let fake: FakePolly;
  let dir: string;
  const clients: PollyClient[] = [];

  function engineWith(o: { engines?: ("generative" | "long-form" | "neural" | "standard")[]; retries?: number } = {}) {
    const client = createPollyClient({
      region: "us-east-1",
      endpoint: fake.url,
      credentials: CREDENTIALS,
      logger: silentLogger(),
      backoffBaseMs: 5,
      ...(o.retries === undefined ? {} : { retries: o.retries }),
    });
    clients.push(client);
    return createPollyEngine({ client, logger: silentLogger(), ...(o.engines ? { engines: o.engines } : {}) });
  }

  beforeAll(async () => {
    fake = await startFakePolly();
    dir = await mkdtemp(path.join(tmpdir(), "polly-engine-"));
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    for (const client of clients) client.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The fake's words across all audio answers, each part offset by the length of the parts before it. */
  function plannedWords(): PlannedWord[] {
    const words: PlannedWord[] = [];
    let offset = 0;
    for (const part of fake.audio) {
      for (const word of part.words)
        words.push({ ...word, startMs: word.startMs + offset, endMs: word.endMs + offset });
      offset += part.durationMs;
    }
    return words;
  }

  function expectMatchesPlan(words: WordTiming[], planned: PlannedWord[]): void {
    expect(words.map((w) => w.text.replace(/[^\p{L}\p{N}'’]/gu, ""))).toEqual(planned.map((w) => w.word));
    for (const [i, word] of words.entries()) {
      const plan = planned[i] as PlannedWord;
      // One 5 ms analysis frame of slack on each side.
      expect(Math.abs(word.start * 1000 - plan.startMs)).toBeLessThanOrEqual(6);
      expect(Math.abs(word.end * 1000 - plan.endMs)).toBeLessThanOrEqual(6);
      if (i > 0) expect(word.start).toBeGreaterThanOrEqual(words[i - 1]?.end ?? 0);
    }
  }

  async function wavSeconds(file: string): Promise<number> {
    const wav = await readFile(file);
    expect(wav.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(wav.readUInt32LE(24)).toBe(16_000);
    return (wav.length - 44) / 2 / 16_000;
  }

  it("times each word from Polly's speech marks and writes the audio as a 16 kHz WAV", async () => {
    const engine = engineWith();
    const outputPath = path.join(dir, "hello.wav");
    const text = "Hello world, this is a test. Second sentence here!";
    const result = await engine.synthesize({ text, voice: "Matthew", rate: 175, outputPath });

    expect(result.words.map((w) => w.text)).toEqual(tokenize(text).map((t) => t.text));
    expectMatchesPlan(result.words, plannedWords());
    expect(result.durationSeconds).toBeCloseTo((fake.audio[0]?.durationMs ?? 0) / 1000, 6);
    expect(await wavSeconds(outputPath)).toBeCloseTo(result.durationSeconds, 6);
    // One marks request and one audio request, same voice, engine and SSML.
    expect(fake.requests.map((r) => r.OutputFormat)).toEqual(["json", "pcm"]);
    expect(fake.requests[0]).toMatchObject({ VoiceId: "Matthew", Engine: "neural", TextType: "ssml" });
    expect(fake.requests[0]?.SpeechMarkTypes).toEqual(["word", "sentence"]);
    expect(fake.requests[1]).toMatchObject({ SampleRate: "16000", Text: fake.requests[0]?.Text });
    // The characters billed by both requests, priced at the neural rate.
    const billed = 2 * Array.from(text).length;
    expect(result.usage).toEqual({
      provider: "polly",
      engine: "neural",
      billedCharacters: billed,
      estimatedCostUsd: (billed * POLLY_PRICE_PER_MILLION_USD.neural) / 1_000_000,
    });
  });

  it("escapes every character of hostile text in the SSML (the fake parses it as XML)", async () => {
    const engine = engineWith();
    const text =
      `Tom & Jerry <b>bold</b> "quoted" it's </speak><break time="10s"/> <!-- x --> <![CDATA[ y ]]> ` +
      `&amp; &#x41; \u0001bell\u000B tab\tend \uFFFF lone\uD800 done.`;
    const result = await engine.synthesize({ text, voice: "Matthew", rate: 175, outputPath: path.join(dir, "h.wav") });

    const ssml = fake.requests[0]?.Text ?? "";
    expect(ssml.startsWith("<speak>")).toBe(true);
    expect(ssml).not.toContain("<b>");
    expect(ssml).not.toContain("<break");
    expect(ssml).toContain("&lt;/speak&gt;");
    expect(ssml).toContain("&amp;amp;");
    expect(ssml).toContain("it&apos;s");
    expect(ssml).toContain("&quot;quoted&quot;");
    // The fake spoke the text itself, markup characters included, and nothing was lost.
    expect(fake.audio[0]?.text).toContain('</speak><break time="10s"/>');
    expect(fake.audio[0]?.text).toContain("&amp; &#x41;");
    // Every token with a letter or digit has a timing, in order, starting where its first tone starts.
    const spoken = tokenize(text).filter((t) => /[\p{L}\p{N}]/u.test(t.text));
    expect(result.words.map((w) => w.text)).toEqual(spoken.map((t) => t.text));
    const planned = plannedWords();
    expect(Math.abs((result.words[0]?.start ?? 0) * 1000 - (planned[0]?.startMs ?? 0))).toBeLessThanOrEqual(6);
    for (const [i, word] of result.words.entries()) {
      if (i > 0) expect(word.start).toBeGreaterThanOrEqual(result.words[i - 1]?.end ?? 0);
    }
  });

  it("splits a long text at sentence boundaries under Polly's limits and joins the parts with exact timings", async () => {
    const engine = engineWith();
    const sentences = Array.from(
      { length: 90 },
      (_, i) => `Sentence number ${i + 1} tells a little more of the story, and then it ends.`,
    );
    const text = sentences.join(" ");
    expect(text.length).toBeGreaterThan(5000);
    const outputPath = path.join(dir, "long.wav");
    const result = await engine.synthesize({ text, voice: "Matthew", rate: 175, outputPath });

    const audioRequests = fake.requests.filter((r) => r.OutputFormat === "pcm");
    expect(audioRequests.length).toBeGreaterThanOrEqual(2);
    for (const request of fake.requests) {
      expect(request.Text.length).toBeLessThanOrEqual(6000);
      // Every part ends at a sentence boundary.
      expect(request.Text).toMatch(/ends\.<\/speak>$/);
    }
    expect(result.words).toHaveLength(tokenize(text).length);
    expectMatchesPlan(result.words, plannedWords());
    const totalMs = fake.audio.reduce((sum, part) => sum + part.durationMs, 0);
    expect(result.durationSeconds).toBeCloseTo(totalMs / 1000, 6);
    expect(await wavSeconds(outputPath)).toBeCloseTo(totalMs / 1000, 6);
  });

  it("splits by the escaped SSML size too: markup characters take several bytes each", async () => {
    const engine = engineWith();
    const text = Array.from({ length: 1100 }, (_, i) => `a&b<${i}>.`).join(" ");
    const result = await engine.synthesize({
      text,
      voice: "Matthew",
      rate: 175,
      outputPath: path.join(dir, "amp.wav"),
    });
    for (const request of fake.requests) expect(request.Text.length).toBeLessThanOrEqual(6000);
    expect(fake.requests.filter((r) => r.OutputFormat === "pcm").length).toBeGreaterThanOrEqual(3);
    expect(result.words).toHaveLength(1100);
  });

  it("retries throttling and 5xx with backoff, and reports Polly unavailable when it never stops", async () => {
    const engine = engineWith({ retries: 3 });
    expect(await engine.hasVoice("Matthew")).toBe(true); // DescribeVoices read before the faults
    fake.failNext(2);
    fake.failNext(1, { status: 503, type: "ServiceFailureException" });
    const result = await engine.synthesize({
      text: "Still spoken.",
      voice: "Matthew",
      rate: 175,
      outputPath: path.join(dir, "t.wav"),
    });
    expect(result.words.map((w) => w.text)).toEqual(["Still", "spoken."]);
    expect(fake.requests).toHaveLength(5); // three refused, then marks and audio

    fake.requests.length = 0;
    fake.failNext(10);
    await expect(
      engine.synthesize({ text: "Never.", voice: "Matthew", rate: 175, outputPath: path.join(dir, "n.wav") }),
    ).rejects.toBeInstanceOf(TtsUnavailableError);
    expect(fake.requests).toHaveLength(4); // the first attempt and three retries
  });

  it("chooses each voice's most natural engine, falling back when it gives no speech marks", async () => {
    const describeBefore = fake.describeCalls;
    const engine = engineWith();
    const engineOf = async (voice: string) => {
      fake.requests.length = 0;
      const result = await engine.synthesize({
        text: "Hi there.",
        voice,
        rate: 175,
        outputPath: path.join(dir, "e.wav"),
      });
      return { used: result.usage?.engine, requested: fake.requests.map((r) => `${r.OutputFormat}:${r.Engine}`) };
    };
    // Joanna has generative, which gives no marks here: long-form, and generative is not tried again.
    expect(await engineOf("Joanna")).toEqual({
      used: "long-form",
      requested: ["json:generative", "json:long-form", "pcm:long-form"],
    });
    expect(await engineOf("Joanna")).toEqual({ used: "long-form", requested: ["json:long-form", "pcm:long-form"] });
    expect((await engineOf("Takumi")).used).toBe("neural");
    expect((await engineOf("Mizuki")).used).toBe("standard");
    // DescribeVoices (two pages) was read once for all of that.
    expect(fake.describeCalls - describeBefore).toBe(2);

    fake.generativeMarks = true;
    expect(
      (await engineWith().synthesize({ text: "Hi.", voice: "Joanna", rate: 175, outputPath: path.join(dir, "g.wav") }))
        .usage?.engine,
    ).toBe("generative");
    // A deployment limited to cheaper engines.
    const limited = engineWith({ engines: ["neural", "standard"] });
    const limitedResult = await limited.synthesize({
      text: "Hi.",
      voice: "joanna",
      rate: 175,
      outputPath: path.join(dir, "l.wav"),
    });
    expect(limitedResult.usage?.engine).toBe("neural");
    expect(fake.requests.at(-1)?.VoiceId).toBe("Joanna");
  });

  it("over HTTP: the speech route answers the usage, GET /v1/voices lists Polly's voices, throttling is a 503", async () => {
    const polly = engineWith({ retries: 1 });
    const store = createLocalObjectStore({
      root: path.join(dir, "store"),
      signingSecret: "test-secret",
      publicBaseUrl: "http://localhost",
    });
    const logger = silentLogger();
    const app = new Hono();
    app.route("/v1/speech", createSpeechRoutes({ store, tts: { polly }, logger, scratchDir: path.join(dir, "s") }));
    app.route("/v1/voices", createVoiceRoutes({ tts: { polly } }));
    app.onError(createErrorHandler(logger));
    const speak = (voice: string) =>
      app.request("/v1/speech", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          text: "Hello there.",
          voice: { engine: "polly", voice },
          outputKey: "audio/temp/j/p.wav",
        }),
      });
    const response = await speak("Matthew");
    expect(response.status).toBe(200);
    const body = speechResponseSchema.parse(await response.json());
    expect(body.usage).toMatchObject({ provider: "polly", engine: "neural", billedCharacters: 24 });
    expect((await store.head("audio/temp/j/p.wav"))?.size).toBe(44 + (fake.audio[0]?.durationMs ?? 0) * 32);

    const unknown = await speak("Nobody");
    expect(unknown.status).toBe(422);
    fake.failNext(5);
    const throttled = await speak("Matthew");
    expect(throttled.status).toBe(503);
    expect(throttled.headers.get("retry-after")).toBe("10");

    // Polly down while its voices are listed for the first time: 503 too, not a 500.
    const down = engineWith({ retries: 0 });
    const downApp = new Hono();
    downApp.route(
      "/v1/speech",
      createSpeechRoutes({ store, tts: { polly: down }, logger, scratchDir: path.join(dir, "s") }),
    );
    downApp.route("/v1/voices", createVoiceRoutes({ tts: { polly: down } }));
    downApp.onError(createErrorHandler(logger));
    fake.reset();
    fake.failNext(1, { status: 503, type: "ServiceUnavailableException" });
    expect((await downApp.request("/v1/voices")).status).toBe(503);
    fake.failNext(1, { status: 503, type: "ServiceUnavailableException" });
    const downSpeech = await downApp.request("/v1/speech", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        text: "Hi.",
        voice: { engine: "polly", voice: "Joanna" },
        outputKey: "audio/temp/j/d.wav",
      }),
    });
    expect(downSpeech.status).toBe(503);

    const voices = voiceListSchema.parse(await (await app.request("/v1/voices")).json());
    expect(voices.engines).toEqual(["polly"]);
    expect(voices.voices.map((v) => v.id)).toEqual(["Zhiyu", "Joanna", "Matthew", "Mizuki", "Takumi", "Tatyana"]);
  });

  it("knows its voices: unknown ones are refused before any synthesis, rate becomes prosody", async () => {
    const engine = engineWith();
    expect(await engine.hasVoice("Zhiyu")).toBe(true);
    expect(await engine.hasVoice("Nobody")).toBe(false);
    await expect(
      engine.synthesize({ text: "Hi.", voice: "Nobody", rate: 175, outputPath: path.join(dir, "x.wav") }),
    ).rejects.toBeInstanceOf(UnknownVoiceError);
    expect(fake.requests).toHaveLength(0);
    const voices = await engine.voices();
    expect(voices.find((v) => v.id === "Zhiyu")).toEqual({
      engine: "polly",
      id: "Zhiyu",
      name: "Zhiyu",
      language: "cmn-CN",
      otherLanguages: [],
      gender: "female",
      engines: ["neural", "standard"],
    });
    await engine.synthesize({ text: "Fast.", voice: "Matthew", rate: 350, outputPath: path.join(dir, "f.wav") });
    expect(fake.requests[0]?.Text).toBe('<speak><prosody rate="200%">Fast.</prosody></speak>');
  });
});
