/**
 * A video job's lifecycle, as the domain sees it: statuses, the pipeline's stages, a stage's state
 * and a job's error. The public API's schemas (api/video.schemas.ts) are built from these and
 * checked against them; the rest of the gateway imports them from here.
 */

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The pipeline's stages, in the order they run. */
export const STAGE_NAMES = ["source", "script", "narration", "visuals", "render", "publish", "notify"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const STAGE_STATUSES = ["pending", "running", "succeeded", "failed", "skipped"] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export interface StageState {
  status: StageStatus;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  attempts: number;
}

/** Why a job failed (or, as lastError, why its previous attempt did), and whether trying again may help. */
export interface JobError {
  stage: StageName | null;
  title: string;
  detail: string;
  retryable: boolean;
}
