import { Duration } from "aws-cdk-lib";
import type * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { METRICS_NAMESPACE } from "./services.ts";

export interface MonitoringProps {
  services: Record<"gateway" | "imagegen" | "renderer", ecs.Ec2Service>;
  autoScalingGroups: autoscaling.AutoScalingGroup[];
  loadBalancer: elbv2.ApplicationLoadBalancer;
  key: kms.IKey;
  alarmEmail: string | undefined;
}

const appMetric = (metricName: string, statistic: string, period = Duration.minutes(5)) =>
  new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, statistic, period });

/** The alarms (all to one SNS topic) and the one dashboard. */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Alarms", {
      topicName: "video-service-alarms",
      masterKey: props.key,
      enforceSSL: true,
    });
    // CloudWatch publishes to the encrypted topic with the key.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const alarm = (name: string, options: Omit<cloudwatch.AlarmProps, "alarmName">) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmName: `video-service-${name}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      created.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };

    for (const [name, service] of Object.entries(props.services)) {
      alarm(`${name}-cpu-high`, {
        alarmDescription: `${name}: CPU above 80 % of its reservation for 15 minutes`,
        metric: service.metricCpuUtilization({ period: Duration.minutes(5) }),
        threshold: 80,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    for (const [index, group] of props.autoScalingGroups.entries()) {
      const name = ["general", "render-on-demand", "render-spot"][index] ?? `group-${index}`;
      alarm(`${name}-disk-low`, {
        alarmDescription: `${name} instances: less than 20 % disk free (CloudWatch agent, fullest instance)`,
        metric: new cloudwatch.Metric({
          namespace: "CWAgent",
          metricName: "disk_used_percent",
          dimensionsMap: { AutoScalingGroupName: group.autoScalingGroupName },
          statistic: "Maximum",
          period: Duration.minutes(5),
        }),
        threshold: 80,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    const requests = props.loadBalancer.metrics.requestCount({ period: Duration.minutes(5), statistic: "Sum" });
    const errors = props.loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      period: Duration.minutes(5),
      statistic: "Sum",
    });
    const errorRate = new cloudwatch.MathExpression({
      expression: "IF(requests > 0, 100 * errors / requests, 0)",
      usingMetrics: { requests, errors },
      label: "5xx %",
      period: Duration.minutes(5),
    });
    alarm("error-rate", {
      alarmDescription: "More than 5 % of API requests answered 5xx for 10 minutes",
      metric: errorRate,
      threshold: 5,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm("processing-time", {
      alarmDescription: "A video job took longer than 15 minutes from creation to its end",
      metric: appMetric("video.job.duration", "Maximum"),
      threshold: 900,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm("queue-age", {
      alarmDescription: "The oldest waiting job has waited more than 10 minutes (workers not keeping up)",
      metric: appMetric("video.queue.oldest_wait", "Maximum"),
      threshold: 600,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm("failed-jobs", {
      alarmDescription: "3 or more video jobs failed for good within 15 minutes",
      metric: appMetric("video.jobs.failed", "Sum", Duration.minutes(15)),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", { dashboardName: "video-service" });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: this.alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Jobs (per 5 min)",
        left: [
          appMetric("video.jobs.created", "Sum"),
          appMetric("video.jobs.succeeded", "Sum"),
          appMetric("video.jobs.failed", "Sum"),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Queue",
        left: [appMetric("video.queue.depth", "Maximum", Duration.minutes(1))],
        right: [appMetric("video.queue.oldest_wait", "Maximum", Duration.minutes(1))],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Job duration (s) and render s per video s",
        left: [appMetric("video.job.duration", "Average"), appMetric("video.job.duration", "Maximum")],
        right: [appMetric("video.render.seconds_per_video_second", "Average")],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Service CPU %",
        left: Object.values(props.services).map((service) => service.metricCpuUtilization()),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Service memory %",
        left: Object.values(props.services).map((service) => service.metricMemoryUtilization()),
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: "API 5xx %", left: [errorRate], width: 8 }),
    );
  }
}
