import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVICE_NAMES } from "../../infra/task-definitions/task-definitions.ts";
import { DeployError, deploy, repositoryName, serviceName } from "./deploy.service.ts";
import { FAKE_ACCOUNT, type FakeAws, startFakeAws } from "./fake-aws.ts";

const region = "eu-west-1";
const tag = "0123456789ab";

describe("make deploy against a local ECS/ECR", () => {
  let aws: FakeAws;
  let clients: { ecs: ECSClient; ecr: ECRClient };
  beforeEach(async () => {
    aws = await startFakeAws({ region, services: SERVICE_NAMES.map(serviceName) });
    const options = {
      region,
      endpoint: aws.url,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "fake-secret" },
      maxAttempts: 1,
    };
    clients = { ecs: new ECSClient(options), ecr: new ECRClient(options) };
  });
  afterEach(async () => {
    clients.ecs.destroy();
    clients.ecr.destroy();
    await aws.close();
  });
  const seedImages = () => {
    for (const service of SERVICE_NAMES) aws.addImage(repositoryName(service), tag);
  };

  it("registers the filled task definitions, updates every service and waits until it is stable", async () => {
    seedImages();
    const lines: string[] = [];
    const result = await deploy({
      ...clients,
      region,
      imageTag: tag,
      skipBuild: true,
      pollIntervalMs: 5,
      log: (l) => lines.push(l),
    });
    expect(result.rolledBack).toBe(false);
    for (const service of SERVICE_NAMES) {
      expect(aws.serviceTaskDefinition(serviceName(service))).toBe(
        `arn:aws:ecs:${region}:${FAKE_ACCOUNT}:task-definition/video-service-${service}:2`,
      );
    }
    const operations = aws.calls().map((call) => call.operation);
    expect(operations.slice(0, 5)).toEqual([
      "GetAuthorizationToken",
      "DescribeImages",
      "DescribeImages",
      "DescribeImages",
      "DescribeServices",
    ]);
    expect(operations.filter((op) => op === "RegisterTaskDefinition")).toHaveLength(3);
    expect(operations.filter((op) => op === "UpdateService")).toHaveLength(3);
    const registered = aws.calls().find((call) => call.operation === "RegisterTaskDefinition")?.input as {
      family: string;
      containerDefinitions: { image: string; secrets?: unknown[] }[];
    };
    expect(registered.family).toBe("video-service-gateway");
    expect(registered.containerDefinitions[0]?.image).toBe(
      `${FAKE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/video-service/gateway:${tag}`,
    );
    expect(JSON.stringify(registered)).not.toContain("{{");
    expect(lines.at(-1)).toContain(`deployed ${tag}`);
  });

  it("rolls every updated service back to its previous revision when one deployment fails", async () => {
    seedImages();
    aws.failDeployments(serviceName("renderer"), tag);
    const before = Object.fromEntries(SERVICE_NAMES.map((s) => [s, aws.serviceTaskDefinition(serviceName(s))]));
    const failure = deploy({ ...clients, region, imageTag: tag, skipBuild: true, pollIntervalMs: 5, log: () => {} });
    await expect(failure).rejects.toThrow(DeployError);
    await expect(failure).rejects.toThrow(/rolled back: video-service-renderer: ECS deployment circuit breaker/);
    for (const service of SERVICE_NAMES) expect(aws.serviceTaskDefinition(serviceName(service))).toBe(before[service]);
    const updates = aws
      .calls()
      .filter((call) => call.operation === "UpdateService")
      .map((call) => call.input.taskDefinition);
    expect(updates).toHaveLength(6);
    expect(updates.slice(3)).toEqual(SERVICE_NAMES.map((s) => before[s]));
  });

  it("stops before touching any service when an image is missing from ECR", async () => {
    aws.addImage(repositoryName("gateway"), tag);
    await expect(
      deploy({ ...clients, region, imageTag: tag, skipBuild: true, pollIntervalMs: 5, log: () => {} }),
    ).rejects.toThrow(/ImageNotFoundException|does not exist within the repository/);
    expect(aws.calls().map((call) => call.operation)).not.toContain("RegisterTaskDefinition");
  });

  it("builds and pushes with docker (no shell), logging in with ECR's token on stdin", async () => {
    seedImages();
    const commands: { args: string[]; input: string | undefined }[] = [];
    await deploy({
      ...clients,
      region,
      imageTag: tag,
      pollIntervalMs: 5,
      log: () => {},
      run: async (command, args, input) => {
        expect(command).toBe("docker");
        commands.push({ args, input });
      },
    });
    const registry = `${FAKE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com`;
    expect(commands[0]).toEqual({
      args: ["login", "--username", "AWS", "--password-stdin", registry],
      input: "fake-registry-password",
    });
    expect(commands.slice(1).map((c) => c.args[0])).toEqual(SERVICE_NAMES.flatMap(() => ["build", "push"]));
    expect(commands.at(-1)?.args).toEqual(["push", `${registry}/video-service/renderer:${tag}`]);
    expect(commands[1]?.args).toEqual([
      "build",
      "--file",
      "services/gateway/Dockerfile",
      "--tag",
      `${registry}/video-service/gateway:${tag}`,
      ".",
    ]);
  });

  it("--dry-run prints every call and sends none", () => {
    const script = fileURLToPath(new URL("./deploy.ts", import.meta.url));
    const result = spawnSync(
      process.execPath,
      [script, "--dry-run", "--tag", tag, "--region", region, "--account", FAKE_ACCOUNT, "--endpoint", aws.url],
      { encoding: "utf8", env: { PATH: process.env.PATH ?? "", AWS_EC2_METADATA_DISABLED: "true" } },
    );
    expect(result.status, result.stderr).toBe(0);
    const operations = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.replace(/^\[dry-run\] /, "").split(" ")[0]);
    expect(operations).toEqual([
      "GetAuthorizationToken",
      "docker",
      ...SERVICE_NAMES.flatMap(() => ["docker", "docker"]),
      "DescribeImages",
      "DescribeImages",
      "DescribeImages",
      "DescribeServices",
      ...SERVICE_NAMES.flatMap(() => ["RegisterTaskDefinition", "UpdateService"]),
      "DescribeServices",
      "deployed",
    ]);
    expect(result.stdout).toContain(
      `"image":"${FAKE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/video-service/renderer:${tag}"`,
    );
    expect(aws.calls()).toEqual([]);
  });
});
