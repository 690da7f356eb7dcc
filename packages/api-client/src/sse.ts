/** A minimal Server-Sent Events reader over fetch: the gateway client, the demo and the end-to-end tests. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export async function* readSse(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  let event: Partial<SseEvent> & { data?: string } = {};
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
      if (line === "") {
        if (event.data !== undefined) {
          yield { event: event.event ?? "message", data: event.data, ...(event.id ? { id: event.id } : {}) };
        }
        event = {};
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") event.data = event.data === undefined ? value : `${event.data}\n${value}`;
      else if (field === "event") event.event = value;
      else if (field === "id") event.id = value;
    }
  }
}
