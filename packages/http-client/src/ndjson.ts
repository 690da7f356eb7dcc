/** Longest line we accept: render events are small, so a longer one means a broken stream. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The non-empty lines of an NDJSON body as they arrive (a line may span chunks; the last line
 * needs no trailing newline). Stopping the iteration early cancels the body, releasing the
 * connection.
 */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== "") yield line;
        newline = buffered.indexOf("\n");
      }
      if (buffered.length > MAX_LINE_BYTES) throw new Error(`NDJSON line longer than ${MAX_LINE_BYTES} bytes`);
    }
    const last = (buffered + decoder.decode()).trim();
    finished = true;
    if (last !== "") yield last;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
