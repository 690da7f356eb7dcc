import { describe, expect, it } from "vitest";
import { isRetryableStatus, RETRY_AFTER_CAP_MS, retryAfterMs } from "./retry-policy.ts";

describe("retry policy", () => {
  it("retries 408, 429, 502, 503 and 504 only", () => {
    expect([400, 401, 404, 408, 409, 422, 429, 500, 502, 503, 504].filter(isRetryableStatus)).toEqual([
      408, 429, 502, 503, 504,
    ]);
  });

  it("reads Retry-After as seconds or an HTTP date, for 429 and 503 only, capped", () => {
    expect(retryAfterMs(503, "3")).toBe(3000);
    expect(retryAfterMs(429, " 0 ")).toBe(0);
    expect(retryAfterMs(503, "86400")).toBe(RETRY_AFTER_CAP_MS);
    const now = Date.parse("2026-11-27T12:00:00Z");
    expect(retryAfterMs(503, "Fri, 27 Nov 2026 12:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs(503, "Fri, 27 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(503, "soon")).toBeUndefined();
    expect(retryAfterMs(503, "-1")).toBeUndefined();
    expect(retryAfterMs(503, null)).toBeUndefined();
    expect(retryAfterMs(502, "3")).toBeUndefined();
  });
});
