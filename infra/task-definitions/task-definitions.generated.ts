// Generated from task-definitions/*.json by `node infra/task-definitions/generate-typecheck.ts`; do not edit.
// tsc checks each template against the SDK's RegisterTaskDefinition input (excess keys included).
import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";

export const gateway = {
  "family": "video-service-gateway",
  "networkMode": "awsvpc",
  "requiresCompatibilities": [
    "EC2"
  ],
  "executionRoleArn": "arn:aws:iam::{{ACCOUNT_ID}}:role/video-service-execution",
  "taskRoleArn": "arn:aws:iam::{{ACCOUNT_ID}}:role/video-service-gateway-task",
  "containerDefinitions": [
    {
      "name": "gateway",
      "image": "{{ACCOUNT_ID}}.dkr.ecr.{{REGION}}.amazonaws.com/video-service/gateway:{{IMAGE_TAG}}",
      "essential": true,
      "cpu": 512,
      "memoryReservation": 384,
      "memory": 1024,
      "portMappings": [
        {
          "containerPort": 3000,
          "protocol": "tcp",
          "name": "http"
        }
      ],
      "environment": [
        {
          "name": "NODE_ENV",
          "value": "production"
        },
        {
          "name": "HOST",
          "value": "0.0.0.0"
        },
        {
          "name": "PORT",
          "value": "3000"
        },
        {
          "name": "S3_BUCKET",
          "value": "video-service-{{ACCOUNT_ID}}-{{REGION}}"
        },
        {
          "name": "S3_REGION",
          "value": "{{REGION}}"
        },
        {
          "name": "IMAGEGEN_URL",
          "value": "http://imagegen.video-service.internal:3001"
        },
        {
          "name": "RENDERER_URL",
          "value": "http://renderer.video-service.internal:3002"
        },
        {
          "name": "RUN_WORKER",
          "value": "true"
        },
        {
          "name": "WORKER_CONCURRENCY",
          "value": "1"
        },
        {
          "name": "SHUTDOWN_TIMEOUT_MS",
          "value": "80000"
        },
        {
          "name": "OTEL_EXPORTER_OTLP_ENDPOINT",
          "value": "http://localhost:4318"
        },
        {
          "name": "XDG_CACHE_HOME",
          "value": "/tmp/.cache"
        }
      ],
      "secrets": [
        {
          "name": "API_KEYS",
          "valueFrom": "arn:aws:secretsmanager:{{REGION}}:{{ACCOUNT_ID}}:secret:video-service/api-keys"
        },
        {
          "name": "INTERNAL_TOKEN",
          "valueFrom": "arn:aws:secretsmanager:{{REGION}}:{{ACCOUNT_ID}}:secret:video-service/internal-token"
        },
        {
          "name": "REDIS_URL",
          "valueFrom": "arn:aws:secretsmanager:{{REGION}}:{{ACCOUNT_ID}}:secret:video-service/redis-url"
        },
        {
          "name": "WEBHOOK_SECRET",
          "valueFrom": "arn:aws:secretsmanager:{{REGION}}:{{ACCOUNT_ID}}:secret:video-service/webhook-secret"
        }
      ],
      "dependsOn": [
        {
          "containerName": "aws-otel-collector",
          "condition": "HEALTHY"
        }
      ],
      "healthCheck": {
        "command": [
          "CMD",
          "node",
          "-e",
          "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
        ],
        "interval": 15,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 20
      },
      "stopTimeout": 110,
      "readonlyRootFilesystem": true,
      "linuxParameters": {
        "initProcessEnabled": true,
        "tmpfs": [
          {
            "containerPath": "/tmp",
            "size": 64,
            "mountOptions": [
              "noexec",
              "nosuid"
            ]
          }
        ]
      },
      "ulimits": [
        {
          "name": "nofile",
          "softLimit": 65536,
          "hardLimit": 65536
        }
      ],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/video-service/gateway",
          "awslogs-region": "{{REGION}}",
          "awslogs-stream-prefix": "gateway",
          "mode": "non-blocking",
          "max-buffer-size": "4m"
        }
      }
    },
    {
      "name": "aws-otel-collector",
      "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0",
      "essential": true,
      "cpu": 64,
      "memoryReservation": 64,
      "memory": 256,
      "secrets": [
        {
          "name": "AOT_CONFIG_CONTENT",
          "valueFrom": "arn:aws:ssm:{{REGION}}:{{ACCOUNT_ID}}:parameter/video-service/otel-collector-config"
        }
      ],
      "healthCheck": {
        "command": [
          "/healthcheck"
        ],
        "interval": 5,
        "timeout": 6,
        "retries": 5,
        "startPeriod": 1
      },
      "stopTimeout": 120,
      "readonlyRootFilesystem": true,
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/video-service/otel-collector",
          "awslogs-region": "{{REGION}}",
          "awslogs-stream-prefix": "gateway",
          "mode": "non-blocking",
          "max-buffer-size": "1m"
        }
      }
    }
  ]
} satisfies RegisterTaskDefinitionCommandInput;

export const imagegen = {
  "family": "video-service-imagegen",
  "networkMode": "awsvpc",
  "requiresCompatibilities": [
    "EC2"
  ],
  "executionRoleArn": "arn:aws:iam::{{ACCOUNT_ID}}:role/video-service-execution",
  "taskRoleArn": "arn:aws:iam::{{ACCOUNT_ID}}:role/video-service-imagegen-task",
  "containerDefinitions": [
    {
      "name": "imagegen",
      "image": "{{ACCOUNT_ID}}.dkr.ecr.{{REGION}}.amazonaws.com/video-service/imagegen:{{IMAGE_TAG}}",
      "essential": true,
      "cpu": 1024,
      "memoryReservation": 512,
      "memory": 1536,
      "portMappings": [
        {
          "containerPort": 3001,
          "protocol": "tcp",
          "name": "http"
        }
      ],
      "environment": [
        {
          "name": "NODE_ENV",
          "value": "production"
        },
        {
          "name": "HOST",
          "value": "0.0.0.0"
        },
        {
          "name": "PORT",
          "value": "3001"
        },
        {
          "name": "S3_BUCKET",
          "value": "video-service-{{ACCOUNT_ID}}-{{REGION}}"
        },
        {
          "name": "S3_REGION",
          "value": "{{REGION}}"
        },
        {
          "name": "OTEL_EXPORTER_OTLP_ENDPOINT",
          "value": "http://localhost:4318"
        },
        {
          "name": "XDG_CACHE_HOME",
          "value": "/tmp/.cache"
        }
      ],
      "secrets": [
        {
          "name": "INTERNAL_TOKEN",
          "valueFrom": "arn:aws:secretsmanager:{{REGION}}:{{ACCOUNT_ID}}:secret:video-service/internal-token"
        }
      ],
      "dependsOn": [
        {
          "containerName": "aws-otel-collector",
          "condition": "HEALTHY"
        }
      ],
      "healthCheck": {
        "command": [
          "CMD",
          "node",
          "-e",
          "fetch('http://127.0.0.1:3001/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
        ],
        "interval": 15,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 15
      },
      "stopTimeout": 60,
      "readonlyRootFilesystem": true,
      "linuxParameters": {
        "initProcessEnabled": true,
        "tmpfs": [
          {
            "containerPath": "/tmp",
            "size": 256,
            "mountOptions": [
              "noexec",
              "nosuid"
            ]
          }
        ]
      },
      "ulimits": [
        {
          "name": "nofile",
          "softLimit": 65536,
          "hardLimit": 65536
        }
      ],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/video-service/imagegen",
          "awslogs-region": "{{REGION}}",
          "awslogs-stream-prefix": "imagegen",
          "mode": "non-blocking",
          "max-buffer-size": "4m"
        }
      }
    },
    {
      "name": "aws-otel-collector",
      "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0",
      "essential": true,
      "cpu": 64,
      "memoryReservation": 64,
      "memory": 256,
      "secrets": [
        {
          "name": "AOT_CONFIG_CONTENT",
          "valueFrom": "arn:aws:ssm:{{REGION}}:{{ACCOUNT_ID}}:parameter/video-service/otel-collector-config"
        }
      ],
      "healthCheck": {
        "command": [
          "/healthcheck"
        ],
        "interval": 5,
        "timeout": 6,
        "retries": 5,
        "startPeriod": 1
      },
      "stopTimeout": 120,
      "readonlyRootFilesystem": true,
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/video-service/otel-collector",
          "awslogs-region": "{{REGION}}",
          "awslogs-stream-prefix": "imagegen",
          "mode": "non-blocking",
          "max-buffer-size": "1m"
        }
      }
    }
  ]
} satisfies RegisterTaskDefinitionCommandInput;

export const renderer = {
  "family": "video-service-renderer",
  "networkMode": "awsvpc",
  "requiresCompatibilities": [
    "EC2"
  ],
  "executionRoleArn": "arn:aws:iam::{{ACCOUNT_ID}}:role/video-service-execution",
  "taskRoleArn": "arn:aws:iam::{{ACCOUNT_ID}}:role/video-service-renderer-task",
  "containerDefinitions": [
    {
      "name": "renderer",
      "image": "{{ACCOUNT_ID}}.dkr.ecr.{{REGION}}.amazonaws.com/video-service/renderer:{{IMAGE_TAG}}",
      "essential": true,
      "cpu": 1920,
      "memoryReservation": 1024,
      "memory": 2560,
      "portMappings": [
        {
          "containerPort": 3002,
          "protocol": "tcp",
          "name": "http"
        }
      ],
      "environment": [
        {
          "name": "NODE_ENV",
          "value": "production"
        },
        {
          "name": "HOST",
          "value": "0.0.0.0"
        },
        {
          "name": "PORT",
          "value": "3002"
        },
        {
          "name": "S3_BUCKET",
          "value": "video-service-{{ACCOUNT_ID}}-{{REGION}}"
        },
        {
          "name": "S3_REGION",
          "value": "{{REGION}}"
        },
        {
          "name": "SCRATCH_DIR",
          "value": "/scratch"
        },
        {
          "name": "RENDER_CONCURRENCY",
          "value": "1"
        },
        {
          "name": "RENDER_DRAIN_MS",
          "value": "80000"
        },
        {
          "name": "OTEL_EXPORTER_OTLP_ENDPOINT",
          "value": "http://localhost:4318"
        },
        {
          "name": "XDG_CACHE_HOME",
          "value": "/tmp/.cache"
        },
        {
          "name": "POLLY_ENABLED",
          "value": "true"
        },
        {
          "name": "POLLY_REGION",
          "value": "{{REGION}}"
        }
      ],
      "secrets": [
        {
          "name": "INTERNAL_TOKEN",
          "valueFrom": "arn:aws:secretsmanager:{{REGION}}:{{ACCOUNT_ID}}:secret:video-service/internal-token"
        }
      ],
      "dependsOn": [
        {
          "containerName": "aws-otel-collector",
          "condition": "HEALTHY"
        }
      ],
      "healthCheck": {
        "command": [
          "CMD",
          "node",
          "-e",
          "fetch('http://127.0.0.1:3002/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
        ],
        "interval": 15,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 20
      },
      "stopTimeout": 110,
      "readonlyRootFilesystem": true,
      "linuxParameters": {
        "initProcessEnabled": true,
        "tmpfs": [
          {
            "containerPath": "/tmp",
            "size": 64,
            "mountOptions": [
              "noexec",
              "nosuid"
            ]
          }
        ]
      },
      "ulimits": [
        {
          "name": "nofile",
          "softLimit": 65536,
          "hardLimit": 65536
        }
      ],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/video-service/renderer",
          "awslogs-region": "{{REGION}}",
          "awslogs-stream-prefix": "renderer",
          "mode": "non-blocking",
          "max-buffer-size": "4m"
        }
      },
      "mountPoints": [
        {
          "sourceVolume": "scratch",
          "containerPath": "/scratch",
          "readOnly": false
        }
      ]
    },
    {
      "name": "aws-otel-collector",
      "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0",
      "essential": true,
      "cpu": 64,
      "memoryReservation": 64,
      "memory": 256,
      "secrets": [
        {
          "name": "AOT_CONFIG_CONTENT",
          "valueFrom": "arn:aws:ssm:{{REGION}}:{{ACCOUNT_ID}}:parameter/video-service/otel-collector-config"
        }
      ],
      "healthCheck": {
        "command": [
          "/healthcheck"
        ],
        "interval": 5,
        "timeout": 6,
        "retries": 5,
        "startPeriod": 1
      },
      "stopTimeout": 120,
      "readonlyRootFilesystem": true,
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "/ecs/video-service/otel-collector",
          "awslogs-region": "{{REGION}}",
          "awslogs-stream-prefix": "renderer",
          "mode": "non-blocking",
          "max-buffer-size": "1m"
        }
      }
    }
  ],
  "volumes": [
    {
      "name": "scratch",
      "dockerVolumeConfiguration": {
        "scope": "task",
        "driver": "local",
        "autoprovision": false
      }
    }
  ]
} satisfies RegisterTaskDefinitionCommandInput;
