/**
 * The public /v1 contract in one import, for clients of the gateway (@video-service/api-client, the
 * CLI): the same zod schemas that validate requests and generate /openapi.json.
 */

export { type JobError, type JobStatus, STAGE_NAMES, type StageName, type StageState } from "../jobs/job.types.ts";
export type { JobEvent } from "../jobs/job-events.ts";
export {
  createScheduleSchema,
  type ScheduleRun,
  type ScheduleView,
  scheduleRunSchema,
  scheduleSchema,
} from "../schedules/schedule.schemas.ts";
export { trendCandidateSchema, trendsQuerySchema } from "./trends.routes.ts";
export {
  acceptedVideoSchema,
  createVideoRequestSchema,
  jobStatusSchema,
  listVideosQuerySchema,
  problemSchema,
  videoJobSchema,
  videoListSchema,
} from "./video.schemas.ts";
