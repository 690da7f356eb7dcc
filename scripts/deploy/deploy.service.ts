// make deploy: build and push the images, register the task definitions from task-definitions/*.json,
// update the ECS services, wait until they are stable, and roll back to the previous revisions when
// any of them fails. Every AWS call goes through `call`, so --dry-run prints the same list it would send.
import { spawn } from "node:child_process";
import {
  DescribeImagesCommand,
  type ECRClient,
  GetAuthorizationTokenCommand,
  type GetAuthorizationTokenCommandOutput,
} from "@aws-sdk/client-ecr";
import {
  DescribeServicesCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { fillTaskDefinition, SERVICE_NAMES, type ServiceName } from "../../infra/task-definitions/task-definitions.ts";

export const CLUSTER = "video-service";
export const serviceName = (service: ServiceName) => `video-service-${service}`;
export const repositoryName = (service: ServiceName) => `video-service/${service}`;

export interface DeployOptions {
  ecs: ECSClient;
  ecr: ECRClient;
  region: string;
  imageTag: string;
  services?: readonly ServiceName[];
  /** Print every call instead of making it (AWS and docker). */
  dryRun?: boolean;
  /** Skip docker build/push (the images are already in ECR, or tests). */
  skipBuild?: boolean;
  /** Account for --dry-run, which asks AWS nothing; otherwise read from ECR's registry endpoint. */
  accountId?: string;
  /** Bound of the wait for a stable service, and how often it is polled. */
  stableTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Runs a command (docker); injectable for tests. */
  run?: (command: string, args: string[], input?: string) => Promise<void>;
  log?: (line: string) => void;
}

export interface DeployResult {
  /** Per service: the revision now running. */
  deployed: Partial<Record<ServiceName, string>>;
  rolledBack: boolean;
}

export class DeployError extends Error {
  override readonly name = "DeployError";
}

/** Deploys; throws DeployError after rolling back when a service does not become stable. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { ecs, ecr, region, imageTag, dryRun = false } = options;
  const services = options.services ?? SERVICE_NAMES;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const run = options.run ?? runCommand;
  const pollIntervalMs = options.pollIntervalMs ?? 15_000;
  const stableTimeoutMs = options.stableTimeoutMs ?? 30 * 60_000;

  // One place for every AWS call: printed, and sent unless this is a dry run.
  const call = async <Output>(
    client: ECSClient | ECRClient,
    command: { input: object; constructor: { name: string } },
    dryValue: Output,
  ): Promise<Output> => {
    log(
      `${dryRun ? "[dry-run] " : ""}${command.constructor.name.replace(/Command$/, "")} ${JSON.stringify(command.input)}`,
    );
    if (dryRun) return dryValue;
    return (await (client as ECSClient).send(command as never)) as Output;
  };
  const exec = async (command: string, args: string[], input?: string) => {
    log(`${dryRun ? "[dry-run] " : ""}${command} ${args.join(" ")}`);
    if (!dryRun) await run(command, args, input);
  };

  const auth = await call<Partial<GetAuthorizationTokenCommandOutput>>(ecr, new GetAuthorizationTokenCommand({}), {
    authorizationData: [
      { proxyEndpoint: `https://${options.accountId ?? "<account>"}.dkr.ecr.${region}.amazonaws.com` },
    ],
  });
  const endpoint = auth.authorizationData?.[0]?.proxyEndpoint ?? "";
  const accountId = options.accountId ?? /^https:\/\/(\d{12})\./.exec(endpoint)?.[1];
  if (!accountId) throw new DeployError(`cannot tell the account from ECR's endpoint ${endpoint}; pass --account`);
  const registry = `${accountId}.dkr.ecr.${region}.amazonaws.com`;

  if (!options.skipBuild) {
    const token = auth.authorizationData?.[0]?.authorizationToken;
    const password = token ? (Buffer.from(token, "base64").toString("utf8").split(":")[1] ?? "") : "";
    await exec("docker", ["login", "--username", "AWS", "--password-stdin", registry], password);
    for (const service of services) {
      const image = `${registry}/${repositoryName(service)}:${imageTag}`;
      await exec("docker", ["build", "--file", `services/${service}/Dockerfile`, "--tag", image, "."]);
      await exec("docker", ["push", image]);
    }
  }
  // Never point a service at an image that is not there: ECS would retry pulling it for the whole wait.
  for (const service of services) {
    await call(
      ecr,
      new DescribeImagesCommand({ repositoryName: repositoryName(service), imageIds: [{ imageTag }] }),
      {},
    );
  }

  const described = await call(
    ecs,
    new DescribeServicesCommand({ cluster: CLUSTER, services: services.map(serviceName) }),
    {
      services: services.map((service) => ({
        serviceName: serviceName(service),
        taskDefinition: `<current ${service} revision>`,
      })),
    },
  );
  const previous = new Map<ServiceName, string>();
  for (const service of services) {
    const current = described.services?.find((s) => s.serviceName === serviceName(service));
    if (!current?.taskDefinition) {
      throw new DeployError(
        `service ${serviceName(service)} not found in cluster ${CLUSTER}; run \`cdk deploy VideoService\` first`,
      );
    }
    previous.set(service, current.taskDefinition);
  }

  const updated: ServiceName[] = [];
  const deployed: Partial<Record<ServiceName, string>> = {};
  try {
    for (const service of services) {
      const input = fillTaskDefinition(service, { ACCOUNT_ID: accountId, REGION: region, IMAGE_TAG: imageTag });
      const registered = await call(ecs, new RegisterTaskDefinitionCommand(input), {
        taskDefinition: { taskDefinitionArn: `<new ${input.family} revision>` },
      });
      const arn = registered.taskDefinition?.taskDefinitionArn;
      if (!arn) throw new DeployError(`RegisterTaskDefinition returned no ARN for ${input.family}`);
      await call(
        ecs,
        new UpdateServiceCommand({ cluster: CLUSTER, service: serviceName(service), taskDefinition: arn }),
        {},
      );
      updated.push(service);
      deployed[service] = arn;
    }
    await waitStable({ call, ecs, services: updated, dryRun, pollIntervalMs, stableTimeoutMs, log });
    log(`deployed ${imageTag}: ${updated.map((service) => `${service} → ${deployed[service]}`).join(", ")}`);
    return { deployed, rolledBack: false };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`deployment failed (${reason}); rolling back ${updated.join(", ") || "nothing"}`);
    for (const service of updated) {
      const arn = previous.get(service) ?? "";
      await call(
        ecs,
        new UpdateServiceCommand({ cluster: CLUSTER, service: serviceName(service), taskDefinition: arn }),
        {},
      );
    }
    await waitStable({ call, ecs, services: updated, dryRun, pollIntervalMs, stableTimeoutMs, log });
    throw new DeployError(`deployment of ${imageTag} failed and was rolled back: ${reason}`);
  }
}

type Call = <Output>(
  client: ECSClient,
  command: { input: object; constructor: { name: string } },
  dryValue: Output,
) => Promise<Output>;

/** Polls until every service has one deployment, COMPLETED, with all its tasks running; throws on FAILED or timeout. */
async function waitStable({
  call,
  ecs,
  services,
  dryRun,
  pollIntervalMs,
  stableTimeoutMs,
  log,
}: {
  call: Call;
  ecs: ECSClient;
  services: ServiceName[];
  dryRun: boolean;
  pollIntervalMs: number;
  stableTimeoutMs: number;
  log: (line: string) => void;
}): Promise<void> {
  if (services.length === 0) return;
  const deadline = Date.now() + stableTimeoutMs;
  for (;;) {
    const described = await call(
      ecs,
      new DescribeServicesCommand({ cluster: CLUSTER, services: services.map(serviceName) }),
      {
        services: [] as Service[],
      },
    );
    if (dryRun) return;
    const pending: string[] = [];
    for (const service of described.services ?? []) {
      const primary = service.deployments?.find((deployment) => deployment.status === "PRIMARY");
      if (primary?.rolloutState === "FAILED") {
        throw new DeployError(`${service.serviceName}: ${primary.rolloutStateReason ?? "deployment failed"}`);
      }
      const stable =
        service.deployments?.length === 1 &&
        primary?.rolloutState === "COMPLETED" &&
        service.runningCount === service.desiredCount;
      if (!stable) pending.push(`${service.serviceName} ${service.runningCount}/${service.desiredCount} running`);
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new DeployError(`not stable after ${Math.round(stableTimeoutMs / 1000)} s: ${pending.join("; ")}`);
    log(`waiting: ${pending.join("; ")}`);
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** Runs a command without a shell; `input` goes to its stdin (docker login's password). */
function runCommand(command: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? "ignore" : "pipe", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new DeployError(`${command} ${args[0]} exited with ${code}`)),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
