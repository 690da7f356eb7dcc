import { z } from "@hono/zod-openapi";
import { formatSchema, voiceSchema } from "@video-service/contracts";
import { getNextMillis } from "bullmq";
import { singleLineText } from "../api/text.schemas.ts";
import { publishSchema, styleSchema } from "../api/video.schemas.ts";
import { MAX_SUBREDDITS, parseSubreddits, TREND_WINDOWS } from "../trends/trends.service.ts";

const CRON_MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/**
 * Why a cron expression is refused, or undefined when it is fine. Five fields (minute hour
 * day-of-month month day-of-week) or a macro (@daily …): no seconds field, so a typo cannot make a
 * schedule fire every second. Then BullMQ's own parser (cron-parser) computes the next run in the
 * time zone, so what is accepted here is exactly what the job scheduler will run.
 */
export function cronProblem(cron: string, timezone: string): string | undefined {
  const trimmed = cron.trim();
  if (!CRON_MACROS.has(trimmed.toLowerCase())) {
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 5) {
      return `needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}: "${cron}"`;
    }
    if (!fields.every((field) => /^[0-9A-Za-z*/,?#-]+$/.test(field)))
      return `has characters cron does not use: "${cron}"`;
  }
  try {
    const next = getNextMillis(Date.now(), { pattern: trimmed, tz: timezone });
    if (next === undefined || !Number.isFinite(next)) return `never runs: "${cron}"`;
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
  return undefined;
}

/** True for an IANA zone name that this runtime knows (Europe/Paris, UTC …). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

const scheduleFields = z.object({
  name: singleLineText().trim().min(1).max(100).optional(),
  cron: z.string().trim().min(1).max(100).openapi({ example: "0 9,18 * * *" }),
  timezone: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .default("UTC")
    .refine(isTimeZone, "must be an IANA time zone such as Europe/Paris or UTC")
    .openapi({ example: "Europe/Paris" }),
  subreddits: z
    .array(z.string().trim().min(1).max(24))
    .min(1)
    .max(MAX_SUBREDDITS)
    .superRefine((names, ctx) => {
      try {
        parseSubreddits(names);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    })
    .openapi({ example: ["tifu", "AmItheAsshole"] }),
  window: z.enum(TREND_WINDOWS).default("day"),
  format: formatSchema,
  style: styleSchema.optional(),
  voice: voiceSchema.optional(),
  publish: publishSchema.optional(),
  maxComments: z.number().int().min(0).max(30).optional(),
  minScore: z.number().int().min(0).optional(),
  minComments: z.number().int().min(0).optional(),
  nsfw: z.boolean().default(false),
});

export const createScheduleSchema = scheduleFields
  .strict()
  .superRefine((value, ctx) => {
    if (!isTimeZone(value.timezone)) return;
    const problem = cronProblem(value.cron, value.timezone);
    if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
  })
  .openapi("CreateSchedule", {
    example: {
      cron: "0 9,18 * * *",
      timezone: "Europe/Paris",
      subreddits: ["tifu", "AmItheAsshole"],
      window: "day",
      format: "short",
      nsfw: false,
    },
  });
export type CreateScheduleRequest = z.infer<typeof createScheduleSchema>;

export const scheduleRunSchema = z
  .object({
    at: z.string(),
    outcome: z.enum(["created", "nothing-new", "error"]),
    trigger: z.enum(["cron", "manual"]),
    jobId: z.string().optional(),
    postId: z.string().optional(),
    error: z.string().optional(),
  })
  .openapi("ScheduleRun");
export type ScheduleRun = z.infer<typeof scheduleRunSchema>;

export const scheduleSchema = scheduleFields
  .extend({
    id: z.string(),
    createdAt: z.string(),
    nextRunAt: z.string().nullable(),
    lastRun: scheduleRunSchema.nullable(),
    links: z.object({ self: z.string(), run: z.string() }),
  })
  .openapi("Schedule");
export type ScheduleView = z.infer<typeof scheduleSchema>;

export const scheduleIdParamSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .openapi({ param: { name: "id", in: "path" } }),
});
