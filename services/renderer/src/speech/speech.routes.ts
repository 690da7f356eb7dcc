import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { type SpeechResponse, speechRequestSchema, type VoiceList } from "@video-service/contracts";
import { AppError, parseJsonBody } from "@video-service/errors";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { Hono } from "hono";
import { synthesizeParts } from "./speech-parts.ts";
import { NothingToSpeakError, type TtsEngine, TtsEngineError, TtsUnavailableError, UnknownVoiceError } from "./tts.ts";

export interface SpeechRoutesDeps {
  store: ObjectStore;
  /** One engine, or engines by name ("espeak", "polly"); a request naming an absent engine is a 422. */
  tts: TtsEngine | Record<string, TtsEngine>;
  logger: Logger;
  /** Local directory for temporary audio files. */
  scratchDir: string;
}

/**
 * Control characters (C0/C1 except ordinary whitespace, which becomes a space) and the invisible
 * bidi overrides/isolates say nothing and can only confuse the engine or the captions built from
 * the words. Zero-width joiners stay: emoji sequences need them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSPEAKABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const WHITESPACE_CONTROL = /[\t\n\r]+/g;

export function stripControlCharacters(text: string): string {
  return text.replace(WHITESPACE_CONTROL, " ").replace(UNSPEAKABLE, "").trim();
}

/** POST / (mounted at /v1/speech): text → WAV in the object store + per-word timings. */
export function createSpeechRoutes(deps: SpeechRoutesDeps): Hono {
  const engines = engineMap(deps.tts);
  const app = new Hono();

  app.post("/", async (c) => {
    const request = await parseJsonBody(c, speechRequestSchema);
    const engine = engines.get(request.voice.engine);
    if (!engine) {
      throw new AppError(
        "validation-failed",
        `voice.engine "${request.voice.engine}" is not available on this renderer (available: ${[...engines.keys()].join(", ")})`,
      );
    }
    const parts = (request.parts ?? [{ text: request.text }])
      .map((part) => ({ text: stripControlCharacters(part.text), voice: part.voice ?? request.voice.voice }))
      .filter((part) => part.text.length > 0);
    for (const voice of new Set([request.voice.voice, ...parts.map((part) => part.voice)])) {
      const known = await engine.hasVoice?.(voice).catch((error: unknown) => {
        throw speechError(error, request.voice.engine, voice);
      });
      if (known === false) throw unknownVoice(request.voice.engine, voice);
    }
    const text = parts.map((part) => part.text).join(" ");
    if (text.length === 0)
      throw new AppError("validation-failed", "text has nothing to speak once control characters are removed");

    await mkdir(deps.scratchDir, { recursive: true });
    const tempPath = path.join(deps.scratchDir, `speech-${process.pid}-${randomUUID()}.wav`);
    try {
      const result = await synthesizeParts(engine, {
        parts,
        rate: request.voice.rate,
        outputPath: tempPath,
        signal: c.req.raw.signal,
      }).catch((error: unknown) => {
        throw speechError(error, request.voice.engine, request.voice.voice);
      });
      await deps.store.putFile(request.outputKey, tempPath, { contentType: "audio/wav" });
      deps.logger.info(
        {
          engine: engine.name,
          voice: request.voice.voice,
          characters: text.length,
          words: result.words.length,
          durationSeconds: result.durationSeconds,
          key: request.outputKey,
          ...(result.usage ? { usage: result.usage } : {}),
        },
        "speech synthesised",
      );
      const response: SpeechResponse = {
        key: request.outputKey,
        durationSeconds: result.durationSeconds,
        words: result.words,
        ...(result.usage ? { usage: result.usage } : {}),
      };
      return c.json(response);
    } finally {
      await rm(tempPath, { force: true });
    }
  });

  return app;
}

/** GET / (mounted at /v1/voices): every voice of every engine this renderer has. */
export function createVoiceRoutes(deps: { tts: TtsEngine | Record<string, TtsEngine> }): Hono {
  const engines = engineMap(deps.tts);
  const app = new Hono();
  app.get("/", async (c) => {
    const lists = await Promise.all(
      [...engines.values()].map((engine) =>
        (engine.voices?.(c.req.raw.signal) ?? Promise.resolve([])).catch((error: unknown) => {
          throw speechError(error, engine.name, "");
        }),
      ),
    );
    const response: VoiceList = { engines: [...engines.values()].map((engine) => engine.name), voices: lists.flat() };
    return c.json(response);
  });
  return app;
}

export function engineMap(tts: TtsEngine | Record<string, TtsEngine>): Map<string, TtsEngine> {
  if (isEngine(tts)) return new Map([[tts.name, tts]]);
  return new Map(Object.entries(tts));
}

function isEngine(value: TtsEngine | Record<string, TtsEngine>): value is TtsEngine {
  return typeof (value as TtsEngine).synthesize === "function";
}

function unknownVoice(engine: string, voice: string): AppError {
  return new AppError("validation-failed", `voice.voice "${voice}" is not a voice of the ${engine} engine`, {
    extensions: { errors: [{ path: "body.voice.voice", message: "unknown voice" }] },
  });
}

/** Maps engine failures to problems: the caller's mistakes are 422, the engine's own 502. */
function speechError(error: unknown, engine: string, voice: string): unknown {
  if (error instanceof UnknownVoiceError) return unknownVoice(engine, voice);
  if (error instanceof NothingToSpeakError) {
    return new AppError("validation-failed", `text has nothing the ${engine} engine can pronounce`);
  }
  if (error instanceof TtsUnavailableError) {
    return new AppError("unavailable", `the ${engine} speech service is unavailable: ${error.message}`, {
      cause: error,
      headers: { "retry-after": "10" },
    });
  }
  if (error instanceof TtsEngineError) {
    return new AppError("bad-gateway", `the ${engine} speech engine failed: ${error.message}`, { cause: error });
  }
  return error;
}
