/** OpenTelemetry Collector configurations: loading, merging several files, checking their wiring. */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";

export interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}
export interface CollectorConfig {
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  service?: { extensions?: string[]; pipelines?: Record<string, Pipeline> };
}

const KINDS = ["receivers", "processors", "exporters"] as const;

export function loadCollectorConfig(path: string): CollectorConfig {
  const document = parseDocument(readFileSync(path, "utf8"));
  if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map(String).join("; ")}`);
  return document.toJS() as CollectorConfig;
}

/**
 * What the collector runs when given several --config files: maps merged key by key, the later
 * file winning; any other value (lists included) replaced whole.
 */
export function mergeCollectorConfigs(base: unknown, over: unknown): unknown {
  const isMap = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isMap(base) || !isMap(over)) return over;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = mergeCollectorConfigs(base[key], value);
  return merged;
}

/** Components a pipeline names that are not defined, and defined ones no pipeline uses. */
export function wiringProblems(config: CollectorConfig): string[] {
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
