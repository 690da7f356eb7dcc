import { ConfigError, loadConfig } from "@video-service/config";
import { describe, expect, it } from "vitest";
import { rendererConfigSchema } from "../src/config.ts";

const REQUIRED = { INTERNAL_TOKEN: "0123456789abcdef0123", STORAGE_SIGNING_SECRET: "fedcba98765432100123" };

describe("rendererConfigSchema", () => {
  it("defaults to a local store, port 3002 on loopback, one render at a time", () => {
    const config = loadConfig(rendererConfigSchema, REQUIRED);
    expect(config).toMatchObject({
      port: 3002,
      host: "127.0.0.1",
      renderConcurrency: 1,
      storage: { kind: "local", root: "./.data/storage" },
      otlpEndpoint: undefined,
      logLevel: "info",
    });
    expect(config.scratchDir.length).toBeGreaterThan(0);
  });

  it("enables Polly only when asked, with a region and the engines allowed", () => {
    expect(loadConfig(rendererConfigSchema, REQUIRED).polly).toBeUndefined();
    expect(() => loadConfig(rendererConfigSchema, { ...REQUIRED, POLLY_ENABLED: "true" })).toThrow(/POLLY_REGION/);
    expect(
      loadConfig(rendererConfigSchema, {
        ...REQUIRED,
        POLLY_ENABLED: "true",
        AWS_REGION: "eu-west-1",
        POLLY_ENGINES: "neural, standard",
      }).polly,
    ).toEqual({ region: "eu-west-1", endpoint: undefined, engines: ["neural", "standard"] });
    expect(
      loadConfig(rendererConfigSchema, { ...REQUIRED, POLLY_ENABLED: "1", POLLY_REGION: "us-east-1" }).polly?.engines,
    ).toEqual(["generative", "long-form", "neural", "standard"]);
    expect(() =>
      loadConfig(rendererConfigSchema, { ...REQUIRED, POLLY_ENABLED: "1", POLLY_REGION: "x", POLLY_ENGINES: "neurl" }),
    ).toThrow(/POLLY_ENGINES/);
  });

  it("switches to S3 when a bucket is set", () => {
    const config = loadConfig(rendererConfigSchema, {
      ...REQUIRED,
      S3_BUCKET: "videos",
      S3_ENDPOINT: "http://127.0.0.1:4569",
    });
    expect(config.storage).toEqual({
      kind: "s3",
      bucket: "videos",
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4569",
      forcePathStyle: false,
    });
  });

  it("lists every bad variable at once", () => {
    try {
      loadConfig(rendererConfigSchema, { RENDER_CONCURRENCY: "0", PORT: "x" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.join("\n");
      for (const name of ["INTERNAL_TOKEN", "STORAGE_SIGNING_SECRET", "RENDER_CONCURRENCY", "PORT"])
        expect(issues).toContain(name);
    }
  });
});
