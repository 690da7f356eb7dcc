/** infra/otel/collector.yaml: every pipeline is wired to components that are defined, and back. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";

const path = fileURLToPath(new URL("../../infra/otel/collector.yaml", import.meta.url));

interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}
interface CollectorConfig {
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  service?: { extensions?: string[]; pipelines?: Record<string, Pipeline> };
}

const KINDS = ["receivers", "processors", "exporters"] as const;

function load(): CollectorConfig {
  const document = parseDocument(readFileSync(path, "utf8"));
  expect(document.errors).toEqual([]);
  return document.toJS() as CollectorConfig;
}

/** Components a pipeline names that are not defined, and defined ones no pipeline uses. */
function wiringProblems(config: CollectorConfig): string[] {
  const problems: string[] = [];
  const pipelines = Object.entries(config.service?.pipelines ?? {});
  if (pipelines.length === 0) problems.push("no pipelines");
  for (const [name, pipeline] of pipelines) {
    for (const kind of KINDS) {
      const ids = pipeline[kind] ?? [];
      if (kind !== "processors" && ids.length === 0) problems.push(`pipeline ${name} has no ${kind}`);
      for (const id of ids) {
        if (!Object.hasOwn(config[kind] ?? {}, id)) problems.push(`pipeline ${name} uses undefined ${kind} ${id}`);
      }
    }
  }
  for (const kind of KINDS) {
    for (const id of Object.keys(config[kind] ?? {})) {
      if (!pipelines.some(([, pipeline]) => pipeline[kind]?.includes(id))) problems.push(`${kind} ${id} is unused`);
    }
  }
  for (const id of config.service?.extensions ?? []) {
    if (!Object.hasOwn(config.extensions ?? {}, id)) problems.push(`undefined extension ${id}`);
  }
  return problems;
}

describe("the collector configuration for docker compose", () => {
  it("wires the OTLP receiver through the traces pipeline to the debug exporter", () => {
    const config = load();
    expect(wiringProblems(config)).toEqual([]);
    expect(config.service?.pipelines?.traces).toMatchObject({ receivers: ["otlp"], exporters: ["debug"] });
  });

  it("receives OTLP over HTTP on 4318 on every interface, so other containers reach it", () => {
    const config = load();
    expect(config.receivers?.otlp).toEqual({ protocols: { http: { endpoint: "0.0.0.0:4318" } } });
  });

  it("limits memory before batching (the memory limiter must come first)", () => {
    expect(load().service?.pipelines?.traces?.processors).toEqual(["memory_limiter", "batch"]);
  });

  it("the wiring check finds undefined, unused and missing components", () => {
    expect(
      wiringProblems({
        receivers: { otlp: {} },
        exporters: { debug: {}, awsxray: {} },
        service: {
          extensions: ["health_check"],
          pipelines: { traces: { receivers: ["otlp", "zipkin"], exporters: [] } },
        },
      }),
    ).toEqual([
      "pipeline traces uses undefined receivers zipkin",
      "pipeline traces has no exporters",
      "exporters debug is unused",
      "exporters awsxray is unused",
      "undefined extension health_check",
    ]);
  });
});
