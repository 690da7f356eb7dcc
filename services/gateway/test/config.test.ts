import { ConfigError, loadConfig } from "@video-service/config";
import { describe, expect, it } from "vitest";
import { gatewayConfigSchema } from "../src/config.ts";

const required = {
  API_KEYS: "key-one-0123456789abcdef, key-two-0123456789abcdef",
  INTERNAL_TOKEN: "internal-token-0123456789",
  STORAGE_SIGNING_SECRET: "signing-secret-0123456789",
};

describe("gateway configuration", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig(gatewayConfigSchema, required);
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      API_KEYS: ["key-one-0123456789abcdef", "key-two-0123456789abcdef"],
      REDIS_URL: "redis://127.0.0.1:6379/0",
      IMAGEGEN_URL: "http://127.0.0.1:3001",
      RENDERER_URL: "http://127.0.0.1:3002",
      PUBLIC_BASE_URL: "http://127.0.0.1:3000",
      STORAGE_DIR: "./.data/storage",
      WORKER_CONCURRENCY: 1,
      RUN_WORKER: true,
      QUEUE_NAME: "videos",
      MAX_BODY_BYTES: 256 * 1024,
      LOG_LEVEL: "info",
    });
    expect(config.S3_BUCKET).toBeUndefined();
    expect(config.WEBHOOK_SECRET).toEqual([]);
  });

  it("fails fast listing every bad variable: no API keys, short secrets, bad URLs", () => {
    let error: unknown;
    try {
      loadConfig(gatewayConfigSchema, {
        API_KEYS: " , ",
        INTERNAL_TOKEN: "short",
        REDIS_URL: "http://not-redis",
        RUN_WORKER: "maybe",
        S3_ENDPOINT: "http://127.0.0.1:4569",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).issues.map((issue) => issue.split(":")[0]);
    expect(names).toEqual(
      expect.arrayContaining(["API_KEYS", "INTERNAL_TOKEN", "STORAGE_SIGNING_SECRET", "REDIS_URL", "RUN_WORKER"]),
    );
  });

  it("needs S3_BUCKET when S3_ENDPOINT is set", () => {
    expect(() => loadConfig(gatewayConfigSchema, { ...required, S3_ENDPOINT: "http://127.0.0.1:4569" })).toThrow(
      /S3_BUCKET/,
    );
  });
});
