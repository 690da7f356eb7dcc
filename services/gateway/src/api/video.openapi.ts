import { createRoute, z } from "@hono/zod-openapi";
import {
  acceptedVideoSchema,
  createVideoRequestSchema,
  listVideosQuerySchema,
  problemSchema,
  videoIdParamSchema,
  videoJobSchema,
  videoListSchema,
} from "./video.schemas.ts";

/** Both ways of sending the key; either satisfies the requirement. */
export const security: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});

const commonProblems = {
  401: problem("Missing or invalid API key"),
  422: problem("The request failed validation"),
};

export const createVideoRoute = createRoute({
  method: "post",
  path: "/v1/videos",
  tags: ["videos"],
  summary: "Create a video job",
  description:
    "Queues a job that turns the story into a narrated video. Send `Idempotency-Key` to make retries safe: " +
    "the same key with the same body returns the same job for 24 hours; with a different body, 409.",
  security,
  request: {
    headers: z.object({
      "idempotency-key": z
        .string()
        .min(1)
        .max(255)
        .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
        .optional()
        .openapi({ description: "Makes retries of this request safe for 24 hours (scoped to the API key)" }),
    }),
    body: { required: true, content: { "application/json": { schema: createVideoRequestSchema } } },
  },
  responses: {
    202: {
      description: "Accepted: the job is queued",
      headers: z.object({ Location: z.string() }),
      content: { "application/json": { schema: acceptedVideoSchema } },
    },
    200: {
      description: "The job this Idempotency-Key already created",
      content: { "application/json": { schema: acceptedVideoSchema } },
    },
    400: problem("Malformed JSON"),
    409: problem("The Idempotency-Key was used with a different body"),
    413: problem("The body is too large"),
    415: problem("The body is not JSON"),
    ...commonProblems,
  },
});

export const getVideoRoute = createRoute({
  method: "get",
  path: "/v1/videos/{id}",
  tags: ["videos"],
  summary: "A video job: status, progress, stages, error, outputs",
  security,
  request: { params: videoIdParamSchema },
  responses: {
    200: { description: "The job", content: { "application/json": { schema: videoJobSchema } } },
    404: problem("No such job"),
    ...commonProblems,
  },
});

export const listVideosRoute = createRoute({
  method: "get",
  path: "/v1/videos",
  tags: ["videos"],
  summary: "List video jobs, newest first",
  security,
  request: { query: listVideosQuerySchema },
  responses: {
    200: { description: "A page of jobs", content: { "application/json": { schema: videoListSchema } } },
    ...commonProblems,
  },
});

export const videoEventsRoute = createRoute({
  method: "get",
  path: "/v1/videos/{id}/events",
  tags: ["videos"],
  summary: "Server-Sent Events of a job until it ends",
  description:
    "Sends `state` (the whole job) at once, then `progress`, `stage` and `status` events as they happen, " +
    "heartbeat comments, and a final `state` when the job reaches a terminal status; then the stream ends. " +
    "A reconnect (with Last-Event-ID) starts again with the current state.",
  security,
  request: { params: videoIdParamSchema },
  responses: {
    200: { description: "An event stream", content: { "text/event-stream": { schema: z.string() } } },
    404: problem("No such job"),
    ...commonProblems,
  },
});

export const retryVideoRoute = createRoute({
  method: "post",
  path: "/v1/videos/{id}/retry",
  tags: ["videos"],
  summary: "Retry a failed or cancelled job",
  description: "Stages that already succeeded are not run again; the job resumes at the stage that failed.",
  security,
  request: { params: videoIdParamSchema },
  responses: {
    202: { description: "Queued again", content: { "application/json": { schema: videoJobSchema } } },
    404: problem("No such job"),
    409: problem("Only failed or cancelled jobs can be retried"),
    ...commonProblems,
  },
});

export const cancelVideoRoute = createRoute({
  method: "delete",
  path: "/v1/videos/{id}",
  tags: ["videos"],
  summary: "Cancel a job",
  description: "A queued job is removed from the queue; a running one is aborted (its render is killed).",
  security,
  request: { params: videoIdParamSchema },
  responses: {
    202: { description: "Cancelled", content: { "application/json": { schema: videoJobSchema } } },
    200: { description: "Already cancelled", content: { "application/json": { schema: videoJobSchema } } },
    404: problem("No such job"),
    409: problem("The job already finished"),
    ...commonProblems,
  },
});
