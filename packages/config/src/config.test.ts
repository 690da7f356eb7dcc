import { describe, expect, it } from "vitest";
import { ConfigError, env, loadConfig, redactConfig, serviceEnvShape, z } from "./index.ts";

const schema = z.object({
  ...serviceEnvShape(3001),
  FEATURE_URL: env.url().optional(),
  WORKERS: env.int(2, 1),
  KEYS: env.list(),
});

describe("loadConfig", () => {
  it("applies defaults and coerces strings", () => {
    const config = loadConfig(schema, { INTERNAL_TOKEN: "0123456789abcdef", WORKERS: "4", KEYS: " a, b ,," });
    expect(config).toMatchObject({ PORT: 3001, HOST: "127.0.0.1", WORKERS: 4, KEYS: ["a", "b"], LOG_LEVEL: "info" });
  });

  it("treats an empty variable as unset, so optional settings can be passed empty", () => {
    const config = loadConfig(schema, { INTERNAL_TOKEN: "0123456789abcdef", FEATURE_URL: "", PORT: "" });
    expect(config.FEATURE_URL).toBeUndefined();
    expect(config.PORT).toBe(3001);
  });

  it("lists every bad variable in one error", () => {
    const error = (() => {
      try {
        loadConfig(schema, { PORT: "not-a-port", WORKERS: "0", FEATURE_URL: "nope" });
      } catch (caught) {
        return caught;
      }
      throw new Error("loadConfig accepted a bad environment");
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ["PORT", "WORKERS", "FEATURE_URL", "INTERNAL_TOKEN"]) expect(message).toContain(name);
  });
});

describe("redactConfig", () => {
  it("hides the values of secret-looking names only", () => {
    expect(
      redactConfig({ INTERNAL_TOKEN: "t", API_KEYS: ["k"], STORAGE_SIGNING_SECRET: "s", PORT: 3000, EMPTY_SECRET: "" }),
    ).toEqual({
      INTERNAL_TOKEN: "[redacted]",
      API_KEYS: "[redacted]",
      STORAGE_SIGNING_SECRET: "[redacted]",
      PORT: 3000,
      EMPTY_SECRET: "",
    });
  });

  it("hides credentials inside URLs whatever the name", () => {
    expect(redactConfig({ REDIS_URL: "redis://:hunter2@cache:6379/0", PLAIN_URL: "https://example.com/a@b" })).toEqual({
      REDIS_URL: "redis://[redacted]@cache:6379/0",
      PLAIN_URL: "https://example.com/a@b",
    });
  });
});
