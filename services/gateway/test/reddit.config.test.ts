import { describe, expect, it } from "vitest";
import { gatewayConfigSchema } from "../src/config.ts";

const base = {
  API_KEYS: "test-api-key-0123456789",
  INTERNAL_TOKEN: "test-internal-token-0123456789",
  STORAGE_SIGNING_SECRET: "test-signing-secret-0123456789",
};

const issues = (env: Record<string, string>) => {
  const result = gatewayConfigSchema.safeParse({ ...base, ...env });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("Reddit configuration", () => {
  it("needs no Reddit settings (public endpoints, development)", () => {
    expect(issues({})).toEqual([]);
  });

  it("requires a User-Agent in Reddit's form once credentials are set", () => {
    const credentials = { REDDIT_CLIENT_ID: "abc", REDDIT_CLIENT_SECRET: "def" };
    expect(issues(credentials).join("\n")).toMatch(/REDDIT_USER_AGENT: Reddit requires a User-Agent/);
    expect(issues({ ...credentials, REDDIT_USER_AGENT: "node-fetch" }).join("\n")).toMatch(
      /REDDIT_USER_AGENT: .*not in Reddit's form <platform>:<app id>:<version> \(by \/u\/<username>\)/,
    );
    expect(issues({ ...credentials, REDDIT_USER_AGENT: "server:video-service:1.0.0 (by /u/someone)" })).toEqual([]);
  });

  it("wants both halves of the credentials, and URLs for the endpoints", () => {
    expect(issues({ REDDIT_CLIENT_ID: "abc" }).join("\n")).toMatch(
      /REDDIT_CLIENT_SECRET: set both REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET/,
    );
    expect(issues({ REDDIT_API_URL: "not a url" }).join("\n")).toMatch(/REDDIT_API_URL/);
  });
});
