export { buildScript, CARD_LIMITS, estimateSpeechSeconds, paginate, refitToDurations } from "./build-script.ts";
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
