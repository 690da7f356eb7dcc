import { retry } from "@video-service/retry";

export interface TaskProtectionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface TaskProtectionOptions {
  /** `ECS_AGENT_URI`, which the ECS agent injects into every container; unset (locally) → a no-op. */
  agentUri: string | undefined;
  /** How long one PUT protects the task (1–2880, ECS's default 120); renewed while work is held. */
  expiresInMinutes?: number;
  /** How often the protection is renewed while held; default half the expiry. */
  renewEveryMs?: number;
  /** Per request to the agent; default 5 s. */
  timeoutMs?: number;
  /** Attempts per change (throttling, 5xx and network errors are retried with backoff); default 3. */
  attempts?: number;
  logger?: TaskProtectionLogger;
}

export interface TaskProtection {
  readonly enabled: boolean;
  /** Work in flight: the task is protected from scale-in while at least one hold is not released. */
  hold(): { release(): void };
  /** Resolves once the agent has been told the current state (or gave up): for tests and shutdown. */
  settled(): Promise<void>;
  /** Stops renewing and clears the protection. */
  close(): Promise<void>;
}

/** The agent's answer (ECS task-protection endpoint, same shape as UpdateTaskProtection's). */
interface AgentResponse {
  protection?: { ProtectionEnabled?: boolean; ExpirationDate?: string | null; TaskArn?: string };
  failure?: { Arn?: string; Reason?: string; Detail?: string };
  error?: { Arn?: string; Code?: string; Message?: string };
}

class AgentError extends Error {
  override readonly name = "AgentError";
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

const MAX_EXPIRY_MINUTES = 2880;

/**
 * ECS task scale-in protection through the agent endpoint (`PUT $ECS_AGENT_URI/task-protection/v1/state`):
 * while any work is held, service auto scaling and deployments leave this task running; when the
 * last hold is released the protection is cleared. Holds are counted, changes are sent one at a
 * time in order, and a failed call is logged, never thrown: losing protection must not fail a job.
 */
export function createTaskProtection(options: TaskProtectionOptions): TaskProtection {
  const { agentUri, logger } = options;
  if (!agentUri) {
    return { enabled: false, hold: () => ({ release() {} }), settled: async () => {}, close: async () => {} };
  }
  const expiresInMinutes = Math.min(MAX_EXPIRY_MINUTES, Math.max(1, Math.round(options.expiresInMinutes ?? 120)));
  const renewEveryMs = options.renewEveryMs ?? (expiresInMinutes * 60_000) / 2;
  const timeoutMs = options.timeoutMs ?? 5000;
  const attempts = options.attempts ?? 3;
  const url = `${agentUri.replace(/\/+$/, "")}/task-protection/v1/state`;

  let holds = 0;
  let sent: boolean | undefined = false;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  let renewTimer: NodeJS.Timeout | undefined;

  const put = async (enabled: boolean): Promise<AgentResponse> => {
    const body = enabled
      ? { ProtectionEnabled: true, ExpiresInMinutes: expiresInMinutes }
      : { ProtectionEnabled: false };
    let response: Response;
    try {
      response = await fetch(url, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AgentError(`ECS agent unreachable: ${error instanceof Error ? error.message : String(error)}`, true);
    }
    const text = await response.text();
    let parsed: AgentResponse = {};
    try {
      parsed = text ? (JSON.parse(text) as AgentResponse) : {};
    } catch {
      throw new AgentError(`ECS agent answered ${response.status} with a non-JSON body`, response.status >= 500);
    }
    if (parsed.error) {
      const retryable = parsed.error.Code === "ThrottlingException" || parsed.error.Code === "RequestCanceled";
      throw new AgentError(`${parsed.error.Code ?? "error"}: ${parsed.error.Message ?? ""}`, retryable);
    }
    // TASK_NOT_VALID (a task outside a service) will not change by retrying.
    if (parsed.failure)
      throw new AgentError(`${parsed.failure.Reason ?? "failure"}: ${parsed.failure.Detail ?? ""}`, false);
    if (!response.ok)
      throw new AgentError(`ECS agent answered ${response.status}`, response.status === 429 || response.status >= 500);
    return parsed;
  };

  const sync = (renew: boolean) => {
    chain = chain.then(async () => {
      const want = holds > 0 && !closed;
      if (want === sent && !(want && renew)) return;
      try {
        const answer = await retry(() => put(want), {
          retries: attempts - 1,
          classify: (error) => ({ retry: error instanceof AgentError && error.retryable }),
        });
        sent = want;
        logger?.info(
          { protected: want, expiresAt: answer.protection?.ExpirationDate ?? null },
          want ? "task scale-in protection set" : "task scale-in protection cleared",
        );
      } catch (error) {
        // Unknown now: the next change or renewal sends the state again.
        sent = undefined;
        logger?.warn({ err: error, protected: want }, "could not change task scale-in protection");
      }
    });
  };

  const startRenewing = () => {
    renewTimer ??= setInterval(() => sync(true), renewEveryMs);
    renewTimer.unref();
  };
  const stopRenewing = () => {
    clearInterval(renewTimer);
    renewTimer = undefined;
  };

  return {
    enabled: true,
    hold() {
      holds += 1;
      if (holds === 1) startRenewing();
      sync(false);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          holds -= 1;
          if (holds === 0) stopRenewing();
          sync(false);
        },
      };
    },
    settled: () => chain,
    async close() {
      closed = true;
      stopRenewing();
      sync(false);
      await chain;
    },
  };
}

/**
 * Holds the protection while a slot of `admission` is taken (the renderer's render slots): a few
 * lines at the call site instead of protection code inside the admission logic.
 */
export function protectWhileHeld<Slot extends { release(): void }, A extends { tryAcquire(): Slot | undefined }>(
  admission: A,
  protection: TaskProtection,
): A {
  const tryAcquire = (): Slot | undefined => {
    const slot = admission.tryAcquire();
    if (!slot) return undefined;
    const hold = protection.hold();
    const release = slot.release.bind(slot);
    slot.release = () => {
      release();
      hold.release();
    };
    return slot;
  };
  return new Proxy(admission, {
    get: (target, key, receiver) => (key === "tryAcquire" ? tryAcquire : Reflect.get(target, key, receiver)),
  });
}
