/**
 * Worker-thread entry that owns libespeak-ng. Messages are handled one at a time (each handler is
 * synchronous), which is exactly the serialisation the non-re-entrant library needs.
 */
import { parentPort, workerData } from "node:worker_threads";
import { EspeakAbortedError, type EspeakLibrary, EspeakUnknownVoiceError, openEspeak } from "./espeak.native.ts";
import type { EspeakWorkerReply, EspeakWorkerRequest, EspeakWorkerSettings } from "./espeak.protocol.ts";

const port = parentPort;
if (!port) throw new Error("espeak.worker.ts must run in a worker thread");

const settings = (workerData ?? {}) as EspeakWorkerSettings;
let library: EspeakLibrary | undefined;

port.on("message", (request: EspeakWorkerRequest) => {
  try {
    library ??= openEspeak(settings);
    if (request.type === "voices") {
      reply({ id: request.id, ok: true, type: "voices", voices: library.listVoices() });
      return;
    }
    if (Atomics.load(request.abortFlag, 0) !== 0) throw new EspeakAbortedError("synthesis aborted before it started");
    const synthesis = library.synthesize(request);
    reply(
      {
        id: request.id,
        ok: true,
        type: "synthesis",
        samples: synthesis.samples,
        sampleRate: synthesis.sampleRate,
        events: synthesis.events,
      },
      [synthesis.samples.buffer as ArrayBuffer],
    );
  } catch (error) {
    const kind =
      error instanceof EspeakUnknownVoiceError
        ? "unknown-voice"
        : error instanceof EspeakAbortedError
          ? "aborted"
          : "failed";
    reply({ id: request.id, ok: false, kind, message: error instanceof Error ? error.message : String(error) });
  }
});

function reply(message: EspeakWorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}
