// `make deploy [ARGS="--dry-run"]`: see docs/deploy.md. Credentials and region come from the usual
// AWS environment (AWS_PROFILE, AWS_REGION, ...).
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { SERVICE_NAMES, type ServiceName } from "../../infra/task-definitions/task-definitions.ts";
import { DeployError, deploy } from "./deploy.service.ts";

const { values } = parseArgs({
  options: {
    "dry-run": { type: "boolean", default: false },
    "skip-build": { type: "boolean", default: false },
    tag: { type: "string" },
    region: { type: "string" },
    account: { type: "string" },
    services: { type: "string" },
    endpoint: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(
    "usage: make deploy ARGS='[--dry-run] [--skip-build] [--tag TAG] [--region R] [--account ID] [--services gateway,renderer]'\n",
  );
  process.exit(0);
}
const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) {
  process.stderr.write("deploy: set AWS_REGION (or pass --region)\n");
  process.exit(2);
}
const services = (values.services?.split(",").map((name) => name.trim()) ?? [...SERVICE_NAMES]) as ServiceName[];
const unknown = services.filter((name) => !SERVICE_NAMES.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`deploy: unknown service ${unknown.join(", ")}; known: ${SERVICE_NAMES.join(", ")}\n`);
  process.exit(2);
}
// A tag per commit: immutable in ECR, and a rollback gets exactly the old image.
const imageTag = values.tag ?? execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8" }).trim();
const clientOptions = { region, ...(values.endpoint ? { endpoint: values.endpoint } : {}) };

try {
  await deploy({
    ecs: new ECSClient(clientOptions),
    ecr: new ECRClient(clientOptions),
    region,
    imageTag,
    services,
    dryRun: values["dry-run"],
    skipBuild: values["skip-build"],
    ...(values.account ? { accountId: values.account } : {}),
  });
} catch (error) {
  process.stderr.write(`deploy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof DeployError ? 1 : 2);
}
