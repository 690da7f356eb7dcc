import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { recordError, tracer } from "./spans.ts";

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"]);

/** Routes that only a catch-all middleware matched: the request had no route (a 404). */
const CATCH_ALL_PATHS = new Set(["*", "/*"]);

/** What @hono/node-server passes as `c.env.outgoing`; tells when the last byte of the response was sent. */
interface NodeServerResponse {
  once(event: "close", listener: () => void): unknown;
  readonly writableFinished: boolean;
}

export interface TelemetryMiddlewareOptions {
  /** Paths never traced; by default the health checks, which the ALB and ECS call every few seconds. */
  untracedPaths?: string[];
}

const DEFAULT_UNTRACED_PATHS = ["/healthz", "/readyz"];

/**
 * One SERVER span per request, named `${method} ${route}` (the route pattern, e.g. `POST /v1/renders`).
 * The parent comes from the incoming `traceparent` or `X-Amzn-Trace-Id` (whichever the global
 * propagator reads), so a call from another of our services, or through the ALB, continues its trace.
 * Handlers and their fetches run inside the span. It records the status (5xx → ERROR, with the
 * exception) and ends when the response has been sent in full, so a streamed NDJSON or SSE response
 * is covered to its end, or when the client goes away first.
 * Install it once, first, on the top-level app (`app.use(telemetryMiddleware())`), so that it sees
 * every response.
 */
export function telemetryMiddleware({
  untracedPaths = DEFAULT_UNTRACED_PATHS,
}: TelemetryMiddlewareOptions = {}): MiddlewareHandler {
  const untraced = new Set(untracedPaths);
  return async function telemetry(c, next) {
    // Nothing that runs for these requests (a readiness check's fetches included) is traced.
    if (untraced.has(c.req.path)) return context.with(suppressTracing(context.active()), next);
    const request = c.req.raw;
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, {
      keys: (headers) => [...headers.keys()],
      get: (headers, key) => headers.get(key) ?? undefined,
    });
    const method = KNOWN_METHODS.has(request.method) ? request.method : "_OTHER";
    const span = tracer().startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: requestAttributes(c, method) },
      parent,
    );

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.end();
    };
    const outgoing = nodeServerResponse(c.env);
    outgoing?.once("close", () => {
      if (!outgoing.writableFinished) span.addEvent("client disconnected before the response was sent in full");
      end();
    });

    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      // Reached only if the app's error handler threw; the server answers 500.
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, 500);
      span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
      recordError(span, error);
      if (!outgoing) end();
      throw error;
    }

    recordResponse(c, span, method);
    if (outgoing) return; // ends on "close"
    if (!span.isRecording() || !c.res.body) {
      end();
      return;
    }
    // Another runtime (or app.request() in tests): end the span when the body has been read or cancelled.
    c.res = new Response(endWhenConsumed(c.res.body, end), c.res);
  };
}

function requestAttributes(c: Context, method: string): Attributes {
  const url = new URL(c.req.url);
  const forwardedFor = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: url.pathname,
    // Behind the ALB the connection is plain HTTP; the client's scheme is in X-Forwarded-Proto.
    [ATTR_URL_SCHEME]: c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() || url.protocol.replace(":", ""),
    [ATTR_SERVER_ADDRESS]: url.hostname,
  };
  // The query is left out on purpose: signed download URLs carry their signature there.
  if (url.port) attributes[ATTR_SERVER_PORT] = Number(url.port);
  const userAgent = c.req.header("user-agent");
  if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  const clientAddress = forwardedFor || incoming?.socket?.remoteAddress;
  if (clientAddress) attributes[ATTR_CLIENT_ADDRESS] = clientAddress;
  return attributes;
}

function recordResponse(c: Context, span: Span, method: string): void {
  const route = matchedRoute(c);
  if (route) {
    span.updateName(`${method === "_OTHER" ? "HTTP" : method} ${route}`);
    span.setAttribute(ATTR_HTTP_ROUTE, route);
  } else if (method === "_OTHER") {
    span.updateName("HTTP");
  }
  const status = c.res.status;
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  // For a server, 4xx is the client's mistake, not a failure of this span.
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, c.error ? errorType(c.error) : String(status));
    if (c.error) recordError(span, c.error);
    else span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** The route pattern of the handler that answered, or undefined when no route matched. */
function matchedRoute(c: Context): string | undefined {
  const path = routePath(c);
  if (!path || (CATCH_ALL_PATHS.has(path) && c.res.status === 404)) return undefined;
  return path;
}

function errorType(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

function nodeServerResponse(env: unknown): NodeServerResponse | undefined {
  if (typeof env !== "object" || env === null || !("outgoing" in env)) return undefined;
  const outgoing = (env as { outgoing: unknown }).outgoing;
  if (
    typeof outgoing === "object" &&
    outgoing !== null &&
    "once" in outgoing &&
    typeof outgoing.once === "function" &&
    "writableFinished" in outgoing
  ) {
    return outgoing as NodeServerResponse;
  }
  return undefined;
}

/** Passes the body through and calls `onDone` once it has been read to the end, failed, or been cancelled. */
function endWhenConsumed(body: ReadableStream<Uint8Array>, onDone: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          onDone();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        controller.error(error);
        onDone();
      }
    },
    async cancel(reason) {
      onDone();
      await reader.cancel(reason);
    },
  });
}
