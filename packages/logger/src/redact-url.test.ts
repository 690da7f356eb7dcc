import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactUrlCredentials } from "./index.ts";

describe("URL credentials in logs", () => {
  it("are replaced in text, keeping scheme, host and path", () => {
    expect(redactUrlCredentials("redis://:hunter2@cache:6379/0")).toBe("redis://[redacted]@cache:6379/0");
    expect(redactUrlCredentials("POST https://bob:pa55@hooks.example/x failed")).toBe(
      "POST https://[redacted]@hooks.example/x failed",
    );
    expect(redactUrlCredentials("https://example.com/path@v2?q=a@b")).toBe("https://example.com/path@v2?q=a@b");
  });

  it("never reach a log line: fields, nested objects, errors and the message", async () => {
    let written = "";
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ service: "test", destination });
    logger.info({ config: { REDIS_URL: "redis://user:s3cret@cache:6379" } }, "starting");
    logger.warn({ err: new Error("connect to https://u:t0ken@hook.example failed") }, "webhook failed");
    logger.error("could not reach redis://:pw-in-message@cache:6379");
    logger.info({ list: ["http://a:b@c.example"] }, "list");
    await new Promise((resolve) => setImmediate(resolve));
    for (const secret of ["s3cret", "t0ken", "pw-in-message", "a:b@"]) expect(written).not.toContain(secret);
    expect(written).toContain("redis://[redacted]@cache:6379");
    expect(written.split("\n").filter(Boolean)).toHaveLength(4);
  });
});
