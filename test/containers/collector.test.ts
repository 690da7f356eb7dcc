/** infra/otel/collector.yaml: every pipeline is wired to components that are defined, and back. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCollectorConfig, wiringProblems } from "./collector-config.ts";

const path = fileURLToPath(new URL("../../infra/otel/collector.yaml", import.meta.url));
const load = () => loadCollectorConfig(path);

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
