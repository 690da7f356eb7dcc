/**
 * The override files, checked without Docker (make test-containers runs the offline one for
 * real): docker-compose.offline.yml replaces exactly the two Docker Hub images with stand-ins
 * built from Dockerfiles that pass the linter; docker-compose.traces.yml adds Jaeger on the
 * loopback interface and feeds it from the collector, whose merged configuration is wired.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import {
  type CollectorConfig,
  loadCollectorConfig,
  mergeCollectorConfigs,
  wiringProblems,
} from "./collector-config.ts";
import { interpolateDocument, parseEnvExample } from "./compose-interpolation.ts";
import { composeValidator } from "./compose-schema.ts";
import { lintDockerfile, parseDockerfile, parseStages } from "./dockerfile-lint.ts";
import { createIgnoreMatcher } from "./dockerignore.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}
interface ComposeFile {
  services: Record<string, Service>;
}

function load(path: string): ComposeFile {
  const document = parseDocument(read(path), { merge: true });
  expect(document.errors).toEqual([]);
  // Variables keep their defaults (none of these files requires one).
  return interpolateDocument(document.toJS(), {}) as ComposeFile;
}

const base = parseDocument(read("docker-compose.yml"), { merge: true }).toJS() as ComposeFile;

describe.each(["docker-compose.offline.yml", "docker-compose.traces.yml"])("%s", (path) => {
  it("validates against the Compose specification and names only documented variables", () => {
    const validate = composeValidator();
    expect(validate(load(path))).toBe(true);
    const documented = parseEnvExample(read(".env.example")).documented;
    const used = [...read(path).matchAll(/\$\{(\w+)/g)].map((match) => match[1] as string);
    expect(used.filter((name) => !documented.has(name))).toEqual([]);
  });
});

describe("docker-compose.offline.yml", () => {
  const offline = load("docker-compose.offline.yml");

  it("stands in for exactly the services docker-compose.yml pulls from Docker Hub", () => {
    const pulled = Object.entries(base.services).filter(([, service]) => service.build === undefined);
    expect(Object.keys(offline.services).sort()).toEqual(pulled.map(([name]) => name).sort());
  });

  it.each(Object.keys(load("docker-compose.offline.yml").services))(
    "%s is built from a Dockerfile that passes the linter",
    (name) => {
      const service = offline.services[name] as Service;
      expect(service.image).toMatch(/^video-service\/[\w-]+:local$/);
      const { context = ".", dockerfile = "" } = service.build ?? {};
      const atRoot = context === ".";
      const text = read(atRoot ? dockerfile : `${context}/${dockerfile}`);
      // Only the repository root has a .dockerignore.
      const options = atRoot
        ? { contextDir: root, isIgnored: createIgnoreMatcher(read(".dockerignore")) }
        : { contextDir: `${root}${context}` };
      expect(lintDockerfile(text, options)).toEqual([]);
      // Its base is a build argument whose default is the public image.
      const [stage] = parseStages(parseDockerfile(text));
      expect(stage?.image).toMatch(/^(debian:bookworm-slim|node:24-bookworm-slim)$/);
    },
  );

  it("runs the OTLP receiver with the command its Dockerfile has, on the collector's port", () => {
    const receiver = offline.services["otel-collector"] as Service;
    const stages = parseStages(parseDockerfile(read("infra/offline/otlp-receiver.Dockerfile")));
    const cmd = stages.at(-1)?.instructions.findLast((instruction) => instruction.keyword === "CMD")?.args;
    expect(receiver.command).toEqual(JSON.parse(cmd ?? "null"));
    expect(read("infra/offline/otlp-receiver.ts")).toContain("const PORT = 4318;");
    expect(base.services.gateway?.environment).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4318",
    });
  });
});

describe("docker-compose.traces.yml", () => {
  const traces = load("docker-compose.traces.yml");
  const jaeger = traces.services.jaeger as Service;
  const collector = traces.services["otel-collector"] as Service;

  it("runs a pinned Jaeger whose UI is published on the loopback interface only", () => {
    expect(jaeger.image).toMatch(/^jaegertracing\/jaeger:\d+\.\d+\.\d+$/);
    expect(jaeger.ports).toEqual(["127.0.0.1:16686:16686"]);
    expect(jaeger.command).toContain("--set=receivers.otlp.protocols.http.endpoint=0.0.0.0:4318");
  });

  it("gives the collector both configurations, each mounted where its --config points", () => {
    const mounts = [...(base.services["otel-collector"]?.volumes ?? []), ...(collector.volumes ?? [])];
    const targets = mounts.map((mount) => mount.split(":")[1]);
    const configs = (collector.command ?? []).map((arg) => arg.replace(/^--config=/, ""));
    expect(configs).toEqual(["/etc/otelcol-contrib/config.yaml", "/etc/otelcol-contrib/jaeger.yaml"]);
    for (const config of configs) expect(targets).toContain(config);
    expect(collector.depends_on).toEqual({ jaeger: { condition: "service_started" } });
  });

  it("the merged collector configuration exports to the debug log and to Jaeger's OTLP/HTTP receiver", () => {
    const merged = mergeCollectorConfigs(
      loadCollectorConfig(`${root}infra/otel/collector.yaml`),
      loadCollectorConfig(`${root}infra/otel/jaeger.yaml`),
    ) as CollectorConfig;
    expect(wiringProblems(merged)).toEqual([]);
    expect(merged.service?.pipelines?.traces).toMatchObject({
      receivers: ["otlp"],
      processors: ["memory_limiter", "batch"],
      exporters: ["debug", "otlphttp/jaeger"],
    });
    expect(merged.exporters?.["otlphttp/jaeger"]).toMatchObject({ endpoint: "http://jaeger:4318" });
  });

  it("merging replaces lists and merges maps, as the collector does", () => {
    expect(mergeCollectorConfigs({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });
});
