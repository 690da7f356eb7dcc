import { describe, expect, it } from "vitest";
import { buildScript } from "./build-script.ts";
import { scriptRuns, speakInVoices, type VoiceChoice } from "./language-runs.ts";
import { toSpeakableText } from "./markdown-text.ts";

/** The voices GET /v1/voices lists for espeak-ng (a subset) and for Polly. */
const ESPEAK: VoiceChoice[] = [
  { engine: "espeak", id: "en-us", language: "en-us", gender: "male" },
  { engine: "espeak", id: "ja", language: "ja", gender: "male" },
  { engine: "espeak", id: "cmn", language: "cmn", gender: "male" },
  { engine: "espeak", id: "ru", language: "ru", gender: "male" },
  { engine: "espeak", id: "mb-de1", language: "de", gender: "female" },
  { engine: "espeak", id: "de", language: "de", gender: "male" },
];
const POLLY: VoiceChoice[] = [
  { engine: "polly", id: "Joanna", language: "en-US", gender: "female" },
  { engine: "polly", id: "Matthew", language: "en-US", gender: "male" },
  { engine: "polly", id: "Takumi", language: "ja-JP", gender: "male" },
  { engine: "polly", id: "Mizuki", language: "ja-JP", gender: "female" },
  { engine: "polly", id: "Zhiyu", language: "cmn-CN", gender: "female" },
  { engine: "polly", id: "Tatyana", language: "ru-RU", gender: "female" },
];
const voice = (list: VoiceChoice[], id: string) => list.find((v) => v.id === id) as VoiceChoice;

/** The post: one Japanese sentence in an English story. */
const POST = "My host mother said 今日は少し寒いですね。 Then she laughed.";

describe("scriptRuns", () => {
  it("cuts text into runs of one script, marking those another voice should say", () => {
    expect(scriptRuns(POST, "en-us")).toEqual([
      { text: "My host mother said " },
      { text: "今日は少し寒いですね。 ", language: "ja" },
      { text: "Then she laughed." },
    ]);
    expect(scriptRuns('He typed "Привет, мир!" and left.', "en")).toEqual([
      { text: "He typed " },
      { text: '"Привет, мир!" ', language: "ru" },
      { text: "and left." },
    ]);
    expect(scriptRuns("Grandma wrote 我很好 on it.", "en")[1]).toEqual({ text: "我很好 ", language: "zh" });
    // For a Japanese voice, Japanese is the main script and English the other one.
    expect(scriptRuns("今日は OK です。", "ja-JP")).toEqual([
      { text: "今日は " },
      { text: "OK ", language: "en" },
      { text: "です。" },
    ]);
  });
});

describe("speakInVoices", () => {
  it("has Polly's Japanese voice of the same gender say the Japanese sentence (never 'Chinese letter')", () => {
    const said = speakInVoices(toSpeakableText(POST), { main: voice(POLLY, "Joanna"), voices: POLLY });
    expect(said).toEqual({
      speech: "My host mother said 今日は少し寒いですね。 Then she laughed.",
      parts: [
        { text: "My host mother said" },
        { text: "今日は少し寒いですね。", voice: "Mizuki" },
        { text: "Then she laughed." },
      ],
    });
    expect(speakInVoices(POST, { main: voice(POLLY, "Matthew"), voices: POLLY }).parts?.[1]?.voice).toBe("Takumi");
  });

  it("keeps the run out of the narration when the engine's voice cannot read it (espeak-ng's ja reads no kanji)", () => {
    const said = speakInVoices(toSpeakableText(POST), { main: voice(ESPEAK, "en-us"), voices: ESPEAK });
    expect(said).toEqual({ speech: "My host mother said Then she laughed." });
    // Kana only: espeak-ng's Japanese voice can say it.
    expect(
      speakInVoices("She said ありがとう。 Then left.", { main: voice(ESPEAK, "en-us"), voices: ESPEAK }).parts,
    ).toEqual([{ text: "She said" }, { text: "ありがとう。", voice: "ja" }, { text: "Then left." }]);
  });

  it("speaks Chinese and Cyrillic runs with espeak-ng's cmn and ru voices", () => {
    const main = voice(ESPEAK, "en-us");
    expect(speakInVoices("Grandma wrote 我很好 on it.", { main, voices: ESPEAK }).parts).toEqual([
      { text: "Grandma wrote" },
      { text: "我很好", voice: "cmn" },
      { text: "on it." },
    ]);
    expect(speakInVoices('He typed "Привет, мир!" and left.', { main, voices: ESPEAK }).parts).toEqual([
      { text: "He typed" },
      { text: '"Привет, мир!"', voice: "ru" },
      { text: "and left." },
    ]);
  });

  it("drops a run no voice of the engine speaks, with the quotes around it", () => {
    const said = speakInVoices('Her note said "사랑해" and nothing else.', {
      main: voice(ESPEAK, "en-us"),
      voices: ESPEAK,
    });
    expect(said).toEqual({ speech: "Her note said and nothing else." });
    expect(speakInVoices("사랑해", { main: voice(ESPEAK, "en-us"), voices: ESPEAK })).toEqual({ speech: "" });
  });

  it("prefers a voice that needs nothing extra installed (not mbrola) and matches the gender", () => {
    const main = { engine: "espeak", id: "ru", language: "ru", gender: "male" } as const;
    // Latin runs in a Russian text go to an English voice; German is not guessed.
    expect(speakInVoices("Привет, hello!", { main, voices: ESPEAK }).parts).toEqual([
      { text: "Привет," },
      { text: "hello!", voice: "en-us" },
    ]);
  });
});

describe("buildScript with voices", () => {
  it("gives a segment its parts when another voice speaks in it, and the card keeps everything", () => {
    const script = buildScript({
      story: { title: "Learning Japanese", body: POST, comments: [{ body: "Привет! Nice." }] },
      format: "short",
      wordsPerMinute: 175,
      voices: { main: voice(POLLY, "Joanna"), available: POLLY },
    });
    const body = script.segments.find((s) => s.kind === "body");
    expect(body?.card).toMatchObject({ body: POST });
    expect(body?.speechParts?.map((p) => p.voice)).toEqual([undefined, "Mizuki", undefined]);
    const comment = script.segments.find((s) => s.kind === "comment");
    expect(comment?.speechParts).toEqual([{ text: "Привет!", voice: "Tatyana" }, { text: "Nice." }]);
    expect(script.segments[0]?.speechParts).toBeUndefined();
  });
});
