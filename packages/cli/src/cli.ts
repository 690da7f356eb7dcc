import { parseArgs } from "node:util";
import {
  createGatewayClient,
  type GatewayClient,
  GatewayError,
  GatewayUnreachableError,
} from "@video-service/api-client";
import { z } from "zod";
import { type Command, type CommandContext, EXIT, type OptionSpec, UsageError } from "./command.ts";
import type { Io } from "./output.ts";
import { scheduleCommands, trendsCommand } from "./schedules.commands.ts";
import { videoCommands } from "./videos.commands.ts";

/** The environment the CLI reads (flags win). */
export const cliEnvSchema = z.object({
  VIDEO_SERVICE_URL: z.string().optional(),
  VIDEO_SERVICE_API_KEY: z.string().optional(),
  VIDEO_SERVICE_TIMEOUT_MS: z.coerce.number().int().min(1).optional(),
});
export type CliEnv = z.infer<typeof cliEnvSchema>;

export const DEFAULT_URL = "http://127.0.0.1:3000";

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: "string", arg: "URL", help: `the gateway (env VIDEO_SERVICE_URL; default ${DEFAULT_URL})` },
  "api-key": { type: "string", arg: "KEY", help: "one of the gateway's API_KEYS (env VIDEO_SERVICE_API_KEY)" },
  json: { type: "boolean", help: "print JSON for scripts instead of text" },
  help: { type: "boolean", short: "h", help: "show help" },
};

export { EXIT, UsageError };

export const COMMANDS: Command[] = [...videoCommands, trendsCommand, ...scheduleCommands];

function optionLines(options: Record<string, OptionSpec>): string {
  return Object.entries(options)
    .map(([name, spec]) => {
      const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.arg ? ` ${spec.arg}` : ""}`;
      return `  ${flag.padEnd(30)} ${spec.help}`;
    })
    .join("\n");
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `video-service: make, follow, download and schedule narrated videos through the gateway's API.

Usage: video-service <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Options of every command:
${optionLines(GLOBAL_OPTIONS)}

Exit codes: 0 ok, 1 the job failed or was cancelled, 2 bad usage, 3 request refused (4xx),
4 bad or missing API key, 5 not found, 6 gateway unreachable or failing (5xx), 70 internal error.

Run 'video-service <command> --help' for a command's options.
`;
}

export function commandHelp(command: Command): string {
  return `Usage: video-service ${command.usage}

${command.summary}
${command.details ? `\n${command.details}\n` : ""}
Options:
${optionLines(command.options)}
${optionLines(GLOBAL_OPTIONS)}
`;
}

/** The command a word (or two, "schedules create") names; undefined when none. */
function findCommand(positionals: string[]): { command: Command; rest: string[] } | undefined {
  const two = `${positionals[0]} ${positionals[1]}`;
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return { command: byTwo, rest: positionals.slice(2) };
  const byOne = COMMANDS.find((c) => c.name === positionals[0]);
  return byOne ? { command: byOne, rest: positionals.slice(1) } : undefined;
}

/** What a failure means for the user, and the exit code that says it to scripts. */
export function describeFailure(err: unknown, baseUrl: string): { message: string; code: number } {
  if (err instanceof UsageError) return { message: err.message, code: EXIT.usage };
  if (err instanceof GatewayUnreachableError) {
    return {
      message: `${err.message}\nIs the gateway running? Start one with 'make dev', or point --url (or VIDEO_SERVICE_URL) at yours.`,
      code: EXIT.unavailable,
    };
  }
  if (err instanceof GatewayError) {
    const { problem } = err;
    const fields = (problem.errors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join("");
    const text = `${problem.title}${problem.detail ? `: ${problem.detail}` : ""}${fields}`;
    if (err.status === 401 || err.status === 403) {
      return {
        message: `the gateway at ${baseUrl} refused the API key (${text}).\nPass one of its API_KEYS with --api-key or VIDEO_SERVICE_API_KEY.`,
        code: EXIT.auth,
      };
    }
    if (err.status === 404)
      return { message: `${text}\nList what exists with 'video-service list'.`, code: EXIT.notFound };
    if (err.status >= 500) {
      return { message: `the gateway failed: ${text}\nTry again later; its logs say more.`, code: EXIT.unavailable };
    }
    return { message: text, code: EXIT.rejected };
  }
  if ((err as Error)?.name === "AbortError" || (err as Error)?.message === "interrupted") {
    return { message: "interrupted", code: 130 };
  }
  return { message: `unexpected error: ${(err as Error)?.stack ?? String(err)}`, code: EXIT.internal };
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function runCli(argv: string[], io: Io & { env: CliEnv }): Promise<number> {
  const fail = (message: string, code: number) => {
    io.stderr.write(`video-service: ${message}\n`);
    return code;
  };
  // First pass: find the command (its own options are parsed with it below).
  const loose = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const found = findCommand(loose.positionals);
  if (!found) {
    if (loose.positionals.length === 0) {
      io.stdout.write(mainHelp());
      return loose.values.help ? EXIT.ok : EXIT.usage;
    }
    return fail(
      `unknown command '${loose.positionals.join(" ")}'. Run 'video-service --help' for the list.`,
      EXIT.usage,
    );
  }
  const { command } = found;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    return fail(`${(err as Error).message}\nRun 'video-service ${command.name} --help'.`, EXIT.usage);
  }
  if (parsed.values.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const baseUrl = String(parsed.values.url ?? io.env.VIDEO_SERVICE_URL ?? DEFAULT_URL);
  let client: GatewayClient | undefined;
  const context: CommandContext = {
    args: parsed.positionals.slice(command.name.split(" ").length),
    options: parsed.values as CommandContext["options"],
    json: parsed.values.json === true,
    io,
    client() {
      const apiKey = (parsed.values["api-key"] as string | undefined) ?? io.env.VIDEO_SERVICE_API_KEY;
      if (!apiKey) throw new UsageError("no API key: pass --api-key KEY or set VIDEO_SERVICE_API_KEY.");
      try {
        new URL(baseUrl);
      } catch {
        throw new UsageError(`--url '${baseUrl}' is not a URL; use e.g. ${DEFAULT_URL}.`);
      }
      client ??= createGatewayClient({
        baseUrl,
        apiKey,
        ...(io.env.VIDEO_SERVICE_TIMEOUT_MS ? { timeoutMs: io.env.VIDEO_SERVICE_TIMEOUT_MS } : {}),
      });
      return client;
    },
  };
  try {
    return await command.run(context);
  } catch (err) {
    const { message, code } = describeFailure(err, baseUrl);
    return fail(message, code);
  }
}
