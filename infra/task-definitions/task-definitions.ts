// The one reader of task-definitions/*.json: the CDK stack and `make deploy` both fill the same
// templates through here, so what CloudFormation creates and what a deploy registers cannot drift.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";

export const SERVICE_NAMES = ["gateway", "imagegen", "renderer"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The `{{NAME}}` placeholders the templates may contain, and what each stands for. */
export const PLACEHOLDERS = {
  ACCOUNT_ID: "the 12-digit AWS account id",
  REGION: "the AWS region, e.g. eu-west-1",
  IMAGE_TAG: "the image tag pushed to ECR (make deploy uses the git commit)",
} as const;
export type PlaceholderValues = Record<keyof typeof PLACEHOLDERS, string>;

/** The ADOT sidecar's container name: every app container depends on it being HEALTHY. */
export const COLLECTOR_CONTAINER = "aws-otel-collector";

export const TASK_DEFINITIONS_DIR = fileURLToPath(new URL("../../task-definitions/", import.meta.url));

export function taskDefinitionPath(service: ServiceName): string {
  return path.join(TASK_DEFINITIONS_DIR, `${service}.json`);
}

/** The template as written, placeholders included. */
export function readTaskDefinitionTemplate(service: ServiceName): RegisterTaskDefinitionCommandInput {
  return JSON.parse(readFileSync(taskDefinitionPath(service), "utf8")) as RegisterTaskDefinitionCommandInput;
}

/**
 * The template with every `{{NAME}}` replaced. Values may be CDK tokens (strings that CloudFormation
 * resolves), which is how the stack fills in the account and region. Throws on an unknown placeholder,
 * so a typo in a template fails the synth and the deploy rather than reaching ECS.
 */
export function fillTaskDefinition(
  service: ServiceName,
  values: PlaceholderValues,
): RegisterTaskDefinitionCommandInput {
  return fillPlaceholders(readTaskDefinitionTemplate(service), values, service);
}

export function fillPlaceholders<T>(value: T, values: PlaceholderValues, where = "template"): T {
  const fill = (node: unknown): unknown => {
    if (typeof node === "string") {
      return node.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
        if (!(name in values))
          throw new Error(`${where}: unknown placeholder {{${name}}}; known: ${Object.keys(PLACEHOLDERS).join(", ")}`);
        return values[name as keyof PlaceholderValues];
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, fill(child)]));
    }
    return node;
  };
  return fill(value) as T;
}

/** Maps whose keys are data (log driver options, labels), not property names: kept as they are. */
const FREE_FORM_KEYS = new Set(["options", "dockerLabels", "driverOpts", "labels", "systemControls"]);

/**
 * The register-task-definition JSON in CloudFormation's spelling (PascalCase property names,
 * data-keyed maps untouched), for `AWS::ECS::TaskDefinition`.
 */
export function toCloudFormation(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toCloudFormation);
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [
        key.charAt(0).toUpperCase() + key.slice(1),
        FREE_FORM_KEYS.has(key) ? child : toCloudFormation(child),
      ]),
    );
  }
  return node;
}

/**
 * A TypeScript module holding every template as an object literal checked with `satisfies
 * RegisterTaskDefinitionCommandInput`: tsc (make lint, make test) then rejects a misspelt key or a
 * wrong value type in the JSON. The committed file is compared with this in a test.
 */
export function renderTypecheckModule(): string {
  const lines = [
    "// Generated from task-definitions/*.json by `node infra/task-definitions/generate-typecheck.ts`; do not edit.",
    "// tsc checks each template against the SDK's RegisterTaskDefinition input (excess keys included).",
    'import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";',
    "",
  ];
  for (const service of SERVICE_NAMES) {
    const json = JSON.stringify(readTaskDefinitionTemplate(service), null, 2);
    lines.push(`export const ${service} = ${json} satisfies RegisterTaskDefinitionCommandInput;`, "");
  }
  return lines.join("\n");
}

export const TYPECHECK_MODULE_PATH = fileURLToPath(new URL("./task-definitions.generated.ts", import.meta.url));
