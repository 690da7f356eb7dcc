import { describe, expect, it } from "vitest";
import { createRenderAdmission } from "./admission.ts";

describe("createRenderAdmission", () => {
  it("admits up to its capacity and frees a slot on release (once)", () => {
    const admission = createRenderAdmission({ concurrency: 1 });
    const first = admission.tryAcquire();
    expect(first).toBeDefined();
    expect(admission.tryAcquire()).toBeUndefined();
    first?.release();
    first?.release();
    expect(admission.active).toBe(0);
    const second = admission.tryAcquire();
    expect(second).toBeDefined();
    expect(admission.tryAcquire()).toBeUndefined();
  });

  it("stops admitting on shutdown, aborts running renders and reports when idle", async () => {
    const admission = createRenderAdmission({ concurrency: 2 });
    const slot = admission.tryAcquire();
    admission.stopAdmitting();
    expect(admission.draining).toBe(true);
    expect(admission.tryAcquire()).toBeUndefined();
    expect(await admission.waitIdle(10)).toBe(false);
    admission.abortAll("shutting down");
    expect(slot?.signal.aborted).toBe(true);
    const idle = admission.waitIdle(1000);
    slot?.release();
    expect(await idle).toBe(true);
  });
});
