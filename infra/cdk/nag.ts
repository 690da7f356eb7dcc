import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * cdk-nag v3 acknowledgements: `findings` lists the granular ids of a rule (IAM4/IAM5 report one
 * finding per action, resource or policy, and each must be acknowledged by name).
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string, findings?: string[]): void {
  if (!findings) {
    Validations.of(scope).acknowledge({ id: rule, reason });
    return;
  }
  for (const finding of findings) Validations.of(scope).acknowledge({ id: `${rule}[${finding}]`, reason });
}
