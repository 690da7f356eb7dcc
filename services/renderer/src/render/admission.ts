/** A running render's claim on the task: abort-able by shutdown, released exactly once. */
export interface RenderSlot {
  /** Aborted when the service shuts down (abortAll). */
  readonly signal: AbortSignal;
  release(): void;
}

export interface RenderAdmission {
  readonly capacity: number;
  readonly active: number;
  readonly draining: boolean;
  /** A slot, or undefined when `capacity` renders already run or the service is draining. */
  tryAcquire(): RenderSlot | undefined;
  /** Refuse new renders from now on (shutdown). */
  stopAdmitting(): void;
  /** Abort every running render. */
  abortAll(reason: string): void;
  /** Resolves when no render runs, or after `timeoutMs`; true when idle. */
  waitIdle(timeoutMs: number): Promise<boolean>;
}

/**
 * Admission control: x264 already uses every core, so a second render on a 2-core task only slows
 * both (render-performance.md). Extra requests are refused (503 + Retry-After) rather than queued,
 * so the caller's retries and the load balancer spread them over tasks.
 */
export function createRenderAdmission({ concurrency }: { concurrency: number }): RenderAdmission {
  const running = new Set<AbortController>();
  let draining = false;
  let idleWaiters: (() => void)[] = [];

  return {
    capacity: concurrency,
    get active() {
      return running.size;
    },
    get draining() {
      return draining;
    },
    tryAcquire() {
      if (draining || running.size >= concurrency) return undefined;
      const controller = new AbortController();
      running.add(controller);
      let released = false;
      return {
        signal: controller.signal,
        release() {
          if (released) return;
          released = true;
          running.delete(controller);
          if (running.size === 0) {
            for (const wake of idleWaiters) wake();
            idleWaiters = [];
          }
        },
      };
    },
    stopAdmitting() {
      draining = true;
    },
    abortAll(reason) {
      for (const controller of running) controller.abort(new Error(reason));
    },
    waitIdle(timeoutMs) {
      if (running.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}
