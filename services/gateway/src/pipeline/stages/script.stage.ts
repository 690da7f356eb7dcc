import type { Format } from "@video-service/contracts";
import { buildScript, type Script, type Story } from "../../script/index.ts";

/** espeak-ng's default speaking rate, words per minute. */
const DEFAULT_WORDS_PER_MINUTE = 175;

/** Stage 2: the story as speakable segments, fitted to the format's duration budget. */
export function writeScript({
  story,
  format,
  wordsPerMinute,
}: {
  story: Story;
  format: Format;
  wordsPerMinute: number | undefined;
}): Script {
  return buildScript({ story, format, wordsPerMinute: wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE });
}
