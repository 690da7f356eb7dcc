/**
 * The CDK app, synthesised once in-process (offline: no account, no lookups), with cdk-nag's
 * AwsSolutions checks as a validation plugin: an unacknowledged finding makes the synth throw.
 */
import { App, Aws, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as s3 from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { fillTaskDefinition, SERVICE_NAMES, toCloudFormation } from "../task-definitions/task-definitions.ts";
import { createApp } from "./app.ts";
import type { VideoServiceStack } from "./video-service-stack.ts";

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let stack: VideoServiceStack;
let template: Template;
let resources: Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

beforeAll(() => {
  const { app, service } = createApp(new App({ context: { imageTag: "abc1234", region: "eu-west-1" } }));
  // Throws when a cdk-nag finding is not acknowledged (in-memory synth under a test runner).
  app.synth();
  stack = service;
  template = Template.fromStack(service);
  resources = template.toJSON().Resources as Resources;
}, 240_000);

describe("cdk-nag", () => {
  it("fails the synth on an unacknowledged AwsSolutions finding (so the main synth passing means something)", () => {
    const app = new App();
    const bad = new Stack(app, "Bad");
    new s3.Bucket(bad, "Open", { enforceSSL: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1|AwsSolutions-S10/);
  });
});

describe("task definitions: one source of truth", () => {
  it.each(SERVICE_NAMES)(
    "%s: CloudFormation's container definitions are task-definitions/%s.json, filled",
    (service) => {
      const [, taskDefinition] = ofType("AWS::ECS::TaskDefinition").find(
        ([, resource]) => resource.Properties.Family === `video-service-${service}`,
      ) ?? [undefined, undefined];
      const filled = fillTaskDefinition(service, {
        ACCOUNT_ID: Aws.ACCOUNT_ID,
        REGION: Aws.REGION,
        IMAGE_TAG: "abc1234",
      });
      expect(taskDefinition?.Properties.ContainerDefinitions).toEqual(
        stack.resolve(toCloudFormation(filled.containerDefinitions)),
      );
      expect(taskDefinition?.Properties.NetworkMode).toBe("awsvpc");
    },
  );

  it("creates every role, log group, secret and parameter the task definitions name", () => {
    const json = JSON.stringify(
      SERVICE_NAMES.map((service) => fillTaskDefinition(service, { ACCOUNT_ID: "1", REGION: "r", IMAGE_TAG: "t" })),
    );
    const named = (pattern: RegExp) => [...new Set([...json.matchAll(pattern)].map((match) => match[1]))];
    const roleNames = ofType("AWS::IAM::Role").map(([, role]) => role.Properties.RoleName);
    for (const role of named(/:role\/([\w-]+)/g)) expect(roleNames, role).toContain(role);
    const logGroups = ofType("AWS::Logs::LogGroup").map(([, group]) => group.Properties.LogGroupName);
    for (const group of named(/"awslogs-group":"([^"]+)"/g)) expect(logGroups, group).toContain(group);
    const secrets = ofType("AWS::SecretsManager::Secret").map(([, secret]) => secret.Properties.Name);
    for (const secret of named(/:secret:([\w/-]+)/g)) expect(secrets, secret).toContain(secret);
    const parameters = ofType("AWS::SSM::Parameter").map(([, parameter]) => parameter.Properties.Name);
    for (const parameter of named(/:parameter(\/[\w/-]+)/g)) expect(parameters, parameter).toContain(parameter);
    expect(json).toContain('"S3_BUCKET","value":"video-service-1-r"');
  });
});

describe("capacity", () => {
  it("has one capacity provider per workload class, with managed scaling, termination protection and draining", () => {
    const providers = ofType("AWS::ECS::CapacityProvider");
    expect(providers).toHaveLength(3);
    for (const [, provider] of providers) {
      expect(provider.Properties.AutoScalingGroupProvider).toMatchObject({
        ManagedScaling: { Status: "ENABLED" },
        ManagedTerminationProtection: "ENABLED",
        ManagedDraining: "ENABLED",
      });
    }
    template.hasResourceProperties("AWS::ECS::Cluster", {
      ClusterName: "video-service",
      ClusterSettings: [{ Name: "containerInsights", Value: "enhanced" }],
    });
  });

  it("runs the renderer on compute-optimised instances: one On-Demand task as base, the rest on Spot with draining", () => {
    const renderer = ofType("AWS::ECS::Service").find(
      ([, service]) => service.Properties.ServiceName === "video-service-renderer",
    );
    const strategy = renderer?.[1].Properties.CapacityProviderStrategy as { Base?: number; Weight: number }[];
    expect(strategy).toHaveLength(2);
    expect(strategy.map((entry) => [entry.Base ?? 0, entry.Weight])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    const groups = ofType("AWS::AutoScaling::AutoScalingGroup").map(([, group]) => group.Properties);
    const spot = groups.find((group) => JSON.stringify(group).includes('"OnDemandPercentageAboveBaseCapacity":0'));
    const types = (group: Record<string, unknown> | undefined) =>
      JSON.stringify(group)
        .match(/"InstanceType":"([^"]+)"/g)
        ?.map((type) => type.split('"')[3] ?? "") ?? [];
    expect(types(spot).length).toBeGreaterThan(1);
    expect(types(spot).every((type) => type.startsWith("c"))).toBe(true);
    const templates = ofType("AWS::EC2::LaunchTemplate").map(([, launch]) =>
      JSON.stringify(stack.resolve(launch.Properties)),
    );
    expect(templates.filter((data) => data.includes("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true"))).toHaveLength(1);
    expect(templates.every((data) => data.includes("amazon-cloudwatch-agent"))).toBe(true);
    expect(groups.every((group) => group.NewInstancesProtectedFromScaleIn === true)).toBe(true);
  });
});

describe("service auto scaling", () => {
  it("tracks CPU 70 % and memory on every service, scaling in only after 15 minutes under 30 % CPU", () => {
    const policies = ofType("AWS::ApplicationAutoScaling::ScalingPolicy").map(([, policy]) => policy.Properties);
    const tracking = (metric: string) =>
      policies.filter(
        (policy) =>
          (
            policy.TargetTrackingScalingPolicyConfiguration as {
              PredefinedMetricSpecification?: { PredefinedMetricType: string };
            }
          )?.PredefinedMetricSpecification?.PredefinedMetricType === metric,
      );
    expect(tracking("ECSServiceAverageCPUUtilization").map((p) => p.TargetTrackingScalingPolicyConfiguration)).toEqual(
      Array(3).fill(expect.objectContaining({ TargetValue: 70, DisableScaleIn: true })),
    );
    expect(tracking("ECSServiceAverageMemoryUtilization")).toHaveLength(3);
    const idleAlarms = ofType("AWS::CloudWatch::Alarm").filter(
      ([, alarm]) =>
        alarm.Properties.Threshold === 30 && alarm.Properties.ComparisonOperator === "LessThanOrEqualToThreshold",
    );
    expect(idleAlarms).toHaveLength(3);
    for (const [, alarm] of idleAlarms) {
      expect(alarm.Properties).toMatchObject({ EvaluationPeriods: 15, DatapointsToAlarm: 15, Period: 60 });
    }
  });

  it("scales the workers (gateway, renderer) on the queue backlog per task the gateway publishes", () => {
    const backlog = ofType("AWS::ApplicationAutoScaling::ScalingPolicy")
      .map(
        ([, policy]) =>
          policy.Properties.TargetTrackingScalingPolicyConfiguration as Record<string, unknown> | undefined,
      )
      .filter((config) => JSON.stringify(config ?? {}).includes("video.queue.depth"));
    expect(backlog).toHaveLength(2);
    for (const config of backlog) {
      const spec = config?.CustomizedMetricSpecification as {
        Metrics: { Id: string; Expression?: string }[];
        MetricName?: string;
      };
      expect(spec.MetricName).toBeUndefined();
      expect(spec.Metrics.map((metric) => metric.Id)).toEqual(["depth", "tasks", "backlog"]);
      expect(spec.Metrics[2]?.Expression).toBe("IF(tasks > 0, depth / tasks, depth)");
      expect(JSON.stringify(spec)).toContain("RunningTaskCount");
      expect(config?.TargetValue).toBe(4);
    }
  });
});

describe("alarms and dashboard", () => {
  it("has the spec's alarms, queue age and failed jobs, each notifying the SNS topic", () => {
    const alarms = Object.fromEntries(
      ofType("AWS::CloudWatch::Alarm")
        .filter(([, alarm]) => typeof alarm.Properties.AlarmName === "string")
        .map(([, alarm]) => [alarm.Properties.AlarmName as string, alarm.Properties]),
    );
    expect(Object.keys(alarms).sort()).toEqual(
      [
        "video-service-error-rate",
        "video-service-failed-jobs",
        "video-service-gateway-cpu-high",
        "video-service-general-disk-low",
        "video-service-imagegen-cpu-high",
        "video-service-processing-time",
        "video-service-queue-age",
        "video-service-render-on-demand-disk-low",
        "video-service-render-spot-disk-low",
        "video-service-renderer-cpu-high",
      ].sort(),
    );
    expect(alarms["video-service-gateway-cpu-high"]?.Threshold).toBe(80);
    expect(alarms["video-service-general-disk-low"]).toMatchObject({
      Threshold: 80,
      MetricName: "disk_used_percent",
      Namespace: "CWAgent",
    });
    expect(alarms["video-service-error-rate"]?.Threshold).toBe(5);
    expect(alarms["video-service-processing-time"]).toMatchObject({
      Threshold: 900,
      MetricName: "video.job.duration",
      Namespace: "VideoService",
    });
    expect(alarms["video-service-queue-age"]).toMatchObject({
      MetricName: "video.queue.oldest_wait",
      Statistic: "Maximum",
    });
    expect(alarms["video-service-failed-jobs"]).toMatchObject({ MetricName: "video.jobs.failed", Statistic: "Sum" });
    const [topicId] = ofType("AWS::SNS::Topic").map(([id]) => id);
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });
});

describe("storage", () => {
  it("encrypts the media bucket with KMS, blocks public access, refuses plain HTTP and expires temp objects", () => {
    const media = ofType("AWS::S3::Bucket")
      .map(([, bucket]) => bucket.Properties)
      .find((bucket) => JSON.stringify(bucket.LifecycleConfiguration ?? {}).includes("audio/temp/"));
    expect(media).toBeDefined();
    expect(media?.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } },
      ],
    });
    expect(media?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const rules = (media?.LifecycleConfiguration as { Rules: Record<string, unknown>[] } | undefined)?.Rules ?? [];
    const byPrefix = (prefix: string) => rules.find((rule) => rule.Prefix === prefix);
    expect(byPrefix("images/temp/")).toMatchObject({ ExpirationInDays: 2, Status: "Enabled" });
    expect(byPrefix("audio/temp/")).toMatchObject({ ExpirationInDays: 2 });
    expect(
      rules.some(
        (rule) => (rule.AbortIncompleteMultipartUpload as { DaysAfterInitiation?: number })?.DaysAfterInitiation === 1,
      ),
    ).toBe(true);
    expect(byPrefix("videos/")).toMatchObject({ Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 30 }] });
    const policies = ofType("AWS::S3::BucketPolicy").map(([, policy]) => JSON.stringify(policy.Properties));
    expect(policies.every((policy) => policy.includes('"aws:SecureTransport":"false"'))).toBe(true);
  });

  it("runs Redis-compatible ElastiCache with TLS, encryption at rest, an auth token and noeviction", () => {
    template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      AuthToken: Match.anyValue(),
      MultiAZEnabled: true,
    });
    template.hasResourceProperties("AWS::ElastiCache::ParameterGroup", {
      Properties: { "maxmemory-policy": "noeviction" },
    });
  });
});

describe("network", () => {
  const ingress = () =>
    ofType("AWS::EC2::SecurityGroupIngress").map(([, rule]) => rule.Properties) as {
      GroupId: { "Fn::GetAtt": [string, string] };
      SourceSecurityGroupId?: { "Fn::GetAtt": [string, string] };
      FromPort: number;
    }[];
  const groupOf = (description: string) =>
    ofType("AWS::EC2::SecurityGroup").find(([, group]) =>
      String(group.Properties.GroupDescription).startsWith(description),
    )?.[0];

  it("lets only the gateway reach imagegen, the renderer and Redis; the ALB reach the gateway", () => {
    const gateway = groupOf("video-service gateway");
    for (const [target, port] of [
      ["video-service imagegen", 3001],
      ["video-service renderer", 3002],
      ["video-service ElastiCache", 6380],
    ] as const) {
      const rules = ingress().filter((rule) => rule.GroupId["Fn::GetAtt"][0] === groupOf(target));
      expect(rules, target).toHaveLength(1);
      expect(rules[0]).toMatchObject({ FromPort: port, SourceSecurityGroupId: { "Fn::GetAtt": [gateway, "GroupId"] } });
    }
    const toGateway = ingress().filter((rule) => rule.GroupId["Fn::GetAtt"][0] === gateway);
    expect(toGateway.map((rule) => [rule.FromPort, rule.SourceSecurityGroupId?.["Fn::GetAtt"][0]])).toEqual([
      [3000, groupOf("video-service ALB")],
    ]);
  });

  it("serves HTTPS with the certificate parameter, redirects HTTP, health-checks /healthz and logs access", () => {
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: { Ref: "CertificateArn" } }],
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      DefaultActions: [
        {
          Type: "redirect",
          RedirectConfig: Match.objectLike({ Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" }),
        },
      ],
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      TargetType: "ip",
      HealthCheckPath: "/healthz",
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      LoadBalancerAttributes: Match.arrayWith([{ Key: "access_logs.s3.enabled", Value: "true" }]),
    });
  });
});
