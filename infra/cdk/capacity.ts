import { Duration } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { acknowledge } from "./nag.ts";

export interface CapacityProps {
  cluster: ecs.Cluster;
  vpc: ec2.IVpc;
}

/** One Auto Scaling group per workload class, each an ECS capacity provider. */
export interface CapacityProviders {
  /** gateway and imagegen: general purpose, On-Demand. */
  general: ecs.AsgCapacityProvider;
  /** renderer base: compute optimised, On-Demand. */
  renderOnDemand: ecs.AsgCapacityProvider;
  /** renderer beyond the base: compute optimised, Spot, drained on the 2-minute notice. */
  renderSpot: ecs.AsgCapacityProvider;
  autoScalingGroups: autoscaling.AutoScalingGroup[];
}

const agentPlaceholder = (name: string) => `\${aws:${name}}`;

// The CloudWatch agent on each instance: disk and memory in % (namespace CWAgent), per Auto
// Scaling group, for the "disk < 20 % free" alarms. Container Insights covers tasks and services.
const CLOUDWATCH_AGENT_CONFIG = JSON.stringify({
  agent: { metrics_collection_interval: 60 },
  metrics: {
    // The agent's own placeholders, filled on the instance.
    append_dimensions: {
      AutoScalingGroupName: agentPlaceholder("AutoScalingGroupName"),
      InstanceId: agentPlaceholder("InstanceId"),
    },
    aggregation_dimensions: [["AutoScalingGroupName"]],
    metrics_collected: {
      disk: { measurement: ["used_percent"], resources: ["/"], drop_device: true },
      mem: { measurement: ["mem_used_percent"] },
    },
  },
});

export class Capacity extends Construct {
  readonly providers: CapacityProviders;

  constructor(scope: Construct, id: string, { cluster, vpc }: CapacityProps) {
    super(scope, id);
    const instanceRole = new iam.Role(this, "InstanceRole", {
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AmazonEC2ContainerServiceforEC2Role"),
        iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore"),
        iam.ManagedPolicy.fromAwsManagedPolicyName("CloudWatchAgentServerPolicy"),
      ],
    });
    acknowledge(
      instanceRole,
      "AwsSolutions-IAM4",
      "AWS's managed policies for the ECS agent, SSM and the CloudWatch agent track their APIs.",
      [
        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
        "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy",
      ],
    );
    acknowledge(
      instanceRole,
      "AwsSolutions-IAM5",
      "CDK's capacity-provider draining hook (ecs:Submit* on the cluster's instances).",
      ["Action::ecs:Submit*", "Resource::*"],
    );
    const instanceSecurityGroup = new ec2.SecurityGroup(this, "InstanceSg", {
      vpc,
      description: "ECS container instances: no inbound (tasks have their own ENIs and groups)",
    });

    const group = (
      name: string,
      options: { instanceTypes: string[]; spot: boolean; max: number; onDemandBase?: number },
    ) => {
      const userData = ec2.UserData.forLinux();
      userData.addCommands(
        // Containers of awsvpc tasks get their own ENIs; the agent still needs these set.
        "echo ECS_ENABLE_CONTAINER_METADATA=true >> /etc/ecs/ecs.config",
        ...(options.spot ? ["echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config"] : []),
        "dnf install -y amazon-cloudwatch-agent",
        `cat > /opt/aws/amazon-cloudwatch-agent/etc/video-service.json <<'JSON'\n${CLOUDWATCH_AGENT_CONFIG}\nJSON`,
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/video-service.json",
      );
      const launchTemplate = new ec2.LaunchTemplate(this, `${name}Template`, {
        machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
        userData,
        role: instanceRole,
        securityGroup: instanceSecurityGroup,
        requireImdsv2: true,
        blockDevices: [
          {
            deviceName: "/dev/xvda",
            // Images, scratch volumes of renders (a long video is ~1 GB) and logs.
            volume: ec2.BlockDeviceVolume.ebs(60, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
          },
        ],
      });
      const asg = new autoscaling.AutoScalingGroup(this, `${name}Group`, {
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        mixedInstancesPolicy: {
          launchTemplate,
          launchTemplateOverrides: options.instanceTypes.map((type) => ({ instanceType: new ec2.InstanceType(type) })),
          instancesDistribution: options.spot
            ? {
                onDemandBaseCapacity: options.onDemandBase ?? 0,
                onDemandPercentageAboveBaseCapacity: 0,
                spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
              }
            : { onDemandPercentageAboveBaseCapacity: 100 },
        },
        // ECS managed scaling sets the desired count; it starts empty, as AWS recommends.
        minCapacity: 0,
        maxCapacity: options.max,
        newInstancesProtectedFromScaleIn: true,
        healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(5) }),
      });
      acknowledge(
        asg,
        "AwsSolutions-AS3",
        "ECS managed scaling drives the group; its activity shows in ECS and CloudWatch.",
      );
      // The rule crashes on mixed-instances groups (reads launchTemplateName); the volumes above are encrypted.
      acknowledge(asg, "AwsSolutions-EC26", "The launch template's only EBS volume is encrypted (encrypted: true).");
      const provider = new ecs.AsgCapacityProvider(this, `${name}Provider`, {
        capacityProviderName: `video-service-${name.toLowerCase()}`,
        autoScalingGroup: asg,
        enableManagedScaling: true,
        enableManagedTerminationProtection: true,
        enableManagedDraining: true,
        targetCapacityPercent: 100,
        instanceWarmupPeriod: 180,
        machineImageType: ecs.MachineImageType.AMAZON_LINUX_2,
      });
      cluster.addAsgCapacityProvider(provider);
      return { provider, asg };
    };

    const general = group("General", { instanceTypes: ["m7i.large", "m6i.large", "m5.large"], spot: false, max: 6 });
    const renderOnDemand = group("RenderOnDemand", { instanceTypes: ["c7i.large", "c6i.large"], spot: false, max: 4 });
    const renderSpot = group("RenderSpot", {
      instanceTypes: ["c7i.large", "c6i.large", "c6a.large", "c5.large"],
      spot: true,
      max: 10,
    });
    this.providers = {
      general: general.provider,
      renderOnDemand: renderOnDemand.provider,
      renderSpot: renderSpot.provider,
      autoScalingGroups: [general.asg, renderOnDemand.asg, renderSpot.asg],
    };
  }
}
