export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads a whole SSE response (until the server ends it) into events; comments are skipped. */
export async function readSseEvents(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  const events: SseEvent[] = [];
  for (const block of text.split(/\n\n/)) {
    const event: SseEvent = { event: "message", data: "" };
    const data: string[] = [];
    let any = false;
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      any = true;
      if (field === "event") event.event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") event.id = value;
    }
    if (!any) continue;
    event.data = data.join("\n");
    events.push(event);
  }
  return events;
}
