import type { CardSpec } from "@video-service/contracts";
import type { SpeechPart } from "./language-runs.ts";

/** One comment of a story, Markdown as its author wrote it. */
export interface StoryComment {
  author?: string;
  body: string;
  score?: number;
}

/** What the source stage produces: a Reddit post and its top comments, or a story given as text. */
export interface Story {
  title: string;
  /** Markdown (Reddit selftext) or plain text. */
  body?: string;
  /** In the order they should be told (best first). */
  comments: StoryComment[];
  subreddit?: string;
  author?: string;
  score?: number;
  commentCount?: number;
  permalink?: string;
  /**
   * The video's description: for Reddit, the credit line (subreddit, author, permalink). Written
   * to the metadata JSON; the YouTube publisher uses it unless the request gives its own.
   */
  description?: string;
}

export interface ScriptSegment {
  /** "title", "body-1", "comment-2" …: stable for a story, used in object keys. */
  id: string;
  kind: "title" | "body" | "comment";
  /** What the voice says: plain speakable text. */
  speech: string;
  /**
   * Present when runs of another script are spoken by a voice of their language: `speech` in
   * parts, in order, each with its voice (absent = the job's voice). See language-runs.ts.
   */
  speechParts?: SpeechPart[];
  /** What is shown while it is spoken, in the original wording (not speech-normalised). */
  card: CardSpec;
  /** Estimated from the words before narration; the measured duration after refitToDurations. */
  estimatedSeconds: number;
}

export interface Script {
  segments: ScriptSegment[];
  /** The video's expected length: narration plus the timeline's padding (see timeline.ts). */
  estimatedSeconds: number;
  /** Comments of the story that are not in the script (too long for a card, empty, or over budget). */
  droppedComments: number;
  /** True when the body was cut short to fit the format. */
  truncated: boolean;
}
