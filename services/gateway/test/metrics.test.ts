/**
 * The gateway's OpenTelemetry metrics arrive at an OTLP receiver with their names, units and
 * attributes, and the worker holds ECS task protection while a job runs: a real job through the
 * gateway as start-gateway.ts wires it, telemetry exporting to a fake OTLP collector, and
 * ECS_AGENT_URI pointing at a fake ECS agent.
 */
import { type FakeEcsAgent, startFakeEcsAgent } from "@video-service/task-protection/testing";
import { initTelemetry, type Telemetry } from "@video-service/telemetry";
import {
  type CollectedMetricPoint,
  type FakeOtlpCollector,
  startFakeOtlpCollector,
} from "@video-service/telemetry/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../src/metrics/job-metrics.ts";
import { type Harness, startHarness, textStory } from "./harness.ts";

async function waitForMetrics(
  collector: FakeOtlpCollector,
  predicate: (points: CollectedMetricPoint[]) => boolean,
  timeoutMs = 15_000,
): Promise<CollectedMetricPoint[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const points = collector.metrics();
    if (predicate(points)) return points;
    if (Date.now() > deadline) {
      throw new Error(`metrics did not arrive; got ${[...new Set(points.map((point) => point.name))].join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The newest point of a series (cumulative exports repeat it). */
const latest = (points: CollectedMetricPoint[], name: string, attributes: Record<string, unknown> = {}) =>
  points.findLast(
    (point) =>
      point.name === name && Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
  );

describe("gateway metrics and task protection", () => {
  let collector: FakeOtlpCollector;
  let agent: FakeEcsAgent;
  let telemetry: Telemetry;
  beforeAll(async () => {
    collector = await startFakeOtlpCollector();
    agent = await startFakeEcsAgent();
    telemetry = initTelemetry({ serviceName: "gateway", otlpEndpoint: collector.url, metricExportIntervalMs: 200 });
  });
  afterAll(async () => {
    await telemetry?.shutdown();
    await collector?.close();
    await agent?.close();
  });

  it("reports the queue's depth and its oldest job's wait while no worker runs", async () => {
    const h: Harness = await startHarness({ runWorker: false });
    try {
      for (let i = 0; i < 2; i++) expect((await h.call("POST", "/v1/videos", textStory())).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // An export taken right after the creates may show a wait under 0.2 s: wait for one that shows both.
      const points = await waitForMetrics(
        collector,
        (all) =>
          (latest(all, METRIC_NAMES.queueDepth)?.value ?? 0) >= 2 &&
          (latest(all, METRIC_NAMES.queueOldestWait)?.value ?? 0) > 0.2,
      );
      expect(latest(points, METRIC_NAMES.queueDepth)).toMatchObject({ type: "gauge", unit: "{job}", value: 2 });
      const wait = latest(points, METRIC_NAMES.queueOldestWait);
      expect(wait).toMatchObject({ type: "gauge", unit: "s", serviceName: "gateway" });
      expect(wait?.value).toBeGreaterThan(0.2);
      expect(latest(points, METRIC_NAMES.jobsCreated, { format: "short" })).toMatchObject({
        type: "sum",
        unit: "{job}",
        isMonotonic: true,
      });
    } finally {
      await h.close();
    }
  });

  it("counts a job that succeeds, its duration, its stages and the render speed; protects the task meanwhile", async () => {
    const h = await startHarness({ env: { ECS_AGENT_URI: agent.url } });
    try {
      const created = await h.call("POST", "/v1/videos", textStory());
      const { id } = (await created.json()) as { id: string };
      expect((await h.waitForStatus<{ status: string }>(id, ["succeeded", "failed"])).status).toBe("succeeded");

      const points = await waitForMetrics(collector, (all) => latest(all, METRIC_NAMES.jobsSucceeded) !== undefined);
      expect(latest(points, METRIC_NAMES.jobsSucceeded, { format: "short" })).toMatchObject({
        unit: "{job}",
        value: 1,
      });
      expect(latest(points, METRIC_NAMES.jobsFailed)).toBeUndefined();
      const duration = latest(points, METRIC_NAMES.jobDuration, { format: "short", outcome: "succeeded" });
      expect(duration).toMatchObject({ type: "histogram", unit: "s", count: 1 });
      expect(duration?.sum).toBeGreaterThan(0);
      for (const stage of ["source", "script", "narration", "visuals", "render"]) {
        const stageDuration = latest(points, METRIC_NAMES.stageDuration, { stage, outcome: "succeeded" });
        expect(stageDuration, stage).toMatchObject({ type: "histogram", unit: "s", count: 1 });
      }
      const ratio = latest(points, METRIC_NAMES.renderSecondsPerVideoSecond, { format: "short" });
      expect(ratio).toMatchObject({ type: "histogram", unit: "s/s", count: 1 });
      expect(ratio?.sum).toBeGreaterThan(0);

      // Protected from when the job started until it ended, then cleared.
      const puts = agent.calls().filter((call) => call.method === "PUT");
      expect(puts[0]?.body).toEqual({ ProtectionEnabled: true, ExpiresInMinutes: 60 });
      expect(puts.at(-1)?.body).toEqual({ ProtectionEnabled: false });
      expect(agent.state().enabled).toBe(false);
    } finally {
      await h.close();
    }
  });
});
