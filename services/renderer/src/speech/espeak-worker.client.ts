import { Worker } from "node:worker_threads";
import type { EspeakWorkerReply, EspeakWorkerRequest, EspeakWorkerSettings } from "./espeak.protocol.ts";
import { TtsEngineError } from "./tts.ts";

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export interface EspeakWorkerClient {
  /**
   * Sends one request to the worker; requests are handled one at a time, in order. With
   * `hardTimeoutMs`, a worker that has not answered by then is hung: it is terminated (every pending
   * call fails with a TtsEngineError) and the next call starts a fresh one.
   */
  call(request: WithoutId<EspeakWorkerRequest>, options?: { hardTimeoutMs?: number }): Promise<EspeakWorkerReply>;
  /** Gives the worker up; the last client to release it stops the thread. */
  release(): Promise<void>;
}

interface Pending {
  resolve(reply: EspeakWorkerReply): void;
  reject(error: Error): void;
}

interface SharedWorker {
  settings: EspeakWorkerSettings;
  settingsKey: string;
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  nextId: number;
  clients: number;
}

/**
 * One worker per process: libespeak-ng keeps its state in process-wide globals (every thread that
 * loads the library shares them), so two workers synthesising at once would corrupt each other.
 * Every engine in the process therefore shares this one thread.
 */
let shared: SharedWorker | undefined;

export function acquireEspeakWorker(settings: EspeakWorkerSettings): EspeakWorkerClient {
  const settingsKey = JSON.stringify({
    libraryPath: settings.libraryPath,
    dataPath: settings.dataPath,
    workerUrl: settings.workerUrl?.href,
  });
  if (shared && shared.settingsKey !== settingsKey) {
    throw new Error("espeak-ng is already open in this process with other settings (one library instance per process)");
  }
  shared ??= { settings, settingsKey, worker: undefined, pending: new Map(), nextId: 1, clients: 0 };
  const state = shared;
  state.clients++;
  let released = false;

  return {
    call(request, options = {}) {
      if (released) return Promise.reject(new TtsEngineError("espeak-ng engine is closed"));
      const worker = ensureWorker(state);
      const id = state.nextId++;
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const settle =
          <T>(done: (value: T) => void) =>
          (value: T) => {
            if (timer) clearTimeout(timer);
            done(value);
          };
        state.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
        if (options.hardTimeoutMs !== undefined) {
          const timeoutMs = options.hardTimeoutMs;
          timer = setTimeout(() => {
            if (!state.pending.has(id)) return;
            // Hung in the library: only terminating the thread stops it. Its state dies with it.
            if (state.worker === worker) state.worker = undefined;
            failAll(
              state,
              new TtsEngineError(`espeak-ng did not answer within ${timeoutMs} ms; its worker was restarted`),
            );
            void worker.terminate();
          }, timeoutMs);
        }
        worker.ref();
        worker.postMessage({ ...request, id });
      });
    },
    async release() {
      if (released) return;
      released = true;
      state.clients--;
      if (state.clients > 0) return;
      if (shared === state) shared = undefined;
      const worker = state.worker;
      state.worker = undefined;
      failAll(state, new TtsEngineError("espeak-ng engine closed"));
      if (worker) await worker.terminate();
    },
  };
}

function ensureWorker(state: SharedWorker): Worker {
  if (state.worker) return state.worker;
  const worker = new Worker(state.settings.workerUrl ?? new URL("./espeak.worker.ts", import.meta.url), {
    workerData: { libraryPath: state.settings.libraryPath, dataPath: state.settings.dataPath },
  });
  // Idle, the worker must not keep the process alive; a pending call refs it.
  worker.unref();
  worker.on("message", (reply: EspeakWorkerReply) => {
    const entry = state.pending.get(reply.id);
    if (!entry) return;
    state.pending.delete(reply.id);
    if (state.pending.size === 0) worker.unref();
    entry.resolve(reply);
  });
  worker.on("error", (error) => {
    if (state.worker !== worker) return;
    state.worker = undefined;
    failAll(state, new TtsEngineError(`espeak-ng worker failed: ${error.message}`, { cause: error }));
  });
  worker.on("exit", (code) => {
    if (state.worker !== worker) return; // a hung worker that was replaced already failed its calls
    state.worker = undefined;
    failAll(state, new TtsEngineError(`espeak-ng worker exited (code ${code})`));
  });
  state.worker = worker;
  return worker;
}

function failAll(state: SharedWorker, error: Error): void {
  for (const entry of state.pending.values()) entry.reject(error);
  state.pending.clear();
}
