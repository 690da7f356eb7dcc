/**
 * A small hadolint-style linter for our Dockerfiles. There is no Docker engine where the tests
 * run, so the images must be right by construction: this parses a Dockerfile the way BuildKit
 * does (line continuations, comments inside them, JSON exec form) and checks the rules below,
 * including that everything COPY reads exists in the build context and survives .dockerignore.
 * Heredocs are not supported (our Dockerfiles do not use them).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { posix } from "node:path";
import type { IgnoreMatcher } from "./dockerignore.ts";

export type RuleId =
  | "base-image-pinned"
  | "user-non-root"
  | "cmd-present"
  | "apt-no-install-recommends"
  | "apt-lists-removed"
  | "apt-update-alone"
  | "exec-form"
  | "healthcheck-present"
  | "add-url"
  | "sudo"
  | "expose-port"
  | "copy-source-exists"
  | "cmd-script-exists";

export interface Finding {
  rule: RuleId;
  /** 1-based line where the offending instruction starts (0: the file as a whole). */
  line: number;
  message: string;
}

/** One instruction, its continuation lines joined. */
export interface Instruction {
  /** Upper case: FROM, RUN, COPY, … */
  keyword: string;
  /** Everything after the keyword, flags included. */
  args: string;
  line: number;
}

export interface Stage {
  from: Instruction;
  /** The image reference as written (after global ARG defaults are substituted). */
  image: string;
  /** The `AS name`, lower-cased, when there is one. */
  name: string | undefined;
  /** The instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface LintOptions {
  /** The build context on disk; enables the checks that COPY sources and the CMD's script exist. */
  contextDir?: string;
  /** What the context leaves out (.dockerignore), by path relative to contextDir. */
  isIgnored?: IgnoreMatcher;
  /** The one port the final image must EXPOSE. */
  port?: number;
}

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  let index = 0;
  while (index < lines.length) {
    const first = lines[index] as string;
    const startLine = index + 1;
    index += 1;
    if (isBlankOrComment(first)) continue;
    let joined = first;
    // A trailing backslash continues the instruction; comment and blank lines inside it are dropped.
    while (/\\\s*$/.test(joined) && index < lines.length) {
      joined = joined.replace(/\\\s*$/, "");
      const next = lines[index] as string;
      index += 1;
      if (isBlankOrComment(next)) {
        joined += "\\";
        continue;
      }
      joined += next;
    }
    joined = joined.replace(/\\\s*$/, "");
    const match = /^\s*(\S+)\s*(.*)$/s.exec(joined);
    if (match)
      instructions.push({
        keyword: (match[1] as string).toUpperCase(),
        args: (match[2] as string).trim(),
        line: startLine,
      });
  }
  return instructions;
}

function isBlankOrComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === "" || trimmed.startsWith("#");
}

export function parseStages(instructions: readonly Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const { rest } = splitFlags(instruction.args);
      const [image = "", as, name] = rest.split(/\s+/);
      stages.push({
        from: instruction,
        image: substituteArgs(image, globalArgs),
        name: as?.toUpperCase() === "AS" ? name?.toLowerCase() : undefined,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword === "ARG") {
        const [name = "", value] = instruction.args.split("=", 2);
        if (value !== undefined) globalArgs.set(name.trim(), value.trim().replace(/^"(.*)"$/, "$1"));
      }
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

function substituteArgs(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    return args.get(braced ?? bare ?? "") ?? whole;
  });
}

/** Leading `--name=value` flags of COPY, ADD, RUN, FROM, HEALTHCHECK. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (let match = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); match; match = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags.set(match[1] as string, match[2] ?? "");
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** The argv of a JSON (exec) form, or undefined for the shell form. */
export function parseExecForm(args: string): string[] | undefined {
  const text = args.trim();
  if (!text.startsWith("[")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The simple commands of a RUN's shell text (split at &&, ||, ;, |), each as words. */
function simpleCommands(runArgs: string): string[][] {
  const { rest } = splitFlags(runArgs);
  const script = parseExecForm(rest)?.join(" ") ?? rest;
  return script
    .split(/&&|\|\||;|\|/)
    .map((command) => command.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0);
}

/** The words of an apt/apt-get command without its `sudo` or `VAR=value` prefixes. */
function aptWords(words: readonly string[]): string[] | undefined {
  const start = words.findIndex((word) => word !== "sudo" && !/^\w+=/.test(word));
  const tool = words[start];
  return tool === "apt-get" || tool === "apt" ? words.slice(start + 1) : undefined;
}

/** Packages named by the `apt-get install` commands of a Dockerfile. */
export function aptPackages(instructions: readonly Instruction[]): string[] {
  const packages: string[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword !== "RUN") continue;
    for (const command of simpleCommands(instruction.args)) {
      const words = aptWords(command);
      if (!words?.includes("install")) continue;
      packages.push(...words.slice(words.indexOf("install") + 1).filter((word) => !word.startsWith("-")));
    }
  }
  return packages;
}

export function lintDockerfile(text: string, options: LintOptions = {}): Finding[] {
  const instructions = parseDockerfile(text);
  const stages = parseStages(instructions);
  const findings: Finding[] = [];
  const finalStage = stages.at(-1);
  if (!finalStage) return [{ rule: "base-image-pinned", line: 0, message: "no FROM instruction" }];

  const stageNames = new Set<string>();
  for (const stage of stages) {
    findings.push(...checkBaseImage(stage, stageNames));
    if (stage.name) stageNames.add(stage.name);
    for (const instruction of stage.instructions) {
      if (instruction.keyword === "RUN") findings.push(...checkRun(instruction));
      if (instruction.keyword === "CMD" || instruction.keyword === "ENTRYPOINT") {
        if (!parseExecForm(instruction.args)) {
          findings.push({
            rule: "exec-form",
            line: instruction.line,
            message: `${instruction.keyword} is in shell form: use a JSON array so signals reach the process`,
          });
        }
      }
      if (instruction.keyword === "ADD") findings.push(...checkAdd(instruction));
      if ((instruction.keyword === "COPY" || instruction.keyword === "ADD") && options.contextDir) {
        findings.push(...checkCopySources(instruction, options.contextDir, options.isIgnored));
      }
    }
  }
  findings.push(...checkFinalStage(finalStage, options));
  return findings.sort((a, b) => a.line - b.line);
}

function checkBaseImage(stage: Stage, earlierStages: ReadonlySet<string>): Finding[] {
  const image = stage.image;
  const line = stage.from.line;
  if (image === "scratch" || earlierStages.has(image.toLowerCase())) return [];
  if (image.includes("$")) {
    return [{ rule: "base-image-pinned", line, message: `base image ${image} depends on a build argument` }];
  }
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return [];
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : undefined;
  if (tag === undefined) return [{ rule: "base-image-pinned", line, message: `base image ${image} has no tag` }];
  if (tag === "latest") return [{ rule: "base-image-pinned", line, message: `base image ${image} uses :latest` }];
  return [];
}

function checkRun(instruction: Instruction): Finding[] {
  const findings: Finding[] = [];
  const line = instruction.line;
  const commands = simpleCommands(instruction.args);
  const isRemoveLists = (words: readonly string[]) =>
    words[0] === "rm" &&
    words.some((word) => /^-[a-zA-Z]*r/.test(word) || word === "--recursive") &&
    words.some((word) => /^-[a-zA-Z]*f/.test(word) || word === "--force") &&
    words.includes("/var/lib/apt/lists/*");

  commands.forEach((words, position) => {
    if (words.includes("sudo")) {
      findings.push({ rule: "sudo", line, message: "sudo in RUN: build steps already run as root; use USER" });
    }
    const apt = aptWords(words);
    if (!apt) return;
    const later = commands.slice(position + 1);
    if (apt.includes("install")) {
      if (!apt.includes("--no-install-recommends")) {
        findings.push({
          rule: "apt-no-install-recommends",
          line,
          message: "apt-get install without --no-install-recommends",
        });
      }
      if (!later.some(isRemoveLists)) {
        findings.push({
          rule: "apt-lists-removed",
          line,
          message: "apt-get install not followed by rm -rf /var/lib/apt/lists/* in the same RUN",
        });
      }
    }
    if (apt.includes("update") && !later.some((next) => aptWords(next)?.includes("install"))) {
      findings.push({
        rule: "apt-update-alone",
        line,
        message: "apt-get update without an install after it in the same RUN (its cached layer goes stale)",
      });
    }
  });
  return findings;
}

function checkAdd(instruction: Instruction): Finding[] {
  const { sources } = copyOperands(instruction);
  return sources
    .filter((source) => /^(?:https?|ftp|git):\/\//i.test(source) || /^git@/.test(source))
    .map((source) => ({
      rule: "add-url" as const,
      line: instruction.line,
      message: `ADD ${source} fetches from the network: download in a RUN with a checksum, or COPY`,
    }));
}

function copyOperands(instruction: Instruction): { flags: Map<string, string>; sources: string[]; dest: string } {
  const { flags, rest } = splitFlags(instruction.args);
  const words = parseExecForm(rest) ?? rest.split(/\s+/).filter(Boolean);
  return { flags, sources: words.slice(0, -1), dest: words.at(-1) ?? "" };
}

function contextPath(source: string): string {
  return posix.normalize(source.replace(/^\/+/, "")).replace(/\/+$/, "") || ".";
}

function checkCopySources(instruction: Instruction, contextDir: string, isIgnored?: IgnoreMatcher): Finding[] {
  const { flags, sources } = copyOperands(instruction);
  // From another stage or image: not the build context.
  if (flags.has("from")) return [];
  const findings: Finding[] = [];
  const line = instruction.line;
  for (const source of sources) {
    if (/^(?:https?|ftp|git):\/\//i.test(source) || /^git@/.test(source)) continue;
    const relative = contextPath(source);
    if (relative === ".." || relative.startsWith("../")) {
      findings.push({ rule: "copy-source-exists", line, message: `${source} is outside the build context` });
      continue;
    }
    const matches = /[*?[]/.test(relative) ? globLastSegment(contextDir, relative) : [relative];
    const present = matches.filter((match) => existsSync(posix.join(contextDir, match)));
    if (present.length === 0) {
      findings.push({ rule: "copy-source-exists", line, message: `${source} does not exist in the build context` });
    } else if (isIgnored && present.every((match) => isIgnored(match))) {
      findings.push({ rule: "copy-source-exists", line, message: `${source} is excluded by .dockerignore` });
    }
  }
  return findings;
}

/** Context paths matching a source whose wildcards are in its last segment (as in `COPY package*.json`). */
function globLastSegment(contextDir: string, pattern: string): string[] {
  const directory = posix.dirname(pattern);
  if (/[*?[]/.test(directory)) return [];
  const onDisk = posix.join(contextDir, directory);
  if (!existsSync(onDisk) || !statSync(onDisk).isDirectory()) return [];
  const name = new RegExp(
    `^${posix
      .basename(pattern)
      .replace(/[.+^${}()|\\/]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return readdirSync(onDisk)
    .filter((entry) => name.test(entry))
    .map((entry) => posix.join(directory, entry));
}

function checkFinalStage(stage: Stage, options: LintOptions): Finding[] {
  const findings: Finding[] = [];
  const instructions = stage.instructions;
  const cmdIndex = instructions.findLastIndex((instruction) => instruction.keyword === "CMD");
  const cmd = instructions[cmdIndex];

  if (!cmd) {
    findings.push({ rule: "cmd-present", line: stage.from.line, message: "the final stage has no CMD" });
  } else {
    const user = instructions.slice(0, cmdIndex).findLast((instruction) => instruction.keyword === "USER");
    const name = user?.args.split(":")[0]?.trim();
    if (!user) {
      findings.push({ rule: "user-non-root", line: cmd.line, message: "no USER before CMD: the process runs as root" });
    } else if (name === "root" || name === "0") {
      findings.push({ rule: "user-non-root", line: user.line, message: `USER ${user.args} runs the process as root` });
    }
    if (options.contextDir) findings.push(...checkCmdScript(stage, cmdIndex, options.contextDir, options.isIgnored));
  }

  const healthcheck = instructions.findLast((instruction) => instruction.keyword === "HEALTHCHECK");
  if (!healthcheck || /^NONE$/i.test(healthcheck.args.trim())) {
    findings.push({
      rule: "healthcheck-present",
      line: healthcheck?.line ?? 0,
      message: "the final stage has no HEALTHCHECK",
    });
  }

  if (options.port !== undefined) {
    const exposes = instructions.filter((instruction) => instruction.keyword === "EXPOSE");
    const ports = exposes.flatMap((instruction) =>
      instruction.args.split(/\s+/).map((port) => Number(port.replace(/\/(tcp|udp)$/i, ""))),
    );
    if (ports.length !== 1 || ports[0] !== options.port) {
      findings.push({
        rule: "expose-port",
        line: exposes[0]?.line ?? 0,
        message: `EXPOSE ${ports.join(" ") || "(none)"}: expected exactly ${options.port}`,
      });
    }
  }
  return findings;
}

/** The script of a `node … script.ts` CMD must reach the image through a COPY of the final stage. */
function checkCmdScript(stage: Stage, cmdIndex: number, contextDir: string, isIgnored?: IgnoreMatcher): Finding[] {
  const cmd = stage.instructions[cmdIndex] as Instruction;
  const argv = parseExecForm(cmd.args);
  if (!argv || posix.basename(argv[0] ?? "") !== "node") return [];
  const script = argv.slice(1).find((arg) => !arg.startsWith("-"));
  if (!script) return [{ rule: "cmd-script-exists", line: cmd.line, message: "CMD runs node without a script" }];

  let workdir = "/";
  const candidates: string[] = [];
  let imagePath = "";
  for (const [index, instruction] of stage.instructions.entries()) {
    if (instruction.keyword === "WORKDIR") workdir = posix.resolve(workdir, instruction.args.trim());
    if (index === cmdIndex) imagePath = posix.resolve(workdir, script);
  }
  workdir = "/";
  for (const instruction of stage.instructions.slice(0, cmdIndex)) {
    if (instruction.keyword === "WORKDIR") workdir = posix.resolve(workdir, instruction.args.trim());
    if (instruction.keyword !== "COPY") continue;
    const { flags, sources, dest } = copyOperands(instruction);
    if (flags.has("from")) continue;
    const destination = posix.resolve(workdir, dest);
    for (const source of sources) {
      const relative = contextPath(source);
      const onDisk = posix.join(contextDir, relative);
      if (!existsSync(onDisk)) continue;
      if (statSync(onDisk).isDirectory()) {
        if (imagePath.startsWith(`${destination}/`)) {
          candidates.push(posix.join(relative, posix.relative(destination, imagePath)));
        }
      } else {
        const target = dest.endsWith("/") ? posix.join(destination, posix.basename(relative)) : destination;
        if (target === imagePath) candidates.push(relative);
      }
    }
  }
  const copied = candidates.find(
    (candidate) => existsSync(posix.join(contextDir, candidate)) && !isIgnored?.(candidate),
  );
  if (copied) return [];
  return [
    {
      rule: "cmd-script-exists",
      line: cmd.line,
      message: `CMD runs ${imagePath}, which no COPY of the final stage brings from the build context`,
    },
  ];
}
