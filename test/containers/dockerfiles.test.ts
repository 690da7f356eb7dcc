/**
 * The three real Dockerfiles, checked without Docker: the linter finds nothing, the dependency
 * stage installs exactly this service's production dependencies from manifests that match the
 * lockfile, the runtime stage has the system packages the service needs (and they exist in
 * Debian bookworm, when this machine's apt lists can tell), and .dockerignore keeps host files out.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  aptPackages,
  type Instruction,
  lintDockerfile,
  parseDockerfile,
  parseStages,
  splitFlags,
} from "./dockerfile-lint.ts";
import { createIgnoreMatcher } from "./dockerignore.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");
const isIgnored = createIgnoreMatcher(read(".dockerignore"));

const SERVICES = [
  { name: "gateway", port: 3000, apt: ["dumb-init"] },
  { name: "imagegen", port: 3001, apt: ["dumb-init", "fontconfig", ...fonts()] },
  {
    name: "renderer",
    port: 3002,
    apt: ["dumb-init", "ffmpeg", "espeak-ng", "libespeak-ng1", "fontconfig", ...fonts()],
  },
] as const;

/** Latin, emoji, CJK, Arabic and Hebrew: the same fonts scripts/setup.sh installs for `make demo`. */
function fonts() {
  return ["fonts-dejavu-core", "fonts-noto-core", "fonts-noto-color-emoji", "fonts-noto-cjk"] as const;
}

/** Every workspace of the root package.json (`packages/*`, `services/*`), as directories. */
function workspaces(): string[] {
  const globs: string[] = JSON.parse(read("package.json")).workspaces;
  return globs.flatMap((glob) => {
    const parent = glob.replace(/\/\*$/, "");
    return readdirSync(`${root}${parent}`)
      .map((entry) => `${parent}/${entry}`)
      .filter((directory) => existsSync(`${root}${directory}/package.json`));
  });
}

function copies(instructions: readonly Instruction[]): { sources: string[]; dest: string; from?: string }[] {
  return instructions
    .filter((instruction) => instruction.keyword === "COPY")
    .map((instruction) => {
      const { flags, rest } = splitFlags(instruction.args);
      const words = rest.split(/\s+/);
      const from = flags.get("from");
      return { sources: words.slice(0, -1), dest: words.at(-1) ?? "", ...(from === undefined ? {} : { from }) };
    });
}

function envOf(instructions: readonly Instruction[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of instructions.filter((each) => each.keyword === "ENV")) {
    for (const [, name, value] of instruction.args.matchAll(/(\w+)=(\S+)/g)) env.set(name as string, value as string);
  }
  return env;
}

/** The directories the workspace globs of the root package.json name (`packages/*` → packages). */
function workspaceParents(): string[] {
  const globs: string[] = JSON.parse(read("package.json")).workspaces;
  return globs.map((glob) => glob.replace(/\/\*$/, "")).sort();
}

describe.each(SERVICES)("services/$name/Dockerfile", ({ name, port, apt }) => {
  const text = read(`services/${name}/Dockerfile`);
  const stages = parseStages(parseDockerfile(text));
  const manifests = stages.find((stage) => stage.name === "manifests");
  const deps = stages.find((stage) => stage.name === "deps");
  const runtime = stages.at(-1);

  it("passes the linter (context = repository root, with .dockerignore)", () => {
    expect(lintDockerfile(text, { contextDir: root, isIgnored, port })).toEqual([]);
  });

  it("has manifests, deps and runtime stages, all on the NODE_IMAGE build argument (default node:24-bookworm-slim)", () => {
    expect(stages.map((stage) => stage.name)).toEqual(["manifests", "deps", undefined]);
    expect(stages.map((stage) => stage.image)).toEqual(Array(3).fill("node:24-bookworm-slim"));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile's ${ARG}, not JavaScript's
    expect(stages.map((stage) => stage.from.args.split(/\s+/)[0])).toEqual(Array(3).fill("${NODE_IMAGE}"));
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
  });

  it("extracts every workspace manifest by glob (new packages need no edit), then copies them with the lockfile", () => {
    expect(workspaces().length).toBeGreaterThanOrEqual(3);
    // The manifests stage copies the workspace directories whole and keeps only their package.json.
    const copied = copies(manifests?.instructions ?? []);
    expect(copied.map((copy) => copy.sources.join(" ")).sort()).toEqual(workspaceParents());
    const keep = manifests?.instructions.find((instruction) => instruction.keyword === "RUN")?.args ?? "";
    expect(keep).toBe(
      `find ${workspaceParents().join(" ")} -mindepth 2 -maxdepth 2 -not -name package.json -exec rm -rf {} +`,
    );
    expect(copies(deps?.instructions ?? [])).toEqual([
      { sources: ["package.json", "package-lock.json"], dest: "./" },
      { sources: ["/app"], dest: "./", from: "manifests" },
      { sources: ["scripts/containers/prune-node-modules.ts"], dest: "scripts/containers/" },
    ]);
  });

  it("uses the optional npm CA secret only when it is given, and prunes node_modules", () => {
    const run = deps?.instructions.find((instruction) => instruction.keyword === "RUN")?.args ?? "";
    expect(run).toContain("--mount=type=secret,id=npm_ca ");
    expect(run).toContain("if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi");
    expect(run).toContain(
      "node scripts/containers/prune-node-modules.ts node_modules packages/*/node_modules services/*/node_modules",
    );
  });

  it("installs only production dependencies of this service and the shared packages", () => {
    const run = deps?.instructions.find((instruction) => instruction.keyword === "RUN")?.args ?? "";
    const words = run.split(/\s+/);
    expect(words).toEqual(expect.arrayContaining(["npm", "ci", "--omit=dev", "--include-workspace-root=false"]));
    const selected = words.flatMap((word, index) => (word === "--workspace" ? [words[index + 1]] : []));
    expect(selected).toEqual(["packages", `services/${name}`]);
  });

  it("installs exactly the system packages the service needs", () => {
    expect(aptPackages(runtime?.instructions ?? []).sort()).toEqual([...apt].sort());
    expect(aptPackages(deps?.instructions ?? [])).toEqual([]);
    expect(aptPackages(manifests?.instructions ?? [])).toEqual([]);
  });

  it("brings node_modules from the dependency stage and the sources from the context", () => {
    expect(copies(runtime?.instructions ?? [])).toEqual([
      { sources: ["/app"], dest: "./", from: "deps" },
      { sources: ["packages"], dest: "packages" },
      { sources: [`services/${name}`], dest: `services/${name}` },
    ]);
  });

  it("runs in production mode on all interfaces, as node, under dumb-init", () => {
    const instructions = runtime?.instructions ?? [];
    const env = envOf(instructions);
    expect(env.get("NODE_ENV")).toBe("production");
    expect(env.get("HOST")).toBe("0.0.0.0");
    expect(env.get("PORT")).toBe(String(port));
    expect(env.get("STORAGE_DIR")).toBe("/data/storage");
    const last = (keyword: string) => instructions.findLast((instruction) => instruction.keyword === keyword)?.args;
    expect(last("WORKDIR")).toBe("/app");
    expect(last("USER")).toBe("node");
    expect(JSON.parse(last("ENTRYPOINT") ?? "null")).toEqual(["dumb-init", "--single-child", "--"]);
    expect(JSON.parse(last("CMD") ?? "null")).toEqual(["node", `services/${name}/src/main.ts`]);
    expect(last("HEALTHCHECK")).toContain(`fetch('http://127.0.0.1:${port}/healthz')`);
  });
});

describe("the three Dockerfiles", () => {
  // Dockerfiles cannot include one another: the stages they share are kept identical by this test.
  it("share the same base argument and manifests stage", () => {
    const shared = SERVICES.map(({ name }) => {
      const text = read(`services/${name}/Dockerfile`);
      return text.slice(text.indexOf("ARG NODE_IMAGE"), text.indexOf("# ---- deps"));
    });
    expect(shared[0]).toContain("AS manifests");
    expect(new Set(shared).size).toBe(1);
  });
});

describe(".dockerignore", () => {
  it.each([
    "node_modules/zod/package.json",
    "packages/telemetry/node_modules/x/index.js",
    "services/renderer/node_modules/x/index.js",
    ".git/HEAD",
    ".env",
    ".env.local",
    "services/gateway/.env",
    ".data/storage/videos/short/a.mp4",
    ".tmp/x",
    "coverage/index.html",
    "npm-debug.log",
    "services/renderer/src/render/render.test.ts",
    "services/renderer/test/fixtures/a.wav",
    "test/containers/compose.test.ts",
    "docs/README.md",
    "scripts/demo.ts",
    "scripts/containers/images.sh",
    "infra/otel/collector.yaml",
    "test/containers/stack/run.ts",
  ])("leaves out %s", (path) => {
    expect(isIgnored(path)).toBe(true);
  });

  it.each([
    "package.json",
    "package-lock.json",
    "packages/config/package.json",
    "packages/config/src/index.ts",
    "services/renderer/src/main.ts",
    "services/gateway/src/api/video.schemas.ts",
    "scripts/containers/prune-node-modules.ts",
    "infra/offline/otlp-receiver.ts",
  ])("keeps %s", (path) => {
    expect(isIgnored(path)).toBe(false);
  });
});

/** Candidate versions by package name, from one `apt-cache policy` call (absent: no such package). */
function aptCandidates(names: readonly string[]): Map<string, string> {
  const policy = spawnSync("apt-cache", ["policy", ...names], { encoding: "utf8" });
  const candidates = new Map<string, string>();
  if (policy.status !== 0) return candidates;
  for (const [, name, candidate] of policy.stdout.matchAll(/^(\S+):\n\s+Installed: .*\n\s+Candidate: (.*)$/gm)) {
    if (candidate !== "(none)") candidates.set(name as string, candidate as string);
  }
  return candidates;
}

const aptNames = [...new Set(SERVICES.flatMap((service) => service.apt))];
const misspelt = "fonts-noto-emoji-colour";
const candidates = aptCandidates([...aptNames, misspelt]);

// Needs this machine's apt lists (Debian 12, after apt-get update); the images' base is bookworm too.
describe.skipIf(!candidates.has("dumb-init"))("the apt packages exist in this machine's Debian", () => {
  it.each(aptNames)("%s", (name) => {
    expect(candidates.get(name)).toBeDefined();
  });

  it("a misspelt package has no candidate (so the check above can fail)", () => {
    expect(candidates.has(misspelt)).toBe(false);
  });
});
