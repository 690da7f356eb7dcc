import { Aws, Duration, type Stack } from "aws-cdk-lib";
import * as applicationautoscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type * as iam from "aws-cdk-lib/aws-iam";
import { fillTaskDefinition, type ServiceName, toCloudFormation } from "../task-definitions/task-definitions.ts";

import { acknowledge } from "./nag.ts";

export const METRICS_NAMESPACE = "VideoService";

/** Jobs waiting per worker task that the backlog scaling aims for: ~10 min wait at ~2.5 min a job. */
export const BACKLOG_PER_TASK_TARGET = 4;

export interface ServiceSizing {
  min: number;
  max: number;
  /** Scale on the queue backlog per task (workers). */
  backlog: boolean;
}

/**
 * The L2 task definition whose containers CloudFormation gets from task-definitions/<service>.json
 * (one source of truth): the L2 containers below only tell the L2 service the container name and
 * port for the load balancer and Cloud Map; the whole ContainerDefinitions property is replaced.
 */
export function taskDefinitionFromJson(
  stack: Stack,
  service: ServiceName,
  { imageTag, executionRole, taskRole }: { imageTag: string; executionRole: iam.IRole; taskRole: iam.IRole },
): ecs.Ec2TaskDefinition {
  const filled = fillTaskDefinition(service, { ACCOUNT_ID: Aws.ACCOUNT_ID, REGION: Aws.REGION, IMAGE_TAG: imageTag });
  const taskDefinition = new ecs.Ec2TaskDefinition(stack, `${service}TaskDefinition`, {
    family: filled.family,
    networkMode: ecs.NetworkMode.AWS_VPC,
    executionRole,
    taskRole,
  });
  const app = filled.containerDefinitions?.find((container) => container.name === service);
  const port = app?.portMappings?.[0]?.containerPort;
  if (!app || !port) throw new Error(`task-definitions/${service}.json: no container "${service}" with a port`);
  taskDefinition.addContainer(service, {
    containerName: service,
    image: ecs.ContainerImage.fromRegistry(app.image ?? ""),
    memoryLimitMiB: app.memory ?? 512,
    portMappings: [{ containerPort: port, name: "http" }],
  });
  acknowledge(
    taskDefinition,
    "AwsSolutions-ECS2",
    "Only non-secret settings are plain environment; secrets use valueFrom (tested).",
  );
  acknowledge(
    taskDefinition,
    "AwsSolutions-ECS7",
    "Containers come from task-definitions/*.json, each with awslogs (tested).",
  );
  const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
  cfn.addPropertyOverride("ContainerDefinitions", toCloudFormation(filled.containerDefinitions));
  if (filled.volumes) cfn.addPropertyOverride("Volumes", toCloudFormation(filled.volumes));
  return taskDefinition;
}

/** Target tracking, memory and CPU; scale-in only after 15 minutes under 30 % CPU. */
export function addServiceScaling(
  id: string,
  { service, cluster, sizing }: { service: ecs.Ec2Service; cluster: ecs.ICluster; sizing: ServiceSizing },
): ecs.ScalableTaskCount {
  const scaling = service.autoScaleTaskCount({ minCapacity: sizing.min, maxCapacity: sizing.max });
  // Out at 70 % CPU / 80 % memory; these policies never scale in (the idle rule below does).
  scaling.scaleOnCpuUtilization(`${id}Cpu`, {
    targetUtilizationPercent: 70,
    scaleOutCooldown: Duration.minutes(2),
    disableScaleIn: true,
  });
  scaling.scaleOnMemoryUtilization(`${id}Memory`, {
    targetUtilizationPercent: 80,
    scaleOutCooldown: Duration.minutes(2),
    disableScaleIn: true,
  });
  scaling.scaleOnMetric(`${id}Idle`, {
    metric: service.metricCpuUtilization({ period: Duration.minutes(1), statistic: "Average" }),
    // Below 30 % for 15 consecutive minutes: one task fewer. Tasks with a job hold scale-in protection.
    scalingSteps: [
      { upper: 30, change: -1 },
      { lower: 90, change: +1 },
    ],
    adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    evaluationPeriods: 15,
    datapointsToAlarm: 15,
    cooldown: Duration.minutes(5),
  });
  if (sizing.backlog) {
    // Backlog per task = jobs waiting (published by the gateway, Maximum: every gateway task reports
    // the same global depth) ÷ running tasks (Container Insights). CDK's L2 takes no metric math
    // (aws/aws-cdk#20659), so the CloudFormation property is written here.
    scaling.scaleToTrackCustomMetric(`${id}Backlog`, {
      metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: "video.queue.depth" }),
      targetValue: BACKLOG_PER_TASK_TARGET,
      scaleOutCooldown: Duration.minutes(2),
      disableScaleIn: true,
    });
    // The policy is made on the scalable target inside `scaling`.
    const policy = scaling.node.findAll().find((child) => child.node.id === `${id}Backlog`);
    const cfn = policy?.node.defaultChild as applicationautoscaling.CfnScalingPolicy;
    const custom = "TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification";
    for (const key of ["MetricName", "Namespace", "Statistic", "Dimensions", "Unit"]) {
      cfn.addPropertyDeletionOverride(`${custom}.${key}`);
    }
    cfn.addPropertyOverride(`${custom}.Metrics`, [
      {
        Id: "depth",
        MetricStat: {
          Metric: { Namespace: METRICS_NAMESPACE, MetricName: "video.queue.depth" },
          Stat: "Maximum",
        },
        ReturnData: false,
      },
      {
        Id: "tasks",
        MetricStat: {
          Metric: {
            Namespace: "ECS/ContainerInsights",
            MetricName: "RunningTaskCount",
            Dimensions: [
              { Name: "ClusterName", Value: cluster.clusterName },
              { Name: "ServiceName", Value: service.serviceName },
            ],
          },
          Stat: "Average",
        },
        ReturnData: false,
      },
      {
        Id: "backlog",
        Expression: "IF(tasks > 0, depth / tasks, depth)",
        Label: "Jobs waiting per task",
        ReturnData: true,
      },
    ]);
  }
  return scaling;
}

export function serviceSecurityGroup(stack: Stack, id: string, vpc: ec2.IVpc, description: string): ec2.SecurityGroup {
  return new ec2.SecurityGroup(stack, id, { vpc, description, allowAllOutbound: true });
}
