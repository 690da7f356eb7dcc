// The CDK app: `npx cdk synth` / `npx cdk deploy` from infra/cdk (docs/deploy.md). No context
// lookups: it synthesises offline, without an account.
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { RegistryStack } from "./registry-stack.ts";
import { VideoServiceStack } from "./video-service-stack.ts";

export function createApp(app = new App()): { app: App; registry: RegistryStack; service: VideoServiceStack } {
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const registry = new RegistryStack(app, "VideoServiceRegistry", {
    description: "video-service: ECR repositories",
  });
  // A concrete region (ALB access logs need the region's ELB account), an unresolved account: the
  // template stays account-agnostic and synthesises without credentials or lookups.
  // biome-ignore lint/style/noProcessEnv: the CDK CLI passes the profile's region this way
  const region = context("region") ?? process.env.CDK_DEFAULT_REGION ?? "us-east-1";
  const service = new VideoServiceStack(app, "VideoService", {
    env: { region },
    description: "video-service: VPC, ECS on EC2, ALB, S3, ElastiCache, alarms",
    // The tag `make deploy` pushed last; `make deploy` registers newer revisions itself.
    imageTag: context("imageTag") ?? "initial",
    alarmEmail: context("alarmEmail"),
    videoInfrequentAccessDays: Number(context("videoInfrequentAccessDays") ?? 30),
    videoExpirationDays: context("videoExpirationDays") ? Number(context("videoExpirationDays")) : undefined,
  });
  service.addStackDependency(registry);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, registry, service };
}

if (import.meta.main) createApp().app.synth();
