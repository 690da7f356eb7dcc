import type { Format } from "@video-service/contracts";
import { buildScript, type Script, type ScriptVoices, type Story } from "../../script/index.ts";

/** espeak-ng's default speaking rate, words per minute. */
const DEFAULT_WORDS_PER_MINUTE = 175;

/** Stage 2: the story as speakable segments, fitted to the format's duration budget. */
export function writeScript({
  story,
  format,
  wordsPerMinute,
  voices,
}: {
  story: Story;
  format: Format;
  wordsPerMinute: number | undefined;
  /** The job's voice and its engine's other voices, for runs of other scripts. */
  voices: ScriptVoices;
}): Script {
  return buildScript({ story, format, wordsPerMinute: wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE, voices });
}
