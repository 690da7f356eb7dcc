import { describe, expect, it } from "vitest";
import { backoffDelayMs, raceSignal, retry, singleFlight, sleep, TimeoutError, withTimeout } from "./index.ts";

describe("backoffDelayMs", () => {
  it("draws up to an exponential bound, capped", () => {
    expect(backoffDelayMs(1, { random: () => 0.999 })).toBe(199);
    expect(backoffDelayMs(3, { random: () => 0.5 })).toBe(400);
    expect(backoffDelayMs(30, { random: () => 0.999, capMs: 1000 })).toBe(999);
    expect(backoffDelayMs(2, { random: () => 0, baseMs: 1000 })).toBe(0);
  });
});

describe("retry", () => {
  it("returns the first success and counts attempts", async () => {
    const seen: number[] = [];
    const value = await retry(
      async (n) => {
        seen.push(n);
        if (n < 3) throw new Error(`fail ${n}`);
        return "ok";
      },
      { baseMs: 1 },
    );
    expect(value).toBe("ok");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("throws the last failure once the retries are spent", async () => {
    let calls = 0;
    await expect(
      retry(
        async (n) => {
          calls++;
          throw new Error(`fail ${n}`);
        },
        { retries: 2, baseMs: 1 },
      ),
    ).rejects.toThrow("fail 3");
    expect(calls).toBe(3);
  });

  it("does not retry what classify refuses, and waits what it names", async () => {
    const waits: number[] = [];
    await expect(
      retry(
        async (n) => {
          throw new Error(n === 1 ? "busy" : "bad request");
        },
        {
          classify: (err) => ((err as Error).message === "busy" ? { retry: true, delayMs: 5 } : { retry: false }),
          onRetry: ({ delayMs }) => waits.push(delayMs),
        },
      ),
    ).rejects.toThrow("bad request");
    expect(waits).toEqual([5]);
  });

  it("stops when the next wait would pass the deadline", async () => {
    let clock = 0;
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          clock += 400;
          throw new Error("down");
        },
        {
          retries: Number.POSITIVE_INFINITY,
          deadlineMs: 1000,
          classify: () => ({ retry: true, delayMs: 0 }),
          now: () => clock,
        },
      ),
    ).rejects.toThrow("down");
    expect(calls).toBe(3);
  });

  it("sleeps through the injected sleep, with the server's wait capped at maxDelayMs", async () => {
    const slept: number[] = [];
    const value = await retry(
      async (n) => {
        if (n < 3) throw new Error("busy");
        return n;
      },
      {
        classify: () => ({ retry: true, delayMs: 90_000 }),
        maxDelayMs: 1000,
        sleep: async (ms) => {
          slept.push(ms);
        },
      },
    );
    expect(value).toBe(3);
    expect(slept).toEqual([1000, 1000]);
  });

  it("rejects with the signal's reason during a wait", async () => {
    const controller = new AbortController();
    const pending = retry(
      async () => {
        throw new Error("down");
      },
      { signal: controller.signal, classify: () => ({ retry: true, delayMs: 10_000 }) },
    );
    setTimeout(() => controller.abort(new Error("cancelled")), 10);
    await expect(pending).rejects.toThrow("cancelled");
  });
});

describe("withTimeout", () => {
  it("rejects with a TimeoutError even when the work ignores its signal", async () => {
    const err = await withTimeout(20, undefined, "ffprobe", () => new Promise(() => {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe("ffprobe timed out after 20 ms");
  });

  it("passes an aborting signal to the work and resolves with its value", async () => {
    let seen: AbortSignal | undefined;
    const value = await withTimeout(1000, undefined, "call", async (signal) => {
      seen = signal;
      return 7;
    });
    expect(value).toBe(7);
    expect(seen?.aborted).toBe(false);
  });
});

describe("singleFlight", () => {
  it("shares one run among concurrent callers; one caller's abort does not stop it", async () => {
    let runs = 0;
    let release: (v: string) => void = () => {};
    const token = singleFlight(
      () => {
        runs++;
        return new Promise<string>((resolve) => {
          release = resolve;
        });
      },
      { timeoutMs: 1000 },
    );
    const cancelled = new AbortController();
    const first = token(cancelled.signal);
    const second = token();
    cancelled.abort(new Error("job cancelled"));
    await expect(first).rejects.toThrow("job cancelled");
    release("t1");
    await expect(second).resolves.toBe("t1");
    expect(runs).toBe(1);
    // A finished run is not cached: the next call runs again.
    const third = token();
    release("t2");
    await expect(third).resolves.toBe("t2");
    expect(runs).toBe(2);
  });

  it("gives its run a deadline of its own", async () => {
    const hung = singleFlight(
      (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
      {
        timeoutMs: 20,
        what: "token refresh",
      },
    );
    await expect(hung()).rejects.toThrow("token refresh timed out after 20 ms");
  });
});

describe("sleep and raceSignal", () => {
  it("reject at once with an aborted signal", async () => {
    const signal = AbortSignal.abort(new Error("gone"));
    await expect(sleep(10_000, signal)).rejects.toThrow("gone");
    await expect(raceSignal(new Promise(() => {}), signal)).rejects.toThrow("gone");
  });
});
