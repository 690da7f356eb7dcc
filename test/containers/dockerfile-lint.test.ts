import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aptPackages, lintDockerfile, parseDockerfile } from "./dockerfile-lint.ts";
import { createIgnoreMatcher } from "./dockerignore.ts";

/** A Dockerfile that breaks no rule; each case below changes one thing in it. */
const GOOD = `
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json ./
RUN npm ci --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends dumb-init \\
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app ./
COPY services/demo services/demo
USER node
EXPOSE 3000
HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]
ENTRYPOINT ["dumb-init", "--"]
CMD ["node", "services/demo/src/main.ts"]
`;

let context: string;

beforeAll(() => {
  context = mkdtempSync(join(tmpdir(), "dockerfile-lint-"));
  mkdirSync(join(context, "services/demo/src"), { recursive: true });
  writeFileSync(join(context, "package.json"), "{}");
  writeFileSync(join(context, "services/demo/src/main.ts"), "");
  writeFileSync(join(context, "services/demo/src/other.ts"), "");
  writeFileSync(join(context, "secret.env"), "");
});

afterAll(() => {
  rmSync(context, { recursive: true, force: true });
});

function rulesOf(dockerfile: string, options: { ignore?: string } = {}): string[] {
  const findings = lintDockerfile(dockerfile, {
    contextDir: context,
    port: 3000,
    ...(options.ignore === undefined ? {} : { isIgnored: createIgnoreMatcher(options.ignore) }),
  });
  return findings.map((finding) => finding.rule);
}

function replace(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`test setup: ${from} not in the Dockerfile`);
  return text.replace(from, to);
}

describe("parseDockerfile", () => {
  it("joins continuation lines, drops comments inside them, and records the starting line", () => {
    const instructions = parseDockerfile(
      [
        "# syntax note",
        "FROM node:24-slim",
        "RUN echo a \\",
        "  # a comment in the middle",
        "  && echo b",
        'cmd ["x"]',
      ].join("\n"),
    );
    expect(instructions).toEqual([
      { keyword: "FROM", args: "node:24-slim", line: 2 },
      { keyword: "RUN", args: "echo a   && echo b", line: 3 },
      { keyword: "CMD", args: '["x"]', line: 6 },
    ]);
  });

  it("lists the packages of apt-get install", () => {
    expect(aptPackages(parseDockerfile(GOOD))).toEqual(["dumb-init"]);
  });
});

describe("lintDockerfile", () => {
  it("finds nothing wrong in the reference Dockerfile", () => {
    expect(rulesOf(GOOD, { ignore: "*\n!package.json\n!services\n**/test" })).toEqual([]);
  });

  it.each([
    ["an untagged base image", replace(GOOD, "FROM node:24-bookworm-slim\n", "FROM node\n")],
    [
      "a :latest base image",
      replace(GOOD, "FROM node:24-bookworm-slim AS deps", "FROM docker.io/library/node:latest AS deps"),
    ],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile syntax
    ["a base image from a build argument", replace(GOOD, "FROM node:24-bookworm-slim\n", "ARG BASE\nFROM ${BASE}\n")],
  ])("base-image-pinned: %s", (_, dockerfile) => {
    expect(rulesOf(dockerfile)).toEqual(["base-image-pinned"]);
  });

  it("accepts a digest, a registry with a port, an earlier stage and a global ARG default as bases", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const dockerfile = replace(
      GOOD,
      "FROM node:24-bookworm-slim\n",
      `FROM registry.local:5000/node@${digest} AS base\nFROM base\n`,
    )
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile syntax
      .replace("FROM node:24-bookworm-slim AS deps", "FROM ${NODE_IMAGE} AS deps");
    expect(rulesOf(`ARG NODE_IMAGE=node:24-bookworm-slim\n${dockerfile}`)).toEqual([]);
  });

  it("user-non-root: no USER before CMD", () => {
    expect(rulesOf(replace(GOOD, "USER node\n", ""))).toEqual(["user-non-root"]);
  });

  it("user-non-root: USER root (or 0) before CMD", () => {
    expect(rulesOf(replace(GOOD, "USER node\n", "USER node\nUSER 0:0\n"))).toEqual(["user-non-root"]);
  });

  it("user-non-root: USER set only after CMD", () => {
    expect(rulesOf(`${replace(GOOD, "USER node\n", "")}USER node\n`)).toEqual(["user-non-root"]);
  });

  it("cmd-present: no CMD in the final stage", () => {
    expect(rulesOf(replace(GOOD, 'CMD ["node", "services/demo/src/main.ts"]', ""))).toEqual(["cmd-present"]);
  });

  it("apt-no-install-recommends", () => {
    expect(rulesOf(replace(GOOD, "-y --no-install-recommends dumb-init", "-y dumb-init"))).toEqual([
      "apt-no-install-recommends",
    ]);
  });

  it("apt-lists-removed: the lists are left in the layer", () => {
    expect(rulesOf(replace(GOOD, " \\\n && rm -rf /var/lib/apt/lists/*", ""))).toEqual(["apt-lists-removed"]);
  });

  it("apt-lists-removed: removed in a later RUN is too late (the earlier layer keeps them)", () => {
    const dockerfile = replace(GOOD, " \\\n && rm -rf /var/lib/apt/lists/*", "\nRUN rm -rf /var/lib/apt/lists/*");
    expect(rulesOf(dockerfile)).toEqual(["apt-lists-removed"]);
  });

  it("apt-update-alone: update in its own RUN", () => {
    const dockerfile = replace(
      GOOD,
      "RUN apt-get update \\\n && apt-get install",
      "RUN apt-get update\nRUN apt-get install",
    );
    expect(rulesOf(dockerfile)).toEqual(["apt-update-alone"]);
  });

  it("exec-form: CMD and ENTRYPOINT in shell form", () => {
    const dockerfile = replace(GOOD, 'ENTRYPOINT ["dumb-init", "--"]', "ENTRYPOINT dumb-init --").replace(
      'CMD ["node", "services/demo/src/main.ts"]',
      "CMD node services/demo/src/main.ts",
    );
    expect(rulesOf(dockerfile)).toEqual(["exec-form", "exec-form"]);
  });

  it("healthcheck-present: missing, or NONE", () => {
    expect(rulesOf(replace(GOOD, 'HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]\n', ""))).toEqual([
      "healthcheck-present",
    ]);
    expect(rulesOf(replace(GOOD, 'HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]', "HEALTHCHECK NONE"))).toEqual([
      "healthcheck-present",
    ]);
  });

  it("add-url: ADD of a URL", () => {
    expect(rulesOf(replace(GOOD, "USER node", "ADD https://example.com/tool.tgz /opt/\nUSER node"))).toEqual([
      "add-url",
    ]);
  });

  it("sudo in a RUN", () => {
    expect(rulesOf(replace(GOOD, "USER node", "RUN sudo chown node /app\nUSER node"))).toEqual(["sudo"]);
  });

  it("expose-port: another port, none, or more than one", () => {
    expect(rulesOf(replace(GOOD, "EXPOSE 3000", "EXPOSE 8080"))).toEqual(["expose-port"]);
    expect(rulesOf(replace(GOOD, "EXPOSE 3000\n", ""))).toEqual(["expose-port"]);
    expect(rulesOf(replace(GOOD, "EXPOSE 3000", "EXPOSE 3000/tcp 9229"))).toEqual(["expose-port"]);
  });

  it("copy-source-exists: a missing source, one outside the context, one the .dockerignore drops", () => {
    expect(rulesOf(replace(GOOD, "COPY package.json ./", "COPY package.json package-lock.json ./"))).toEqual([
      "copy-source-exists",
    ]);
    expect(rulesOf(replace(GOOD, "COPY package.json ./", "COPY ../package.json ./"))).toEqual(["copy-source-exists"]);
    expect(
      rulesOf(replace(GOOD, "COPY package.json ./", "COPY package.json secret.env ./"), {
        ignore: "*\n!package.json\n!services\n",
      }),
    ).toEqual(["copy-source-exists"]);
  });

  it("copy-source-exists: a glob must match something", () => {
    expect(rulesOf(replace(GOOD, "COPY package.json ./", "COPY package*.json ./"))).toEqual([]);
    expect(rulesOf(replace(GOOD, "COPY package.json ./", "COPY nothing*.json ./"))).toEqual(["copy-source-exists"]);
  });

  it("cmd-script-exists: the script is absent, not copied, or dropped by .dockerignore", () => {
    expect(rulesOf(replace(GOOD, "services/demo/src/main.ts", "services/demo/src/missing.ts"))).toEqual([
      "cmd-script-exists",
    ]);
    // Only another file is copied to the image, so main.ts exists in the context but not in the image.
    expect(
      rulesOf(replace(GOOD, "COPY services/demo services/demo", "COPY services/demo/src/other.ts services/demo/src/")),
    ).toEqual(["cmd-script-exists"]);
    expect(rulesOf(GOOD, { ignore: "**/main.ts" })).toEqual(["cmd-script-exists"]);
  });

  it("cmd-script-exists: resolves the script against WORKDIR and the COPY destinations", () => {
    const dockerfile = replace(GOOD, "COPY services/demo services/demo", "COPY services/demo/src/ /srv/demo/").replace(
      'CMD ["node", "services/demo/src/main.ts"]',
      'WORKDIR /srv\nCMD ["node", "--enable-source-maps", "demo/main.ts"]',
    );
    expect(rulesOf(dockerfile)).toEqual([]);
    expect(rulesOf(dockerfile.replace("WORKDIR /srv\n", ""))).toEqual(["cmd-script-exists"]);
  });
});

describe("createIgnoreMatcher", () => {
  const isIgnored = createIgnoreMatcher(
    ["# comment", "*", "!packages", "**/node_modules", "**/*.test.ts", "docs/*.md", "!docs/keep.md"].join("\n"),
  );

  it.each([
    [".env", true],
    [".git/config", true],
    ["node_modules/x/index.js", true],
    ["packages/config/src/index.ts", false],
    ["packages/config/node_modules/zod/index.js", true],
    ["packages/config/src/index.test.ts", true],
    ["docs/a.md", true],
    ["docs/keep.md", false],
  ])("%s ignored: %s", (path, ignored) => {
    expect(isIgnored(path)).toBe(ignored);
  });

  it("matches from the context root only, unlike .gitignore", () => {
    const rootOnly = createIgnoreMatcher("node_modules\n");
    expect(rootOnly("node_modules/a.js")).toBe(true);
    expect(rootOnly("packages/x/node_modules/a.js")).toBe(false);
  });
});
