import type { GatewayClient } from "@video-service/api-client";
import type { Io } from "./output.ts";

/** Exit codes scripts can rely on (README: "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** The followed job ended failed or cancelled. */
  jobFailed: 1,
  /** Bad arguments, an unreadable file, no API key. */
  usage: 2,
  /** The gateway refused the request (validation 422, conflict 409, other 4xx). */
  rejected: 3,
  /** The API key is missing or wrong (401/403). */
  auth: 4,
  /** No such video job or schedule (404). */
  notFound: 5,
  /** The gateway is down, unreachable, timed out, or failed (5xx). */
  unavailable: 6,
  /** A bug in the CLI. */
  internal: 70,
} as const;

/** A mistake in how the command was called; the message says how to call it. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type OptionSpec = {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** One line for --help; `arg` names the value. */
  help: string;
  arg?: string;
};

export interface CommandContext {
  args: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  io: Io;
  /** The client, made on first use (commands that only print help need no key). */
  client(): GatewayClient;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** More lines for --help. */
  details?: string;
  options: Record<string, OptionSpec>;
  run(context: CommandContext): Promise<number>;
}

/** The one id a command takes (`what` names it in the error: "job", "schedule"). */
export function oneId(context: CommandContext, usage: string, what: string): string {
  const [id, ...extra] = context.args;
  if (!id || extra.length) throw new UsageError(`give one ${what} id: video-service ${usage}`);
  return id;
}
