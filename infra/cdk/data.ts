import { Aws, Duration, Fn, RemovalPolicy, SecretValue, Validations } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

export const REDIS_PORT = 6380;

export interface DataProps {
  vpc: ec2.IVpc;
  redisSecurityGroup: ec2.ISecurityGroup;
  /** Objects under videos/ move to Standard-IA after this many days (S3's minimum is 30). */
  videoInfrequentAccessDays: number;
  /** Videos are deleted after this many days; undefined keeps them. */
  videoExpirationDays: number | undefined;
}

/**
 * The media bucket (SSE-KMS, private, TLS only, lifecycle for temp prefixes), the access-log
 * bucket, the application secrets (Secrets Manager, names the task definitions reference) and the
 * Redis-compatible ElastiCache replication group BullMQ runs on.
 */
export class Data extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly key: kms.Key;
  readonly secrets: Record<
    "apiKeys" | "internalToken" | "webhookSecret" | "redisUrl" | "redisAuthToken",
    secretsmanager.Secret
  >;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.key = new kms.Key(this, "Key", {
      alias: "alias/video-service",
      description: "video-service: media bucket, alarm topic",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ALB access logs require SSE-S3; this bucket also receives the media bucket's access logs.
    this.logBucket = new s3.Bucket(this, "AccessLogs", {
      bucketName: Fn.join("-", ["video-service-logs", Aws.ACCOUNT_ID, Aws.REGION]),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "expire-logs", expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.logBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the access-log bucket; logging it into itself would loop.",
    });

    const videoTransitions: s3.LifecycleRule = {
      id: "videos-age",
      prefix: "videos/",
      transitions: [
        {
          storageClass: s3.StorageClass.INFREQUENT_ACCESS,
          transitionAfter: Duration.days(props.videoInfrequentAccessDays),
        },
      ],
      ...(props.videoExpirationDays ? { expiration: Duration.days(props.videoExpirationDays) } : {}),
    };
    this.bucket = new s3.Bucket(this, "Media", {
      // The name the task definitions give the services (S3_BUCKET).
      bucketName: Fn.join("-", ["video-service", Aws.ACCOUNT_ID, Aws.REGION]),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: "s3/",
      lifecycleRules: [
        // The app deletes a job's temp objects when it ends (a failed job keeps them a day for a
        // retry); these rules are the safety net for tasks that died first.
        { id: "images-temp", prefix: "images/temp/", expiration: Duration.days(2) },
        { id: "audio-temp", prefix: "audio/temp/", expiration: Duration.days(2) },
        { id: "images-cache", prefix: "images/cache/", expiration: Duration.days(30) },
        { id: "incomplete-multipart", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        videoTransitions,
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const generated = (name: string, description: string) =>
      new secretsmanager.Secret(this, name, {
        secretName: `video-service/${description}`,
        description: `video-service ${description}`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
    const redisAuthToken = generated("RedisAuthToken", "redis-auth-token");
    const subnetGroup = new elasticache.CfnSubnetGroup(this, "RedisSubnets", {
      description: "video-service Redis",
      subnetIds: props.vpc.isolatedSubnets.map((subnet) => subnet.subnetId),
    });
    // BullMQ needs noeviction: an evicted queue key is a lost job.
    const parameters = new elasticache.CfnParameterGroup(this, "RedisParameters", {
      cacheParameterGroupFamily: "valkey8",
      description: "video-service: BullMQ needs maxmemory-policy noeviction",
      properties: { "maxmemory-policy": "noeviction" },
    });
    const redis = new elasticache.CfnReplicationGroup(this, "Redis", {
      replicationGroupDescription: "video-service job queue and job records (BullMQ)",
      engine: "valkey",
      engineVersion: "8.0",
      cacheNodeType: "cache.t4g.small",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: REDIS_PORT,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: redisAuthToken.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnetGroup.ref,
      cacheParameterGroupName: parameters.ref,
      securityGroupIds: [props.redisSecurityGroup.securityGroupId],
      snapshotRetentionLimit: 3,
    });
    // The URL the gateway reads (REDIS_URL); CloudFormation fills the token in by dynamic reference.
    const redisUrl = new secretsmanager.Secret(this, "RedisUrl", {
      secretName: "video-service/redis-url",
      description: "video-service REDIS_URL (rediss://, with the auth token)",
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join("", [
          "rediss://:",
          redisAuthToken.secretValue.unsafeUnwrap(),
          "@",
          redis.attrPrimaryEndPointAddress,
          ":",
          redis.attrPrimaryEndPointPort,
          "/0",
        ]),
      ),
    });
    this.secrets = {
      apiKeys: generated("ApiKeys", "api-keys"),
      internalToken: generated("InternalToken", "internal-token"),
      webhookSecret: generated("WebhookSecret", "webhook-secret"),
      redisUrl,
      redisAuthToken,
    };
    for (const secret of Object.values(this.secrets)) {
      Validations.of(secret).acknowledge({
        id: "AwsSolutions-SMG4",
        reason: "Rotating these needs the tasks restarted with the new value; rotation is a documented manual step.",
      });
    }
  }
}
