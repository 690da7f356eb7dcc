import { RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as ecr from "aws-cdk-lib/aws-ecr";
import type { Construct } from "constructs";
import { SERVICE_NAMES } from "../task-definitions/task-definitions.ts";

/**
 * The ECR repositories, in their own stack: `make deploy` pushes the first images into them before
 * the service stack exists (ECS services cannot stabilise without an image to pull).
 */
export class RegistryStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    for (const service of SERVICE_NAMES) {
      new ecr.Repository(this, `${service}Repository`, {
        repositoryName: `video-service/${service}`,
        // Tags are git commits: a tag never moves, so a rollback gets exactly the old image.
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        imageScanOnPush: true,
        encryption: ecr.RepositoryEncryption.KMS,
        lifecycleRules: [{ description: "keep the last 30 images", maxImageCount: 30 }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
  }
}
