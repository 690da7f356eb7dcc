// The dashboard's only way to the gateway: the public /v1 API, with the API key kept in
// sessionStorage (this tab only, gone when it closes).

const KEY_NAME = "video-service.api-key";

export const session = {
  get key() {
    return sessionStorage.getItem(KEY_NAME);
  },
  set(key) {
    sessionStorage.setItem(KEY_NAME, key);
  },
  /** Signing out forgets everything this tab kept (the key, the last trends query). */
  clear() {
    sessionStorage.clear();
  },
};

/** An RFC 9457 problem the gateway answered with (or one made up for a network failure). */
export class ApiProblem extends Error {
  constructor(problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = "ApiProblem";
    this.status = problem.status;
    this.problem = problem;
  }
}

/** Called when the gateway refuses the key (401): the app signs out. */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

async function problemOf(response) {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (body && typeof body.title === "string") return { ...body, status: response.status };
  } catch {
    // not JSON: described below
  }
  return {
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.slice(0, 200),
  };
}

async function send(path, { method = "GET", body, key = session.key, signal, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      signal: signal ?? AbortSignal.timeout(30_000),
      headers: {
        authorization: `Bearer ${key}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiProblem({
      title: "The gateway did not answer",
      status: 0,
      detail: "check that it is running and your network is up, then try again",
    });
  }
  return response;
}

/** A JSON call to the API; a problem answer throws ApiProblem. */
export async function api(path, options = {}) {
  const response = await send(path, options);
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && options.key === undefined) onUnauthorized();
    throw new ApiProblem(problem);
  }
  return response.status === 204 ? undefined : response.json();
}

/** True when the gateway accepts the key; throws when it cannot tell (gateway down). */
export async function checkKey(key) {
  const response = await send("/v1/videos?limit=1", { key });
  if (response.status === 401) return false;
  if (!response.ok) throw new ApiProblem(await problemOf(response));
  return true;
}

/**
 * The job's Server-Sent Events (EventSource cannot send the key, so fetch reads the stream).
 * Calls onEvent(name, data) per event; resolves when the server ends the stream.
 */
export async function streamEvents(id, onEvent, signal) {
  const response = await send(`/v1/videos/${encodeURIComponent(id)}/events`, {
    signal,
    headers: { accept: "text/event-stream" },
  });
  if (!response.ok || !response.body) throw new ApiProblem(await problemOf(response));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

/** A public JSON file of the gateway (no key needed). */
async function fetchJson(path, what) {
  let response;
  try {
    response = await fetch(path, { signal: AbortSignal.timeout(30_000) });
  } catch {
    throw new ApiProblem({ title: `Could not load ${what}`, status: 0, detail: "check that the gateway is running" });
  }
  if (!response.ok) throw new ApiProblem(await problemOf(response));
  return response.json();
}

let openApi;
/** The API's own description (/openapi.json): the forms take their choices and limits from it. */
export function loadOpenApi() {
  openApi ??= fetchJson("/openapi.json", "the API description").catch((error) => {
    openApi = undefined; // the next page asks again
    throw error;
  });
  return openApi;
}

let stages;
/** The stage names in order and their share of a job's progress (per-stage bars). */
export function loadStages() {
  stages ??= fetchJson("/app/stages.json", "the stages").catch((error) => {
    stages = undefined;
    throw error;
  });
  return stages;
}
