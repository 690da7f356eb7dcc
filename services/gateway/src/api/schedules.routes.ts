import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "@video-service/errors";
import {
  createScheduleSchema,
  scheduleIdParamSchema,
  scheduleRunSchema,
  scheduleSchema,
} from "../schedules/schedule.schemas.ts";
import type { ScheduleService } from "../schedules/schedule.service.ts";
import { createVoiceCatalog } from "../voices/voice-catalog.ts";
import type { ApiDeps } from "./api.types.ts";
import type { ApiKeyVariables } from "./api-key.middleware.ts";
import { security } from "./video.openapi.ts";
import { problemSchema } from "./video.schemas.ts";
import { checkVoice } from "./voices.routes.ts";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});
const common = { 401: problem("Missing or invalid API key"), 422: problem("The request failed validation") };

export const createScheduleRoute = createRoute({
  method: "post",
  path: "/v1/schedules",
  tags: ["schedules"],
  summary: "Create a schedule that makes videos from Reddit trends",
  description:
    "At every time the cron expression (5 fields, in the schedule's IANA time zone) names, the best unused " +
    "trend of the subreddits becomes a video job, as if posted to /v1/videos. A run that finds nothing new " +
    "makes nothing (see `lastRun`).",
  security,
  request: { body: { required: true, content: { "application/json": { schema: createScheduleSchema } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: scheduleSchema } } },
    400: problem("Malformed JSON"),
    ...common,
  },
});

export const listSchedulesRoute = createRoute({
  method: "get",
  path: "/v1/schedules",
  tags: ["schedules"],
  summary: "Every schedule, oldest first",
  security,
  responses: {
    200: {
      description: "The schedules",
      content: { "application/json": { schema: z.object({ data: z.array(scheduleSchema) }) } },
    },
    ...common,
  },
});

export const getScheduleRoute = createRoute({
  method: "get",
  path: "/v1/schedules/{id}",
  tags: ["schedules"],
  summary: "A schedule, its next and last run",
  security,
  request: { params: scheduleIdParamSchema },
  responses: {
    200: { description: "The schedule", content: { "application/json": { schema: scheduleSchema } } },
    404: problem("No such schedule"),
    ...common,
  },
});

export const deleteScheduleRoute = createRoute({
  method: "delete",
  path: "/v1/schedules/{id}",
  tags: ["schedules"],
  summary: "Delete a schedule (jobs it already made are not touched)",
  security,
  request: { params: scheduleIdParamSchema },
  responses: {
    204: { description: "Deleted" },
    404: problem("No such schedule"),
    ...common,
  },
});

export const runScheduleRoute = createRoute({
  method: "post",
  path: "/v1/schedules/{id}/run",
  tags: ["schedules"],
  summary: "Run a schedule now",
  description: "The same run the cron makes: `created` (with the job id), `nothing-new` or `error`.",
  security,
  request: { params: scheduleIdParamSchema },
  responses: {
    200: { description: "The run's outcome", content: { "application/json": { schema: scheduleRunSchema } } },
    404: problem("No such schedule"),
    ...common,
  },
});

/** /v1/schedules: create, list, read, delete, run now. */
export function registerScheduleRoutes(app: OpenAPIHono<{ Variables: ApiKeyVariables }>, deps: ApiDeps): void {
  const service = (): ScheduleService => {
    if (!deps.schedules) throw new AppError("unavailable", "schedules need Reddit, which is not configured here");
    return deps.schedules;
  };
  const notFound = (id: string) => new AppError("not-found", `no schedule ${id}`);
  // The catalog POST /v1/videos checks voices against: a schedule's runs make the same requests.
  const voices = deps.voices ?? createVoiceCatalog({ source: deps.renderer });

  app.openapi(createScheduleRoute, async (c) => {
    const input = c.req.valid("json");
    if (input.publish?.youtube && !deps.youtube) {
      throw new AppError("validation-failed", "YouTube publishing is not configured on this server", {
        extensions: {
          errors: [{ path: "body.publish.youtube", message: "YouTube publishing is not configured on this server" }],
        },
      });
    }
    // Refused now rather than at every run: a voice this deployment does not have would fail them all.
    if (input.voice) await checkVoice(voices, input.voice, c.req.raw.signal);
    const schedule = await service().create(input);
    c.header("location", schedule.links.self);
    return c.json(schedule, 201);
  });

  app.openapi(listSchedulesRoute, async (c) => c.json({ data: await service().list() }, 200));

  app.openapi(getScheduleRoute, async (c) => {
    const { id } = c.req.valid("param");
    const schedule = await service().get(id);
    if (!schedule) throw notFound(id);
    return c.json(schedule, 200);
  });

  app.openapi(deleteScheduleRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await service().delete(id))) throw notFound(id);
    return c.body(null, 204);
  });

  app.openapi(runScheduleRoute, async (c) => {
    const { id } = c.req.valid("param");
    const run = await service().run(id, "manual");
    if (!run) throw notFound(id);
    return c.json(run, 200);
  });
}
