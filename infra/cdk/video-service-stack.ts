import { readFileSync } from "node:fs";
import { Aws, CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as ssm from "aws-cdk-lib/aws-ssm";
import type { Construct } from "constructs";
import { SERVICE_NAMES, type ServiceName } from "../task-definitions/task-definitions.ts";
import { Capacity } from "./capacity.ts";
import { Data, REDIS_PORT } from "./data.ts";
import { Monitoring } from "./monitoring.ts";
import { acknowledge } from "./nag.ts";
import { addServiceScaling, type ServiceSizing, serviceSecurityGroup, taskDefinitionFromJson } from "./services.ts";

export const CLUSTER_NAME = "video-service";
export const COLLECTOR_CONFIG_PARAMETER = "/video-service/otel-collector-config";
const COLLECTOR_CONFIG = readFileSync(new URL("../otel/ecs-collector.yaml", import.meta.url), "utf8");

export const SERVICE_SIZING: Record<ServiceName, ServiceSizing> = {
  gateway: { min: 2, max: 8, backlog: true },
  imagegen: { min: 1, max: 6, backlog: false },
  renderer: { min: 1, max: 12, backlog: true },
};

export interface VideoServiceStackProps extends StackProps {
  imageTag: string;
  alarmEmail: string | undefined;
  videoInfrequentAccessDays: number;
  videoExpirationDays: number | undefined;
}

/** Everything but the image repositories: see docs/deploy.md for the order of deployment. */
export class VideoServiceStack extends Stack {
  readonly services: Record<ServiceName, ecs.Ec2Service>;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: VideoServiceStackProps) {
    super(scope, id, props);
    const certificateArn = new CfnParameter(this, "CertificateArn", {
      type: "String",
      description: "ACM certificate (same region) for the load balancer's HTTPS listener",
      allowedPattern: "^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+$",
    });

    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "app", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    // S3 traffic (every image, audio file and video) stays off the NAT gateway.
    vpc.addGatewayEndpoint("S3", { service: ec2.GatewayVpcEndpointAwsService.S3 });

    const albSg = serviceSecurityGroup(
      this,
      "AlbSg",
      vpc,
      "video-service ALB: HTTPS (and HTTP to redirect) from anywhere",
    );
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS");
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), "HTTP, redirected to HTTPS");
    acknowledge(
      albSg,
      "AwsSolutions-EC23",
      "The public API's load balancer takes HTTPS from anywhere; HTTP only redirects.",
    );
    const groups = {
      gateway: serviceSecurityGroup(this, "GatewaySg", vpc, "video-service gateway tasks"),
      imagegen: serviceSecurityGroup(this, "ImagegenSg", vpc, "video-service imagegen tasks"),
      renderer: serviceSecurityGroup(this, "RendererSg", vpc, "video-service renderer tasks"),
    };
    const redisSg = serviceSecurityGroup(this, "RedisSg", vpc, "video-service ElastiCache");
    groups.gateway.addIngressRule(albSg, ec2.Port.tcp(3000), "API from the load balancer");
    groups.imagegen.addIngressRule(groups.gateway, ec2.Port.tcp(3001), "cards from the gateway only");
    groups.renderer.addIngressRule(groups.gateway, ec2.Port.tcp(3002), "speech and renders from the gateway only");
    redisSg.addIngressRule(groups.gateway, ec2.Port.tcp(REDIS_PORT), "BullMQ from the gateway only");

    const data = new Data(this, "Data", {
      vpc,
      redisSecurityGroup: redisSg,
      videoInfrequentAccessDays: props.videoInfrequentAccessDays,
      videoExpirationDays: props.videoExpirationDays,
    });

    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      clusterName: CLUSTER_NAME,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
      defaultCloudMapNamespace: { name: "video-service.internal", vpc },
    });
    const capacity = new Capacity(this, "Capacity", { cluster, vpc });

    // Log groups named in the task definitions, with their retention (awslogs cannot set one).
    for (const name of [...SERVICE_NAMES, "otel-collector", "metrics"]) {
      new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/ecs/video-service/${name}`,
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    new ssm.StringParameter(this, "CollectorConfig", {
      parameterName: COLLECTOR_CONFIG_PARAMETER,
      description: "ADOT collector configuration of every task (infra/otel/ecs-collector.yaml)",
      stringValue: COLLECTOR_CONFIG,
    });

    const { executionRole, taskRoles } = this.roles(data);
    const strategies: Record<ServiceName, ecs.CapacityProviderStrategy[]> = {
      gateway: [{ capacityProvider: capacity.providers.general.capacityProviderName, weight: 1 }],
      imagegen: [{ capacityProvider: capacity.providers.general.capacityProviderName, weight: 1 }],
      // One render task always On-Demand; everything above it on Spot (drained on the 2-minute notice).
      renderer: [
        { capacityProvider: capacity.providers.renderOnDemand.capacityProviderName, base: 1, weight: 0 },
        { capacityProvider: capacity.providers.renderSpot.capacityProviderName, weight: 1 },
      ],
    };
    const services = {} as Record<ServiceName, ecs.Ec2Service>;
    for (const name of SERVICE_NAMES) {
      const taskDefinition = taskDefinitionFromJson(this, name, {
        imageTag: props.imageTag,
        executionRole,
        taskRole: taskRoles[name],
      });
      const service = new ecs.Ec2Service(this, `${name}Service`, {
        cluster,
        serviceName: `video-service-${name}`,
        taskDefinition,
        desiredCount: SERVICE_SIZING[name].min,
        capacityProviderStrategies: strategies[name],
        securityGroups: [groups[name]],
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        cloudMapOptions: { name, dnsTtl: Duration.seconds(10) },
        // Protected tasks (a job in flight) stay while new ones start: room for both.
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        circuitBreaker: { enable: true, rollback: true },
        placementStrategies: [ecs.PlacementStrategy.spreadAcross(ecs.BuiltInAttributes.AVAILABILITY_ZONE)],
        healthCheckGracePeriod: name === "gateway" ? Duration.seconds(60) : undefined,
      });
      services[name] = service;
    }

    const alb = new elbv2.ApplicationLoadBalancer(this, "Alb", {
      vpc,
      internetFacing: true,
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
      // SSE progress streams send a heartbeat well within this.
      idleTimeout: Duration.seconds(120),
    });
    alb.logAccessLogs(data.logBucket, "alb");
    alb.addRedirect({ sourcePort: 80, sourceProtocol: elbv2.ApplicationProtocol.HTTP, targetPort: 443 });
    const https = alb.addListener("Https", {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(certificateArn.valueAsString)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    });
    https.addTargets("Gateway", {
      port: 3000,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [services.gateway.loadBalancerTarget({ containerName: "gateway", containerPort: 3000 })],
      healthCheck: {
        path: "/healthz",
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      deregistrationDelay: Duration.seconds(30),
    });

    for (const name of SERVICE_NAMES) {
      addServiceScaling(name, { service: services[name], cluster, sizing: SERVICE_SIZING[name] });
    }
    this.services = services;
    this.monitoring = new Monitoring(this, "Monitoring", {
      services,
      autoScalingGroups: capacity.providers.autoScalingGroups,
      loadBalancer: alb,
      key: data.key,
      alarmEmail: props.alarmEmail,
    });

    new CfnOutput(this, "ApiUrl", {
      value: `https://${alb.loadBalancerDnsName}`,
      description: "Point your DNS name here",
    });
    new CfnOutput(this, "ClusterName", { value: cluster.clusterName });
    new CfnOutput(this, "BucketName", { value: data.bucket.bucketName });
    new CfnOutput(this, "ApiKeysSecret", { value: data.secrets.apiKeys.secretName });
    new CfnOutput(this, "AlarmTopic", { value: this.monitoring.topic.topicArn });
  }

  /** Execution role (pull, logs, secrets) shared by the tasks; one task role per service. */
  private roles(data: Data) {
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const executionRole = new iam.Role(this, "ExecutionRole", {
      roleName: "video-service-execution",
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    });
    executionRole.addToPolicy(new iam.PolicyStatement({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] }));
    executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        resources: [arn("ecr", "repository/video-service/*")],
      }),
    );
    executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["kms:Decrypt"],
        resources: ["*"],
        conditions: { StringEquals: { "kms:ViaService": `ecr.${Aws.REGION}.amazonaws.com` } },
      }),
    );
    executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [arn("logs", "log-group:/ecs/video-service/*")],
      }),
    );
    for (const secret of Object.values(data.secrets)) secret.grantRead(executionRole);
    executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["ssm:GetParameters"],
        resources: [arn("ssm", `parameter${COLLECTOR_CONFIG_PARAMETER}`)],
      }),
    );
    acknowledge(
      executionRole,
      "AwsSolutions-IAM5",
      "GetAuthorizationToken has no resource; pulls, logs and KMS are scoped to video-service.",
      [
        "Resource::*",
        "Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/video-service/*",
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/ecs/video-service/*",
      ],
    );

    const taskRole = (name: ServiceName) => {
      const role = new iam.Role(this, `${name}TaskRole`, {
        roleName: `video-service-${name}-task`,
        assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      });
      data.bucket.grantReadWrite(role);
      data.bucket.grantDelete(role);
      // The ADOT sidecar: traces to X-Ray, metrics as EMF into its log group.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
          ],
          resources: ["*"],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:DescribeLogGroups"],
          resources: [
            arn("logs", "log-group:/ecs/video-service/metrics"),
            arn("logs", "log-group:/ecs/video-service/metrics:*"),
          ],
        }),
      );
      if (name !== "imagegen") {
        // Scale-in protection while a job or a render is in flight (the ECS agent calls these for the task).
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
            resources: [arn("ecs", `task/${CLUSTER_NAME}/*`)],
          }),
        );
      }
      if (name === "renderer") {
        // Amazon Polly voices (POLLY_ENABLED in the task definition); Polly has no resource ARNs but lexicons.
        role.addToPolicy(
          new iam.PolicyStatement({ actions: ["polly:SynthesizeSpeech", "polly:DescribeVoices"], resources: ["*"] }),
        );
      }
      acknowledge(
        role,
        "AwsSolutions-IAM5",
        "Objects are per job in one bucket; X-Ray has no resource ARNs; tasks are this cluster's.",
        [
          ...["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"].map((a) => `Action::${a}`),
          "Action::kms:ReEncrypt*",
          "Action::kms:GenerateDataKey*",
          "Resource::*",
          "Resource::<DataMedia56AA92A6.Arn>/*",
          "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/ecs/video-service/metrics:*",
          ...(name === "imagegen"
            ? []
            : ["Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/video-service/*"]),
        ],
      );
      return role;
    };
    return {
      executionRole,
      taskRoles: { gateway: taskRole("gateway"), imagegen: taskRole("imagegen"), renderer: taskRole("renderer") },
    };
  }
}
