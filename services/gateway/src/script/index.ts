export {
  buildScript,
  CARD_LIMITS,
  estimateSpeechSeconds,
  paginate,
  refitToDurations,
  type ScriptVoices,
} from "./build-script.ts";
export {
  type SpeechPart,
  type SpokenText,
  scriptRuns,
  speakInVoices,
  type VoiceChoice,
  voiceForRun,
} from "./language-runs.ts";
export { decodeHtmlEntities, sentenceSpans, splitSentences, toCardText, toSpeakableText } from "./markdown-text.ts";
export type { Script, ScriptSegment, Story, StoryComment } from "./script.types.ts";
export {
  buildTimeline,
  DEFAULT_TRANSITION_SECONDS,
  expectedVideoSeconds,
  type NarratedSegment,
  narratedVideoSeconds,
  TIMELINE_PADDING,
  timelineDurationSeconds,
} from "./timeline.ts";
