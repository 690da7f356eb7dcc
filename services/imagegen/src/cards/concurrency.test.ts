import { describe, expect, it } from "vitest";
import { createLimiter, QueueFullError, WaitCancelledError } from "./concurrency.ts";

describe("createLimiter", () => {
  it("never runs more than its slots at once and runs every task", async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, index) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return index;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
  });

  it("frees the slot of a failed task", async () => {
    const limit = createLimiter(1);
    await expect(limit(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limit(async () => "next")).resolves.toBe("next");
  });
});

describe("createLimiter's wait list", () => {
  it("refuses at once when the wait list is full", async () => {
    const limit = createLimiter(1, 1);
    let finish: () => void = () => {};
    const running = limit(() => new Promise<void>((resolve) => (finish = resolve)));
    const queued = limit(async () => "queued");
    await expect(limit(async () => "third")).rejects.toBeInstanceOf(QueueFullError);
    finish();
    await running;
    await expect(queued).resolves.toBe("queued");
  });

  it("takes a waiting task whose caller went away off the list; it never runs", async () => {
    const limit = createLimiter(1, 1);
    let finish: () => void = () => {};
    const running = limit(() => new Promise<void>((resolve) => (finish = resolve)));
    const gone = new AbortController();
    let ran = false;
    const abandoned = limit(async () => {
      ran = true;
    }, gone.signal);
    gone.abort();
    await expect(abandoned).rejects.toBeInstanceOf(WaitCancelledError);
    // Its place is free again.
    const next = limit(async () => "next");
    finish();
    await running;
    await expect(next).resolves.toBe("next");
    expect(ran).toBe(false);
  });
});
