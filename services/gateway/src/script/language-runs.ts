/**
 * What the voice cannot say: runs of another writing system. An English voice reads a Japanese
 * sentence as "Chinese letter, Japanese letter…", so each run of another script is spoken by a
 * voice of that language when the engine has one, and otherwise left out of the narration (the
 * card still shows it). Pure functions; the voices come from the renderer's GET /v1/voices.
 */

/** Writing systems told apart; Han and kana are one group (Japanese mixes them). */
type ScriptGroup = "latin" | "cjk" | "hangul" | "cyrillic" | "greek" | "arabic" | "hebrew" | "devanagari" | "thai";

const SCRIPT_TESTS: readonly (readonly [ScriptGroup, RegExp])[] = [
  ["latin", /\p{Script=Latin}/u],
  ["cjk", /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ["hangul", /\p{Script=Hangul}/u],
  ["cyrillic", /\p{Script=Cyrillic}/u],
  ["greek", /\p{Script=Greek}/u],
  ["arabic", /\p{Script=Arabic}/u],
  ["hebrew", /\p{Script=Hebrew}/u],
  ["devanagari", /\p{Script=Devanagari}/u],
  ["thai", /\p{Script=Thai}/u],
];

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HAN = /\p{Script=Han}/u;

/** The script group of a letter; undefined for digits, punctuation, spaces and symbols (they join a run). */
function scriptOf(char: string): ScriptGroup | undefined {
  for (const [group, test] of SCRIPT_TESTS) if (test.test(char)) return group;
  return undefined;
}

/** The script a voice's language is written in (BCP 47 prefixes as espeak-ng and Polly give them). */
export function scriptOfLanguage(language: string): ScriptGroup {
  const code = language.toLowerCase().split(/[-_]/)[0] ?? "";
  if (["ja", "cmn", "zh", "yue", "hak"].includes(code)) return "cjk";
  if (code === "ko") return "hangul";
  if (["ru", "uk", "bg", "be", "mk", "sr", "kk", "ky", "tt", "ba", "cv", "mn"].includes(code)) return "cyrillic";
  if (["el", "grc"].includes(code)) return "greek";
  if (["ar", "fa", "ur", "ps", "ug", "sd"].includes(code)) return "arabic";
  if (code === "he") return "hebrew";
  if (["hi", "mr", "ne", "sa", "kok", "bh"].includes(code)) return "devanagari";
  if (code === "th") return "thai";
  return "latin";
}

/** The language a run of a script is spoken in: Han with kana is Japanese, Han alone Mandarin. */
function languageOfRun(group: ScriptGroup, text: string): string {
  switch (group) {
    case "cjk":
      return KANA.test(text) ? "ja" : "zh";
    case "hangul":
      return "ko";
    case "cyrillic":
      return "ru";
    case "greek":
      return "el";
    case "arabic":
      return "ar";
    case "hebrew":
      return "he";
    case "devanagari":
      return "hi";
    case "thai":
      return "th";
    default:
      return "en";
  }
}

export interface ScriptRun {
  text: string;
  /** Set for a run in another script than the main voice's: the language to speak it in. */
  language?: string;
}

/**
 * The text cut into runs: each run of letters of one script group (with the digits, punctuation
 * and spaces that follow it) — runs of the main script unmarked, others with their language.
 */
export function scriptRuns(text: string, mainLanguage: string): ScriptRun[] {
  const main = scriptOfLanguage(mainLanguage);
  const runs: { group: ScriptGroup; text: string }[] = [];
  // Digits, punctuation and spaces wait for the next letter: up to the first space they end the
  // run before it ("少し。 "), the rest opens the next one ('"quotes').
  let pending = "";
  for (const char of text) {
    const group = scriptOf(char);
    if (group === undefined) {
      pending += char;
      continue;
    }
    const current = runs.at(-1);
    if (current && group === current.group) current.text += pending + char;
    else {
      const cut = current ? (/^\S*\s+/.exec(pending)?.[0].length ?? 0) : 0;
      if (current) current.text += pending.slice(0, cut);
      runs.push({ group, text: pending.slice(cut) + char });
    }
    pending = "";
  }
  const last = runs.at(-1);
  if (last) last.text += pending;
  else if (pending) runs.push({ group: main, text: pending });
  const merged: ScriptRun[] = [];
  for (const run of runs) {
    const language = run.group === main ? undefined : languageOfRun(run.group, run.text);
    const last = merged.at(-1);
    if (last && last.language === language) last.text += run.text;
    else merged.push(language === undefined ? { text: run.text } : { text: run.text, language });
  }
  return merged;
}

/** A voice as GET /v1/voices lists it (the fields used here). */
export interface VoiceChoice {
  engine: string;
  id: string;
  language: string;
  gender: "female" | "male" | null;
}

export interface SpeechPart {
  text: string;
  /** A voice of the same engine for a run in another language; absent = the job's voice. */
  voice?: string;
}

export interface SpokenText {
  /** What is said, as one text (estimates, captions). */
  speech: string;
  /** Present when another voice speaks some of it: the parts in order. */
  parts?: SpeechPart[];
}

/** Does the voice read this run? espeak-ng's Japanese voice reads kana only: kanji would be skipped. */
function canRead(voice: VoiceChoice, run: ScriptRun): boolean {
  if (voice.engine === "espeak" && run.language === "ja" && HAN.test(run.text)) return false;
  return true;
}

function matchesLanguage(voice: VoiceChoice, language: string): boolean {
  const code = voice.language.toLowerCase();
  if (language === "zh") return /^(cmn|zh)(-|$)/.test(code);
  return code === language || code.startsWith(`${language}-`);
}

/** The voice for a run: the main voice's engine, its language, the same gender if there is one; mbrola voices last. */
export function voiceForRun(
  run: ScriptRun,
  main: VoiceChoice,
  voices: readonly VoiceChoice[],
): VoiceChoice | undefined {
  if (run.language === undefined) return main;
  const language = run.language;
  const candidates = voices.filter((v) => v.engine === main.engine && matchesLanguage(v, language) && canRead(v, run));
  const rank = (v: VoiceChoice) => (v.id.startsWith("mb-") ? 2 : 0) + (v.gender === main.gender ? 0 : 1);
  return candidates.sort((a, b) => rank(a) - rank(b))[0];
}

const SPEAKABLE = /[\p{L}\p{N}]/u;

/**
 * Speakable text as the job's voice and the voices of other languages say it: runs of another
 * script go to a voice of that language (same engine), or are left out when there is none. An
 * empty `speech` means nothing is left to say.
 */
export function speakInVoices(text: string, o: { main: VoiceChoice; voices: readonly VoiceChoice[] }): SpokenText {
  const parts: SpeechPart[] = [];
  for (const run of scriptRuns(text, o.main.language)) {
    const voice = voiceForRun(run, o.main, o.voices);
    if (!voice) continue;
    const id = voice.id === o.main.id ? undefined : voice.id;
    const last = parts.at(-1);
    if (last && last.voice === id) last.text += run.text;
    else parts.push(id === undefined ? { text: run.text } : { text: run.text, voice: id });
  }
  const cleaned = parts.map((part) => ({ ...part, text: tidy(part.text) })).filter((part) => SPEAKABLE.test(part.text));
  const speech = tidy(cleaned.map((part) => part.text).join(" "));
  if (!cleaned.some((part) => part.voice !== undefined)) return { speech };
  return { speech, parts: cleaned };
}

/** Spacing and punctuation left behind when a run is taken out: empty quotes or brackets, doubled spaces. */
function tidy(text: string): string {
  return text
    .replace(/(["“‘'«「『(（])[\s\p{P}]*?(["”’'»」』)）])/gu, (match, _open: string, _close: string) =>
      SPEAKABLE.test(match) ? match : "",
    )
    .replace(/\s+/g, " ")
    .replace(/\s+([.!?,;:…。！？、])/g, "$1")
    .replace(/^[\s,;:、]+/, "")
    .trim();
}
