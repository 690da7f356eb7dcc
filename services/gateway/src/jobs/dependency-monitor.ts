import type { Logger } from "@video-service/logger";
import { withTimeout } from "@video-service/retry";

export interface DependencyCheck {
  name: string;
  check: (signal: AbortSignal) => Promise<unknown>;
}

export interface DependencyMonitor {
  /** The dependencies whose last check failed, with why. */
  readonly failing: ReadonlyMap<string, string>;
  /** Runs every check once now (also done every `intervalMs`). */
  checkNow(): Promise<void>;
  stop(): void;
}

/**
 * Polls the readiness of what the worker calls (imagegen, the renderer, storage) and reports when
 * all become ready or one stops being ready, so the worker takes no job it could not run.
 */
export function monitorDependencies({
  checks,
  intervalMs,
  timeoutMs = 5000,
  onChange,
  logger,
}: {
  checks: DependencyCheck[];
  intervalMs: number;
  timeoutMs?: number;
  onChange: (ready: boolean) => void;
  logger: Logger;
}): DependencyMonitor {
  const failing = new Map<string, string>();
  let ready = true;
  let running: Promise<void> | undefined;

  const runChecks = async () => {
    await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(timeoutMs, undefined, `${name} readiness check`, check);
          failing.delete(name);
        } catch (err) {
          failing.set(name, err instanceof Error ? err.message : String(err));
        }
      }),
    );
    const nowReady = failing.size === 0;
    if (nowReady === ready) return;
    ready = nowReady;
    if (ready) logger.info("dependencies ready again; taking jobs");
    else logger.warn({ failing: Object.fromEntries(failing) }, "a dependency is not ready; taking no new jobs");
    onChange(ready);
  };
  const checkNow = () => {
    running ??= runChecks()
      .catch((err: unknown) => logger.warn({ err }, "dependency check failed"))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void checkNow(), intervalMs);
  timer.unref();
  return {
    failing,
    checkNow,
    stop: () => clearInterval(timer),
  };
}
