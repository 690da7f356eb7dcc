import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskProtection, protectWhileHeld, type TaskProtectionLogger } from "./task-protection.client.ts";
import { type FakeEcsAgent, startFakeEcsAgent } from "./testing.ts";

function recordingLogger() {
  const warnings: { obj: object; msg: string | undefined }[] = [];
  const logger: TaskProtectionLogger = { info: () => {}, warn: (obj, msg) => warnings.push({ obj, msg }) };
  return { logger, warnings };
}

describe("createTaskProtection", () => {
  let agent: FakeEcsAgent;
  beforeEach(async () => {
    agent = await startFakeEcsAgent();
  });
  afterEach(async () => {
    await agent.close();
  });

  it("protects the task while work is held and clears the protection when the last hold is released", async () => {
    const protection = createTaskProtection({ agentUri: agent.url, expiresInMinutes: 60 });
    const first = protection.hold();
    const second = protection.hold();
    await protection.settled();
    expect(agent.state().enabled).toBe(true);
    expect(Date.parse(agent.state().expiresAt ?? "")).toBeGreaterThan(Date.now() + 59 * 60_000);

    first.release();
    first.release(); // released once only
    await protection.settled();
    expect(agent.state().enabled).toBe(true);

    second.release();
    await protection.settled();
    expect(agent.state()).toEqual({ enabled: false, expiresAt: null });
    expect(agent.calls()).toEqual([
      { method: "PUT", body: { ProtectionEnabled: true, ExpiresInMinutes: 60 } },
      { method: "PUT", body: { ProtectionEnabled: false } },
    ]);
    await protection.close();
    expect(agent.calls()).toHaveLength(2);
  });

  it("renews the protection while held, and stops renewing once released", async () => {
    const protection = createTaskProtection({ agentUri: agent.url, expiresInMinutes: 5, renewEveryMs: 40 });
    const hold = protection.hold();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await protection.settled();
    const renewals = agent.calls().filter((call) => call.body?.ProtectionEnabled === true).length;
    expect(renewals).toBeGreaterThanOrEqual(3);
    hold.release();
    await protection.settled();
    const after = agent.calls().length;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(agent.calls()).toHaveLength(after);
    expect(agent.state().enabled).toBe(false);
  });

  it("retries a throttled call with backoff", async () => {
    agent.throttleNext(2);
    const { logger, warnings } = recordingLogger();
    const protection = createTaskProtection({ agentUri: agent.url, logger });
    protection.hold();
    await protection.settled();
    expect(agent.calls()).toHaveLength(3);
    expect(agent.state().enabled).toBe(true);
    expect(warnings).toEqual([]);
    await protection.close();
    expect(agent.state().enabled).toBe(false);
  });

  it("logs, without throwing, when the task cannot be protected or the agent is unreachable", async () => {
    agent.standaloneTask();
    const { logger, warnings } = recordingLogger();
    const protection = createTaskProtection({ agentUri: agent.url, logger });
    const hold = protection.hold();
    await protection.settled();
    // TASK_NOT_VALID does not change by retrying: one call.
    expect(agent.calls()).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ err: { message: expect.stringContaining("TASK_NOT_VALID") } });
    hold.release();
    await protection.settled();

    const unreachable = createTaskProtection({ agentUri: "http://127.0.0.1:9", logger, attempts: 2, timeoutMs: 500 });
    unreachable.hold();
    await unreachable.settled();
    expect(warnings.at(-1)?.obj).toMatchObject({ err: { message: expect.stringContaining("ECS agent unreachable") } });
  });

  it("is a no-op without ECS_AGENT_URI (local runs and tests)", async () => {
    const protection = createTaskProtection({ agentUri: undefined });
    expect(protection.enabled).toBe(false);
    protection.hold().release();
    await protection.close();
    expect(agent.calls()).toEqual([]);
  });

  it("protectWhileHeld protects for exactly as long as a slot is taken", async () => {
    let free = 1;
    const admission = {
      get active() {
        return 1 - free;
      },
      tryAcquire() {
        if (free === 0) return undefined;
        free -= 1;
        return {
          release() {
            free += 1;
          },
        };
      },
    };
    const protection = createTaskProtection({ agentUri: agent.url });
    const guarded = protectWhileHeld(admission, protection);
    const slot = guarded.tryAcquire();
    expect(guarded.tryAcquire()).toBeUndefined();
    expect(guarded.active).toBe(1);
    await protection.settled();
    expect(agent.state().enabled).toBe(true);
    slot?.release();
    await protection.settled();
    expect(agent.state().enabled).toBe(false);
    expect(guarded.active).toBe(0);
    expect(agent.calls()).toHaveLength(2);
  });
});
