export * from "./server.ts";
export interface ShutdownLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

export interface ShutdownOptions {
  steps: ShutdownStep[];
  logger: ShutdownLogger;
  /** Whole budget; ECS sends SIGKILL after the task's stopTimeout, so stay under it. */
  timeoutMs: number;
  signals?: NodeJS.Signals[];
  exit?: (code: number) => void;
}

/**
 * Runs the steps in order on SIGTERM/SIGINT (stop admitting work, drain, close connections,
 * flush telemetry), then exits. A second signal or the time budget forces the exit.
 * Returns the function that runs the shutdown, for tests and for fatal errors.
 */
export function installShutdown({
  steps,
  logger,
  timeoutMs,
  signals = ["SIGTERM", "SIGINT"],
  exit = (code) => process.exit(code),
}: ShutdownOptions): (reason: string) => Promise<void> {
  let running: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (running) return running;
    logger.info({ reason, timeoutMs }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown timed out; exiting anyway");
      exit(1);
    }, timeoutMs);
    timer.unref();
    running = (async () => {
      let failed = false;
      for (const step of steps) {
        try {
          await step.run();
        } catch (err) {
          failed = true;
          logger.error({ err, step: step.name }, "shutdown step failed");
        }
      }
      clearTimeout(timer);
      logger.info({}, "shutdown complete");
      exit(failed ? 1 : 0);
    })();
    return running;
  };

  for (const signal of signals) {
    process.on(signal, () => {
      if (running) {
        logger.error({ signal }, "second signal; exiting now");
        exit(1);
        return;
      }
      void shutdown(signal);
    });
  }
  return shutdown;
}
