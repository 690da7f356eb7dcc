import { ConfigError, loadConfig } from "@video-service/config";
import { describe, expect, it } from "vitest";
import { imagegenConfigSchema } from "./config.ts";

const TOKEN = "internal-token-0123456789";
const SECRET = "signing-secret-0123456789";

describe("imagegenConfigSchema", () => {
  it("defaults to port 3001 on loopback with the local store", () => {
    const config = loadConfig(imagegenConfigSchema, { INTERNAL_TOKEN: TOKEN, STORAGE_SIGNING_SECRET: SECRET });
    expect(config).toMatchObject({
      port: 3001,
      host: "127.0.0.1",
      internalToken: TOKEN,
      storage: { kind: "local", root: "./.data/storage", signingSecret: SECRET },
      renderConcurrency: undefined,
      logLevel: "info",
    });
  });

  it("uses S3 when a bucket is named, without needing a signing secret", () => {
    const config = loadConfig(imagegenConfigSchema, {
      INTERNAL_TOKEN: TOKEN,
      S3_BUCKET: "videos",
      S3_REGION: "eu-west-1",
      S3_ENDPOINT: "http://127.0.0.1:4569",
      RENDER_CONCURRENCY: "3",
    });
    expect(config.storage).toEqual({
      kind: "s3",
      bucket: "videos",
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:4569",
      forcePathStyle: false,
    });
    expect(config.renderConcurrency).toBe(3);
  });

  it("lists every bad variable at once", () => {
    try {
      loadConfig(imagegenConfigSchema, { PORT: "http", INTERNAL_TOKEN: "short" });
      expect.unreachable("loadConfig should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.join("\n");
      expect(issues).toContain("PORT");
      expect(issues).toContain("INTERNAL_TOKEN");
    }
    expect(() => loadConfig(imagegenConfigSchema, { INTERNAL_TOKEN: TOKEN })).toThrow(/STORAGE_SIGNING_SECRET/);
  });
});
