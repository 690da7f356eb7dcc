// Loads no AWS code: main.ts parses config before telemetry instruments the AWS SDK.
import { env, z } from "@video-service/config";
import type { ObjectStoreConfig } from "./create-object-store.ts";

/**
 * The storage variables every service reads, written once: spread into a service's env schema,
 * check with `checkStorageEnv` in its superRefine, and turn into `createObjectStore`'s config with
 * `storageConfigFromEnv`.
 */
export const storageEnvShape = {
  // The local object store's directory (used when S3_BUCKET is unset).
  STORAGE_DIR: z.string().default("./.data/storage"),
  // HMAC key of the local store's download URLs; required when S3_BUCKET is unset.
  STORAGE_SIGNING_SECRET: z.string().optional(),
  // Where the gateway serves local files; signed URLs start with it.
  PUBLIC_BASE_URL: env.url().default("http://127.0.0.1:3000"),
  S3_BUCKET: z.string().min(3).optional(),
  S3_REGION: z.string().default("us-east-1"),
  // An S3-compatible endpoint (MinIO, s3rver); unset for AWS.
  S3_ENDPOINT: env.url().optional(),
  S3_FORCE_PATH_STYLE: env.bool(false),
};

const storageEnvSchema = z.object(storageEnvShape);
export type StorageEnv = z.output<typeof storageEnvSchema>;

/** Run checkStorageEnv even when other variables failed, so one error lists every bad variable. */
export const reportWithOtherIssues = { when: () => true };

export function checkStorageEnv(raw: Partial<StorageEnv>, ctx: z.RefinementCtx): void {
  const secret = typeof raw.STORAGE_SIGNING_SECRET === "string" ? raw.STORAGE_SIGNING_SECRET : "";
  if (!raw.S3_BUCKET && secret.length < 16) {
    ctx.addIssue({
      code: "custom",
      path: ["STORAGE_SIGNING_SECRET"],
      message: "must be at least 16 characters when S3_BUCKET is unset (local storage)",
    });
  }
  if (raw.S3_ENDPOINT && !raw.S3_BUCKET) {
    ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "S3_ENDPOINT is set but S3_BUCKET is not" });
  }
}

export function storageConfigFromEnv(raw: StorageEnv): ObjectStoreConfig {
  if (raw.S3_BUCKET) {
    return {
      kind: "s3",
      bucket: raw.S3_BUCKET,
      region: raw.S3_REGION,
      ...(raw.S3_ENDPOINT ? { endpoint: raw.S3_ENDPOINT } : {}),
      forcePathStyle: raw.S3_FORCE_PATH_STYLE,
    };
  }
  return {
    kind: "local",
    root: raw.STORAGE_DIR,
    signingSecret: raw.STORAGE_SIGNING_SECRET ?? "",
    publicBaseUrl: raw.PUBLIC_BASE_URL,
  };
}
