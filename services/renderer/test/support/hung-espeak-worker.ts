/** Stands in for espeak.worker.ts as a library that hangs: it lists voices, then never returns from a synthesis. */
import { parentPort } from "node:worker_threads";

parentPort?.on("message", (request: { id: number; type: string }) => {
  if (request.type === "voices") {
    parentPort?.postMessage({ id: request.id, ok: true, type: "voices", voices: { voices: ["en-us"], variants: [] } });
    return;
  }
  // Busy forever, as a native call that never returns would be: only terminating the thread ends it.
  for (;;) {
    // spin
  }
});
