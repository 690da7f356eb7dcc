import type { VoiceList } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import { checkVoice } from "../api/voices.routes.ts";
import { createVoiceCatalog } from "./voice-catalog.ts";

const LIST: VoiceList = {
  engines: ["espeak"],
  voices: [
    { engine: "espeak", id: "en-us", name: "English (America)", language: "en-us", otherLanguages: [], gender: "male" },
    { engine: "espeak", id: "ru", name: "Russian", language: "ru", otherLanguages: [], gender: "male" },
  ],
};

/** A renderer answering GET /v1/voices from a script of answers, counting calls. */
function source(answers: (VoiceList | Error)[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async voices() {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer as VoiceList;
    },
  };
}

describe("voice catalog", () => {
  it("keeps the list for its TTL, shares one request, and forgets a failure", async () => {
    let now = 0;
    const renderer = source([new Error("renderer down"), LIST]);
    const catalog = createVoiceCatalog({ source: renderer, ttlMs: 1000, now: () => now });
    await expect(catalog.list()).rejects.toThrow("renderer down");
    const [a, b] = await Promise.all([catalog.list(), catalog.list()]);
    expect(a).toEqual(LIST);
    expect(b).toBe(a);
    expect(renderer.calls).toBe(2);
    now = 999;
    await catalog.list();
    expect(renderer.calls).toBe(2);
    now = 1000;
    await catalog.list();
    expect(renderer.calls).toBe(3);
  });

  it("finds espeak-ng voices with a variant, and gives the script the job's voice and its engine's others", async () => {
    const catalog = createVoiceCatalog({ source: source([LIST]) });
    expect((await catalog.find({ engine: "espeak", voice: "EN-US+f3" }))?.id).toBe("en-us");
    expect(await catalog.find({ engine: "polly", voice: "en-us" })).toBeUndefined();
    const voices = await catalog.scriptVoices({ engine: "espeak", voice: "en-us+f3" });
    expect(voices.main).toMatchObject({ id: "en-us+f3", language: "en-us" });
    expect(voices.available.map((v) => v.id)).toEqual(["en-us", "ru"]);
  });

  it("refuses an unknown engine or voice with a 422 naming GET /v1/voices, and lets a job through when the list is unreadable", async () => {
    const catalog = createVoiceCatalog({ source: source([LIST]) });
    await expect(checkVoice(catalog, { engine: "polly", voice: "Joanna" })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining("polly engine is not enabled"),
    });
    await expect(checkVoice(catalog, { engine: "espeak", voice: "xx" })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining("GET /v1/voices"),
    });
    await expect(checkVoice(catalog, { engine: "espeak", voice: "ru" })).resolves.toBeUndefined();
    const down = createVoiceCatalog({ source: source([new Error("down")]) });
    await expect(checkVoice(down, { engine: "espeak", voice: "anything" })).resolves.toBeUndefined();
  });
});
