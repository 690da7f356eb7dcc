import { readFile } from "node:fs/promises";
import path from "node:path";
import type { CreateVideoInput, GatewayClient, Video } from "@video-service/api-client";
import { formatSchema, themeSchema } from "@video-service/contracts";
import { type Command, type CommandContext, EXIT, oneId, UsageError } from "./command.ts";
import { failureAdvice, follow } from "./follow.ts";
import { age, bar, formatBytes, formatMs, formatSeconds, type Io, json, percent, table } from "./output.ts";

const FOLLOW = { type: "boolean", short: "f", help: "show each stage's progress until the job ends" } as const;
const OUTPUT = {
  type: "string",
  short: "o",
  arg: "PATH",
  help: "download the MP4 there (a directory keeps the job's file name)",
} as const;

function titleOf(job: Video): string {
  const source = job.request.source;
  if (source.type === "text") return source.title;
  return `r/${source.subreddit}${source.postId ? ` ${source.postId}` : ""}`;
}

/** A story file: Markdown or text (title from --title, the first "# " heading, or the first line), or JSON. */
export function storyFromFile(text: string, fileName: string, title?: string): CreateVideoInput["source"] {
  if (fileName.endsWith(".json")) {
    let story: { title?: unknown; body?: unknown; comments?: unknown };
    try {
      story = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${fileName} is not valid JSON (${(err as Error).message})`);
    }
    return { type: "text", ...story, ...(title ? { title } : {}) } as CreateVideoInput["source"];
  }
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const first = lines.findIndex((line) => line.trim() !== "");
  if (first === -1) throw new UsageError(`${fileName} is empty: write the story in it`);
  const firstLine = lines[first] ?? "";
  const isHeading = /^#{1,6}\s/.test(firstLine);
  // The first line is the title unless --title gives one and the line is plain story text.
  const usesFirstLine = isHeading || !title;
  const heading = title ?? firstLine.replace(/^#{1,6}\s*/, "").trim();
  const body = lines
    .slice(usesFirstLine ? first + 1 : first)
    .join("\n")
    .trim();
  return { type: "text", title: heading, ...(body ? { body } : {}) };
}

async function readStory(file: string, title?: string): Promise<CreateVideoInput["source"]> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return storyFromFile(text, file === "-" ? "stdin" : file, title);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function choice<T extends string>(value: unknown, choices: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`--${flag} must be one of: ${choices.join(", ")}`);
  return value as T;
}

function integer(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`--${flag} must be a number, not '${value}'`);
  return number;
}

/** The request of `create`, from its flags. */
async function createRequest(context: CommandContext): Promise<CreateVideoInput> {
  const o = context.options;
  const [file, ...extra] = context.args;
  if (extra.length) throw new UsageError(`one story file at a time (got ${context.args.join(", ")})`);
  if (o.reddit !== undefined && file) throw new UsageError("give a story file or --reddit, not both");
  if (o.reddit === undefined && !file) {
    throw new UsageError("give a story file (Markdown, text or JSON; - for stdin) or --reddit SUBREDDIT");
  }
  const source: CreateVideoInput["source"] =
    o.reddit !== undefined
      ? {
          type: "reddit",
          subreddit: String(o.reddit),
          ...(o.post ? { postId: String(o.post) } : {}),
          ...(o.window ? { window: o.window as "hour" | "day" | "week" } : {}),
        }
      : await readStory(file as string, o.title as string | undefined);
  const request: CreateVideoInput = {
    source,
    format: choice(o.format ?? "short", formatSchema.options, "format") ?? "short",
  };
  const theme = choice(o.theme, themeSchema.options, "theme");
  if (theme || o.captions) {
    request.style = { ...(theme ? { theme } : {}), ...(o.captions ? { captions: o.captions as "word" } : {}) };
  }
  if (o.voice || o["voice-engine"] || o.rate) {
    request.voice = {
      ...(o["voice-engine"] ? { engine: o["voice-engine"] as "espeak" } : {}),
      ...(o.voice ? { voice: String(o.voice) } : {}),
      ...(o.rate ? { rate: integer(o.rate, "rate") } : {}),
    };
  }
  if (o.music) {
    const volume = integer(o["music-volume"], "music-volume");
    request.music = { key: String(o.music), ...(volume === undefined ? {} : { volume }) };
  }
  if (o.youtube) request.publish = { youtube: { privacy: o.youtube as "private" } };
  if (o.webhook) request.webhook = { url: String(o.webhook) };
  return request;
}

/** The MP4 of a finished job: downloaded to --output (path printed) or its signed URL printed. */
async function deliver(client: GatewayClient, job: Video, output: string | undefined, io: Io): Promise<string> {
  const video = job.outputs?.video;
  if (!video) throw new Error(`job ${job.id} succeeded without a video`);
  if (!output) return video.url;
  return download(client, job, output, io);
}

async function download(client: GatewayClient, job: Video, output: string, io: Io): Promise<string> {
  const video = job.outputs?.video;
  if (!video) throw new UsageError(`job ${job.id} has no video yet (it is ${job.status}); wait for it with --follow`);
  const { stat } = await import("node:fs/promises");
  const isDir = await stat(output).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const destination = isDir ? path.join(output, path.basename(video.key)) : output;
  const terminal = io.stderr.isTTY === true;
  let lastTenth = -1;
  await client.download(video.url, destination, {
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: (received, total) => {
      const fraction = total ? received / total : 0;
      const line = `  download   ${bar(fraction)} ${percent(fraction)}  ${formatBytes(received)}`;
      if (terminal) io.stderr.write(`\r${line}\x1b[K`);
      else if (Math.floor(fraction * 10) !== lastTenth) {
        lastTenth = Math.floor(fraction * 10);
        io.stderr.write(`${line.trim()}\n`);
      }
    },
  });
  if (terminal) io.stderr.write("\n");
  return path.resolve(destination);
}

/** Follows, then prints the MP4's URL or path (stdout) or the failure (stderr); the exit code says which. */
async function followToEnd(context: CommandContext, id: string): Promise<number> {
  const client = context.client();
  const job = await follow(client, id, context.io, context.json);
  if (job.status !== "succeeded") {
    if (!context.json) context.io.stderr.write(`video-service: ${failureAdvice(job)}\n`);
    return EXIT.jobFailed;
  }
  const where = await deliver(client, job, context.options.output as string | undefined, context.io);
  if (context.json) context.io.stdout.write(`${JSON.stringify({ event: "done", id, video: where })}\n`);
  else context.io.stdout.write(`${where}\n`);
  return EXIT.ok;
}

function describe(job: Video): string {
  const lines = [
    `${titleOf(job)}`,
    `  id        ${job.id}`,
    `  status    ${job.status}${job.stage && job.status === "running" ? ` (${job.stage}, ${percent(job.progress).trim()})` : ""}`,
    `  format    ${job.request.format}`,
    `  created   ${job.createdAt} (${age(job.createdAt)} ago)`,
    "  stages",
    ...Object.entries(job.stages).map(([name, s]) =>
      `    ${name.padEnd(10)} ${s.status.padEnd(9)} ${formatMs(s.durationMs)}`.trimEnd(),
    ),
  ];
  if (job.error) lines.push(`  error     ${failureAdvice(job).replace(/\n/g, "\n            ")}`);
  const out = job.outputs;
  if (out) {
    lines.push(
      `  video     ${formatSeconds(out.video.durationSeconds)}, ${out.video.width}x${out.video.height}, ${formatBytes(out.video.sizeBytes)}`,
      `            ${out.video.url}`,
    );
    if (out.thumbnail) lines.push(`  thumbnail ${out.thumbnail.url}`);
    if (out.youtube) lines.push(`  youtube   ${out.youtube.url}`);
  }
  return `${lines.join("\n")}\n`;
}

export const videoCommands: Command[] = [
  {
    name: "create",
    usage:
      "create <story.md|story.txt|story.json|-> [options]\n       video-service create --reddit <subreddit> [--post ID] [options]",
    summary: "make a video from a story file or a Reddit post",
    details:
      "A Markdown or text file's first line (or '# heading') is the title, the rest the story; --title\n" +
      "overrides it. A JSON file holds {title, body, comments}. Prints the job id, or with --follow the\n" +
      "stages live and then the MP4's URL (or its path with --output).",
    options: {
      reddit: { type: "string", arg: "SUBREDDIT", help: "a Reddit post of this subreddit (tifu, or tifu+AskReddit)" },
      post: { type: "string", arg: "ID", help: "with --reddit: this post; default the best unused trend" },
      window: { type: "string", arg: "WINDOW", help: "with --reddit: trending window hour|day|week" },
      title: { type: "string", arg: "TEXT", help: "the title (default: the file's first line or heading)" },
      format: { type: "string", arg: "FORMAT", help: `${formatSchema.options.join("|")} (default short)` },
      theme: { type: "string", arg: "THEME", help: themeSchema.options.join("|") },
      captions: { type: "string", arg: "MODE", help: "word|sentence|none" },
      voice: { type: "string", arg: "NAME", help: "voice name (en-us for espeak, Joanna for Polly)" },
      "voice-engine": { type: "string", arg: "ENGINE", help: "espeak|polly" },
      rate: { type: "string", arg: "WPM", help: "speech rate, words per minute" },
      music: { type: "string", arg: "KEY", help: "background music: an object key in storage" },
      "music-volume": { type: "string", arg: "0-1", help: "music volume (default 0.2)" },
      youtube: { type: "string", arg: "PRIVACY", help: "publish to YouTube: private|unlisted|public" },
      webhook: { type: "string", arg: "URL", help: "called when the job ends" },
      "idempotency-key": { type: "string", arg: "KEY", help: "makes re-running this command safe (24 h)" },
      follow: FOLLOW,
      output: OUTPUT,
    },
    async run(context) {
      const request = await createRequest(context);
      const client = context.client();
      const key = context.options["idempotency-key"] as string | undefined;
      const accepted = await client.createVideo(request, key ? { idempotencyKey: key } : {});
      if (context.options.follow) {
        if (!context.json) context.io.stderr.write(`video-service: job ${accepted.id} queued\n`);
        return followToEnd(context, accepted.id);
      }
      context.io.stdout.write(context.json ? json(accepted) : `${accepted.id}\n`);
      if (!context.json && context.io.stdout.isTTY) {
        context.io.stderr.write(`Follow it with: video-service get ${accepted.id} --follow\n`);
      }
      return EXIT.ok;
    },
  },
  {
    name: "list",
    usage: "list [--status STATUS] [--limit N] [--cursor C]",
    summary: "list video jobs, newest first",
    options: {
      status: { type: "string", arg: "STATUS", help: "queued|running|succeeded|failed|cancelled" },
      limit: { type: "string", arg: "N", help: "how many (1-100, default 20)" },
      cursor: { type: "string", arg: "C", help: "the next page (printed after a full page)" },
    },
    async run(context) {
      const o = context.options;
      const page = await context.client().listVideos({
        ...(o.status ? { status: o.status as Video["status"] } : {}),
        ...(o.limit ? { limit: integer(o.limit, "limit") } : {}),
        ...(o.cursor ? { cursor: String(o.cursor) } : {}),
      });
      if (context.json) {
        context.io.stdout.write(json(page));
        return EXIT.ok;
      }
      if (page.data.length === 0) {
        context.io.stderr.write("No video jobs yet. Make one with: video-service create story.md --follow\n");
        return EXIT.ok;
      }
      const rows = page.data.map((job) => [
        job.id,
        job.status,
        job.request.format,
        percent(job.progress).trim(),
        formatSeconds(job.outputs?.video.durationSeconds),
        age(job.createdAt),
        titleOf(job),
      ]);
      context.io.stdout.write(table(["ID", "STATUS", "FORMAT", "DONE", "LENGTH", "AGE", "TITLE"], rows));
      if (page.nextCursor) context.io.stderr.write(`More: video-service list --cursor ${page.nextCursor}\n`);
      return EXIT.ok;
    },
  },
  {
    name: "get",
    usage: "get <id> [--follow [--output PATH]]",
    summary: "show a job: status, stages, error and what to do, outputs",
    options: { follow: FOLLOW, output: OUTPUT },
    async run(context) {
      const id = oneId(context, "get <id>", "job");
      if (context.options.follow) return followToEnd(context, id);
      const job = await context.client().getVideo(id);
      context.io.stdout.write(context.json ? json(job) : describe(job));
      return EXIT.ok;
    },
  },
  {
    name: "retry",
    usage: "retry <id> [--follow [--output PATH]]",
    summary: "run a failed or cancelled job again from the stage that failed",
    options: { follow: FOLLOW, output: OUTPUT },
    async run(context) {
      const id = oneId(context, "retry <id>", "job");
      const job = await context.client().retryVideo(id);
      if (context.options.follow) return followToEnd(context, id);
      context.io.stdout.write(context.json ? json(job) : `${job.id} ${job.status}\n`);
      return EXIT.ok;
    },
  },
  {
    name: "cancel",
    usage: "cancel <id>",
    summary: "cancel a queued or running job",
    options: {},
    async run(context) {
      const id = oneId(context, "cancel <id>", "job");
      const job = await context.client().cancelVideo(id);
      context.io.stdout.write(context.json ? json(job) : `${job.id} ${job.status}\n`);
      return EXIT.ok;
    },
  },
  {
    name: "download",
    usage: "download <id> [--output PATH]",
    summary: "download a finished job's MP4 (default: into the current directory)",
    options: { output: OUTPUT },
    async run(context) {
      const id = oneId(context, "download <id>", "job");
      const client = context.client();
      const job = await client.getVideo(id);
      const where = await download(client, job, (context.options.output as string | undefined) ?? ".", context.io);
      context.io.stdout.write(
        context.json ? json({ id, path: where, bytes: job.outputs?.video.sizeBytes }) : `${where}\n`,
      );
      return EXIT.ok;
    },
  },
];
