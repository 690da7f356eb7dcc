import type { CreateScheduleInput, Schedule } from "@video-service/api-client";
import { formatSchema } from "@video-service/contracts";
import { type Command, EXIT, oneId, UsageError } from "./command.ts";
import { json, table } from "./output.ts";

const subredditList = (value: string) => value.split(/[,+\s]+/).filter(Boolean);

function lastRun(schedule: Schedule): string {
  const run = schedule.lastRun;
  if (!run) return "never";
  if (run.outcome === "created") return `${run.at} made ${run.jobId}`;
  if (run.outcome === "nothing-new") return `${run.at} nothing new`;
  return `${run.at} failed: ${run.error ?? "unknown"}`;
}

export const trendsCommand: Command = {
  name: "trends",
  usage: "trends <subreddits> [--window hour|day|week] [--limit N] [--sort hot|rising|top]",
  summary: "rank the trending posts of subreddits (tifu,AmItheAsshole)",
  options: {
    window: { type: "string", arg: "WINDOW", help: "hour|day|week (default day)" },
    limit: { type: "string", arg: "N", help: "how many (1-100, default 25)" },
    sort: { type: "string", arg: "SORT", help: "one listing; default hot, rising and top merged" },
  },
  async run(context) {
    const subreddits = context.args.join(",");
    if (!subreddits) throw new UsageError("name the subreddits: video-service trends tifu,AmItheAsshole");
    const o = context.options;
    const { data } = await context.client().trends({
      subreddits,
      ...(o.window ? { window: o.window as "day" } : {}),
      ...(o.limit ? { limit: Number(o.limit) } : {}),
      ...(o.sort ? { sort: o.sort as "hot" } : {}),
    });
    if (context.json) {
      context.io.stdout.write(json({ data }));
      return EXIT.ok;
    }
    if (data.length === 0) {
      context.io.stderr.write("No posts match; try --window week or other subreddits.\n");
      return EXIT.ok;
    }
    const rows = data.map((post, i) => [
      String(i + 1),
      post.id,
      `r/${post.subreddit}`,
      String(post.score),
      String(post.numComments),
      `${post.ageHours.toFixed(1)}h`,
      post.trendScore.toFixed(1),
      post.used ? "yes" : "",
      post.title,
    ]);
    context.io.stdout.write(
      table(["#", "POST", "SUBREDDIT", "SCORE", "COMMENTS", "AGE", "TREND", "USED", "TITLE"], rows),
    );
    context.io.stderr.write(
      `Make one: video-service create --reddit ${data[0]?.subreddit} --post ${data[0]?.id} --follow\n`,
    );
    return EXIT.ok;
  },
};

export const scheduleCommands: Command[] = [
  {
    name: "schedules list",
    usage: "schedules list",
    summary: "list the schedules with their next and last run",
    options: {},
    async run(context) {
      const { data } = await context.client().listSchedules();
      if (context.json) context.io.stdout.write(json({ data }));
      else if (data.length === 0)
        context.io.stderr.write("No schedules. Create one with: video-service schedules create --help\n");
      else {
        const rows = data.map((s) => [
          s.id,
          s.name ?? "",
          `${s.cron} ${s.timezone}`,
          s.subreddits.join(","),
          s.format,
          s.nextRunAt ?? "-",
          lastRun(s),
        ]);
        context.io.stdout.write(table(["ID", "NAME", "WHEN", "SUBREDDITS", "FORMAT", "NEXT RUN", "LAST RUN"], rows));
      }
      return EXIT.ok;
    },
  },
  {
    name: "schedules create",
    usage:
      'schedules create --cron "0 9 * * *" --subreddits tifu,AskReddit [--timezone Europe/Paris] [--format short] [--name N]',
    summary: "make a video from the best unused trend at every time the cron names",
    details: "The gateway checks the cron expression (5 fields) and the IANA time zone before saving.",
    options: {
      cron: { type: "string", arg: "CRON", help: 'minute hour day month weekday, e.g. "0 9,18 * * *"' },
      timezone: { type: "string", arg: "ZONE", help: "IANA time zone of the cron (default UTC)" },
      subreddits: { type: "string", arg: "LIST", help: "comma-separated subreddits" },
      format: { type: "string", arg: "FORMAT", help: `${formatSchema.options.join("|")} (default short)` },
      window: { type: "string", arg: "WINDOW", help: "trending window hour|day|week (default day)" },
      name: { type: "string", arg: "NAME", help: "a name to recognise it by" },
    },
    async run(context) {
      const o = context.options;
      if (!o.cron) throw new UsageError('--cron is needed, e.g. --cron "0 9 * * *" (9:00 every day)');
      if (!o.subreddits) throw new UsageError("--subreddits is needed, e.g. --subreddits tifu,AskReddit");
      const body: CreateScheduleInput = {
        cron: String(o.cron),
        subreddits: subredditList(String(o.subreddits)),
        format: (o.format ?? "short") as CreateScheduleInput["format"],
        ...(o.timezone ? { timezone: String(o.timezone) } : {}),
        ...(o.window ? { window: o.window as "day" } : {}),
        ...(o.name ? { name: String(o.name) } : {}),
      };
      const schedule = await context.client().createSchedule(body);
      context.io.stdout.write(context.json ? json(schedule) : `${schedule.id}\n`);
      if (!context.json) context.io.stderr.write(`Next run: ${schedule.nextRunAt ?? "never"}\n`);
      return EXIT.ok;
    },
  },
  {
    name: "schedules run",
    usage: "schedules run <id>",
    summary: "run a schedule now (prints the job it made, if any)",
    options: {},
    async run(context) {
      const id = oneId(context, "schedules run <id>", "schedule");
      const run = await context.client().runSchedule(id);
      if (context.json) context.io.stdout.write(json(run));
      else if (run.outcome === "created") context.io.stdout.write(`${run.jobId}\n`);
      else if (run.outcome === "nothing-new")
        context.io.stderr.write("Nothing new: every candidate was already made.\n");
      else context.io.stderr.write(`video-service: the run failed: ${run.error ?? "unknown error"}\n`);
      return run.outcome === "error" ? EXIT.unavailable : EXIT.ok;
    },
  },
  {
    name: "schedules delete",
    usage: "schedules delete <id>",
    summary: "delete a schedule (the videos it made are kept)",
    options: {},
    async run(context) {
      const id = oneId(context, "schedules delete <id>", "schedule");
      await context.client().deleteSchedule(id);
      context.io.stdout.write(context.json ? json({ id, deleted: true }) : `${id} deleted\n`);
      return EXIT.ok;
    },
  },
];
