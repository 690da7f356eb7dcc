import { readFileSync } from "node:fs";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  COLLECTOR_CONTAINER,
  fillTaskDefinition,
  readTaskDefinitionTemplate,
  renderTypecheckModule,
  SERVICE_NAMES,
  TYPECHECK_MODULE_PATH,
  toCloudFormation,
} from "./task-definitions.ts";

const values = { ACCOUNT_ID: "123456789012", REGION: "eu-west-1", IMAGE_TAG: "abc1234" };

// A render's peak: FFmpeg 662 MiB measured by `make bench` (docs/performance.md) + Node and espeak-ng.
const RENDER_PEAK_MIB = 662 + 250;

describe.each(SERVICE_NAMES)("task-definitions/%s.json", (service) => {
  const template = readTaskDefinitionTemplate(service);
  const containers = template.containerDefinitions ?? [];
  const app = containers.find((container) => container.name === service) as ContainerDefinition;
  const collector = containers.find((container) => container.name === COLLECTOR_CONTAINER) as ContainerDefinition;

  it("is an awsvpc EC2 task of the app beside the ADOT collector, which starts first and stops last", () => {
    expect(template.family).toBe(`video-service-${service}`);
    expect(template.networkMode).toBe("awsvpc");
    expect(template.requiresCompatibilities).toEqual(["EC2"]);
    expect(containers.map((container) => container.name).sort()).toEqual([COLLECTOR_CONTAINER, service].sort());
    expect(app.dependsOn).toEqual([{ containerName: COLLECTOR_CONTAINER, condition: "HEALTHY" }]);
    expect(collector.image).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/);
    expect(collector.healthCheck?.command).toEqual(["/healthcheck"]);
    // Its configuration comes from the SSM parameter the stack writes from infra/otel/ecs-collector.yaml.
    expect(collector.secrets?.map((secret) => secret.name)).toEqual(["AOT_CONFIG_CONTENT"]);
    expect(app.environment).toContainEqual({ name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://localhost:4318" });
  });

  it("gives every container a health check, CPU, a memory reservation below its hard limit and awslogs", () => {
    for (const container of containers) {
      expect(container.essential, container.name).toBe(true);
      expect(container.healthCheck?.command?.length, container.name).toBeGreaterThan(0);
      expect(container.cpu, container.name).toBeGreaterThan(0);
      expect(container.memoryReservation, container.name).toBeGreaterThan(0);
      expect(container.memory, container.name).toBeGreaterThan(container.memoryReservation ?? 0);
      expect(container.logConfiguration?.logDriver, container.name).toBe("awslogs");
      expect(container.logConfiguration?.options?.["awslogs-group"], container.name).toMatch(/^\/ecs\/video-service\//);
      expect(container.readonlyRootFilesystem, container.name).toBe(true);
    }
    // The app's probe runs without a shell (the image has none to spare): node fetches /healthz.
    expect(app.healthCheck?.command?.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
    const port = app.portMappings?.[0]?.containerPort;
    expect(app.healthCheck?.command?.[3]).toContain(`http://127.0.0.1:${port}/healthz`);
  });

  it("drains before ECS kills it, and runs read-only with a tmpfs /tmp", () => {
    // The app stops first (reverse of dependsOn) and needs its drain window; the collector flushes last.
    expect(app.stopTimeout).toBeGreaterThanOrEqual(60);
    expect(collector.stopTimeout).toBeGreaterThanOrEqual(app.stopTimeout ?? 0);
    expect(app.linuxParameters?.initProcessEnabled).toBe(true);
    expect(app.linuxParameters?.tmpfs).toContainEqual(expect.objectContaining({ containerPath: "/tmp" }));
  });

  it("takes secrets only by reference, never as plain environment", () => {
    const secretLike = /TOKEN|SECRET|KEY|PASSWORD|REDIS_URL|CREDENTIAL/i;
    for (const container of containers) {
      for (const variable of container.environment ?? []) {
        expect(variable.name, `${container.name} sets ${variable.name} in plain environment`).not.toMatch(secretLike);
      }
      for (const secret of container.secrets ?? []) {
        expect(secret.valueFrom).toMatch(/^arn:aws:(secretsmanager|ssm):\{\{REGION\}\}:\{\{ACCOUNT_ID\}\}:/);
      }
    }
    expect(app.secrets?.map((secret) => secret.name)).toContain("INTERNAL_TOKEN");
  });

  it("fills every placeholder and rejects unknown ones", () => {
    const filled = JSON.stringify(fillTaskDefinition(service, values));
    expect(filled).not.toContain("{{");
    expect(filled).toContain(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/video-service/${service}:abc1234`);
    expect(() => fillTaskDefinition(service, { ACCOUNT_ID: "1", REGION: "r" } as typeof values)).toThrow(
      /unknown placeholder \{\{IMAGE_TAG\}\}/,
    );
  });
});

describe("task definition sizing", () => {
  it("gives the renderer a hard limit above a render's peak and reserves a c6i.large's worth of CPU at most", () => {
    const renderer = readTaskDefinitionTemplate("renderer").containerDefinitions ?? [];
    const app = renderer.find((container) => container.name === "renderer");
    expect(app?.memory).toBeGreaterThanOrEqual(RENDER_PEAK_MIB * 2);
    expect(app?.memoryReservation).toBeGreaterThanOrEqual(RENDER_PEAK_MIB);
    const cpu = renderer.reduce((sum, container) => sum + (container.cpu ?? 0), 0);
    expect(cpu).toBeLessThanOrEqual(2048);
    // Long renders write their output to a task-scoped volume on the instance's disk, not to memory.
    expect(app?.mountPoints).toContainEqual(expect.objectContaining({ containerPath: "/scratch" }));
    expect(app?.environment).toContainEqual({ name: "SCRATCH_DIR", value: "/scratch" });
  });
});

describe("typed copy", () => {
  it("task-definitions.generated.ts is up to date, so tsc checks the JSON against RegisterTaskDefinitionCommandInput", () => {
    const committed = readFileSync(TYPECHECK_MODULE_PATH, "utf8");
    expect(committed, "run: node infra/task-definitions/generate-typecheck.ts").toBe(renderTypecheckModule());
  });
});

describe("toCloudFormation", () => {
  it("PascalCases property names but keeps the keys of log options", () => {
    expect(
      toCloudFormation({
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g" } },
        environment: [{ name: "A", value: "1" }],
      }),
    ).toEqual({
      LogConfiguration: { LogDriver: "awslogs", Options: { "awslogs-group": "g" } },
      Environment: [{ Name: "A", Value: "1" }],
    });
  });
});

describe("infra/otel/ecs-collector.yaml (the sidecar's AOT_CONFIG_CONTENT)", () => {
  const text = readFileSync(new URL("../otel/ecs-collector.yaml", import.meta.url), "utf8");
  const config = parse(text) as {
    extensions: Record<string, { endpoint?: string }>;
    receivers: { otlp: { protocols: { http: { endpoint: string } } } };
    service: { extensions: string[]; pipelines: Record<string, { exporters: string[] }> };
  };

  it("fits a standard SSM parameter, answers /healthcheck and takes OTLP/HTTP on 4318", () => {
    expect(Buffer.byteLength(text)).toBeLessThan(4096);
    expect(config.service.extensions).toContain("health_check");
    expect(config.extensions.health_check?.endpoint).toBe("127.0.0.1:13133");
    expect(config.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
  });

  it("sends traces to X-Ray and metrics to CloudWatch EMF in the namespace the alarms read", () => {
    expect(config.service.pipelines.traces?.exporters).toEqual(["awsxray"]);
    expect(config.service.pipelines.metrics?.exporters).toEqual(["awsemf"]);
    expect(text).toContain("namespace: VideoService");
  });
});
