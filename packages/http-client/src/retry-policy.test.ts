import { describe, expect, it } from "vitest";
import { backoffDelayMs, isRetryableStatus, RETRY_AFTER_CAP_MS, retryAfterMs, sleep } from "./retry-policy.ts";

describe("retry policy", () => {
  it("backs off exponentially from 200 ms with full jitter, capped at 5 s", () => {
    const highest = () => 0.999_999;
    expect(backoffDelayMs(1, highest)).toBe(199);
    expect(backoffDelayMs(2, highest)).toBe(399);
    expect(backoffDelayMs(3, highest)).toBe(799);
    expect(backoffDelayMs(10, highest)).toBe(4999);
    expect(backoffDelayMs(3, () => 0)).toBe(0);
  });

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

  it("sleep rejects with the abort reason", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    await expect(sleep(1, undefined)).resolves.toBeUndefined();
  });
});
