// A local stand-in for ECS and ECR speaking their wire protocol (AWS JSON 1.1: POST / with
// X-Amz-Target, JSON bodies, errors as {"__type", "message"}), for `make deploy`'s tests. The SDK
// is pointed at it by endpoint; it records every call.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_ACCOUNT = "123456789012";

export interface RecordedCall {
  operation: string;
  input: Record<string, unknown>;
}

interface Deployment {
  id: string;
  status: "PRIMARY" | "ACTIVE";
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  rolloutStateReason?: string;
  polls: number;
}

interface FakeService {
  serviceName: string;
  serviceArn: string;
  desiredCount: number;
  taskDefinition: string;
  deployments: Deployment[];
}

export interface FakeAws {
  url: string;
  calls(): RecordedCall[];
  /** The task definition each service runs now. */
  serviceTaskDefinition(service: string): string | undefined;
  /** Images present in ECR, as `repository:tag`. */
  addImage(repository: string, tag: string): void;
  /** Deployments of `service` to a task definition using an image tagged `tag` fail (tasks do not start). */
  failDeployments(service: string, tag: string): void;
  close(): Promise<void>;
}

const ECS_TARGET = "AmazonEC2ContainerServiceV20141113.";
const ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.";

export async function startFakeAws({ region = "eu-west-1", services = [] as string[] } = {}): Promise<FakeAws> {
  const calls: RecordedCall[] = [];
  const images = new Set<string>();
  const revisions = new Map<string, number>();
  const registered = new Map<string, { images: string[] }>();
  const failing: { service: string; tag: string }[] = [];
  const arn = (resource: string) => `arn:aws:ecs:${region}:${FAKE_ACCOUNT}:${resource}`;
  const serviceState = new Map<string, FakeService>();
  let deploymentIds = 0;

  const register = (family: string, imageList: string[]) => {
    const revision = (revisions.get(family) ?? 0) + 1;
    revisions.set(family, revision);
    const taskDefinitionArn = arn(`task-definition/${family}:${revision}`);
    registered.set(taskDefinitionArn, { images: imageList });
    return { taskDefinitionArn, revision };
  };
  const deployment = (taskDefinition: string, desiredCount: number, state: Deployment["rolloutState"]): Deployment => ({
    id: `ecs-svc/${++deploymentIds}`,
    status: "PRIMARY",
    taskDefinition,
    desiredCount,
    runningCount: state === "COMPLETED" ? desiredCount : 0,
    rolloutState: state,
    polls: 0,
  });
  for (const name of services) {
    const { taskDefinitionArn } = register(name, [`${FAKE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/x:initial`]);
    serviceState.set(name, {
      serviceName: name,
      serviceArn: arn(`service/video-service/${name}`),
      desiredCount: 2,
      taskDefinition: taskDefinitionArn,
      deployments: [deployment(taskDefinitionArn, 2, "COMPLETED")],
    });
  }

  // One poll moves a rollout on: COMPLETED (the old deployment drained) or FAILED (circuit breaker).
  const advance = (service: FakeService) => {
    const primary = service.deployments.find((d) => d.status === "PRIMARY");
    if (primary?.rolloutState !== "IN_PROGRESS") return;
    primary.polls += 1;
    if (primary.polls < 2) return;
    const images = registered.get(primary.taskDefinition)?.images ?? [];
    const fails = failing.some(
      (f) => f.service === service.serviceName && images.some((image) => image.endsWith(`:${f.tag}`)),
    );
    if (fails) {
      primary.rolloutState = "FAILED";
      primary.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start.";
      return;
    }
    primary.rolloutState = "COMPLETED";
    primary.runningCount = primary.desiredCount;
    service.deployments = [primary];
  };

  const operations: Record<string, (input: Record<string, unknown>) => object> = {
    GetAuthorizationToken: () => ({
      authorizationData: [
        {
          authorizationToken: Buffer.from("AWS:fake-registry-password").toString("base64"),
          expiresAt: Date.now() / 1000 + 43_200,
          proxyEndpoint: `https://${FAKE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com`,
        },
      ],
    }),
    DescribeImages: (input) => {
      const repository = String(input.repositoryName);
      const ids = (input.imageIds as { imageTag?: string }[] | undefined) ?? [];
      const missing = ids.find((id) => !images.has(`${repository}:${id.imageTag}`));
      if (missing) {
        throw new AwsError(
          "ImageNotFoundException",
          `The image with imageId {imageDigest:'null', imageTag:'${missing.imageTag}'} does not exist within the repository with name '${repository}' in the registry with id '${FAKE_ACCOUNT}'`,
        );
      }
      return {
        imageDetails: ids.map((id) => ({
          repositoryName: repository,
          imageTags: [id.imageTag],
          registryId: FAKE_ACCOUNT,
        })),
      };
    },
    DescribeServices: (input) => {
      const names = (input.services as string[] | undefined) ?? [];
      const found = names.map((name) => serviceState.get(name));
      for (const service of found) if (service) advance(service);
      return {
        services: found.filter(Boolean).map((service) => {
          const s = service as FakeService;
          return {
            serviceName: s.serviceName,
            serviceArn: s.serviceArn,
            clusterArn: arn("cluster/video-service"),
            status: "ACTIVE",
            desiredCount: s.desiredCount,
            runningCount: s.deployments.reduce((sum, d) => sum + d.runningCount, 0),
            taskDefinition: s.taskDefinition,
            deployments: s.deployments.map(({ polls: _polls, ...d }) => d),
          };
        }),
        failures: names
          .filter((name) => !serviceState.has(name))
          .map((name) => ({ arn: arn(`service/video-service/${name}`), reason: "MISSING" })),
      };
    },
    RegisterTaskDefinition: (input) => {
      const family = String(input.family ?? "");
      const containers = (input.containerDefinitions as { image?: string; name?: string }[] | undefined) ?? [];
      if (!family || containers.length === 0)
        throw new AwsError("ClientException", "Family and containerDefinitions are required.");
      if (containers.some((container) => !container.name || !container.image)) {
        throw new AwsError("ClientException", "Container.name and Container.image should not be null or empty.");
      }
      const { taskDefinitionArn, revision } = register(
        family,
        containers.map((c) => c.image ?? ""),
      );
      return { taskDefinition: { ...input, taskDefinitionArn, revision, status: "ACTIVE" } };
    },
    UpdateService: (input) => {
      const service = serviceState.get(String(input.service));
      if (!service) throw new AwsError("ServiceNotFoundException", "Service not found.");
      const taskDefinition = String(input.taskDefinition ?? service.taskDefinition);
      if (!registered.has(taskDefinition)) {
        throw new AwsError("ClientException", `TaskDefinition not found: ${taskDefinition}`);
      }
      for (const d of service.deployments) d.status = "ACTIVE";
      service.taskDefinition = taskDefinition;
      service.deployments.unshift(deployment(taskDefinition, service.desiredCount, "IN_PROGRESS"));
      return { service: { serviceName: service.serviceName, taskDefinition } };
    },
  };

  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(ECS_TARGET)
      ? target.slice(ECS_TARGET.length)
      : target.startsWith(ECR_TARGET)
        ? target.slice(ECR_TARGET.length)
        : "";
    const send = (status: number, body: object, headers: Record<string, string> = {}): void => {
      res
        .writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "fake", ...headers })
        .end(JSON.stringify(body));
    };
    if (req.method !== "POST" || !String(req.headers["content-type"]).startsWith("application/x-amz-json-1.1")) {
      return send(400, { __type: "SerializationException", message: "expected POST with application/x-amz-json-1.1" });
    }
    if (!String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 ")) {
      return send(403, { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
    }
    const handler = operations[operation];
    if (!handler) return send(400, { __type: "UnknownOperationException", message: `unknown operation ${target}` });
    const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    calls.push({ operation, input });
    try {
      send(200, handler(input));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      send(400, { __type: error.type, message: error.message }, { "x-amzn-errortype": error.type });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => [...calls],
    serviceTaskDefinition: (service) => serviceState.get(service)?.taskDefinition,
    addImage: (repository, tag) => images.add(`${repository}:${tag}`),
    failDeployments: (service, tag) => failing.push({ service, tag }),
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

class AwsError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}
