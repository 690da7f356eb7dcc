import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type ServerType, serve } from "@hono/node-server";

export interface FetchApp {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

export interface RunningServer {
  server: ServerType;
  port: number;
  url: string;
  /**
   * Stops accepting connections, closes every connection without a request in progress, lets
   * each request in progress finish (its connection then closes) and, after the grace, destroys
   * whatever is still open, logging which requests were cut off.
   */
  close: () => Promise<void>;
}

export interface ListenOptions {
  port: number;
  hostname: string;
  /** Told which requests close() cut off after the grace; without it a process warning is emitted. */
  logger?: { warn(obj: object, msg?: string): void };
  /** How long close() lets requests in progress finish, default 5 s (callers drain long work first). */
  closeGraceMs?: number;
}

export const DEFAULT_CLOSE_GRACE_MS = 5_000;

/**
 * Listens with keep-alive longer than the ALB's 60 s idle timeout (a shorter one causes
 * intermittent 502s) and headers timeout longer still. Port 0 picks a free port (tests).
 *
 * Node's own close() would wait on two kinds of connection for up to those timeouts: one whose
 * request was in progress at close() (it stays open as keep-alive after its response), and one a
 * client opened but sent nothing on yet (HTTP clients' pools do this; Node counts it active, not
 * idle). close() here ends both itself.
 */
export function listen(app: FetchApp, options: ListenOptions): Promise<RunningServer> {
  const { port, hostname, logger, closeGraceMs = DEFAULT_CLOSE_GRACE_MS } = options;
  /** Every open connection, with the requests on it whose responses have not finished. */
  const connections = new Map<Socket, Set<IncomingMessage>>();
  let closing = false;

  return new Promise((resolve, reject) => {
    const served = serve(
      { fetch: app.fetch as (request: Request) => Response | Promise<Response>, port, hostname },
      (info: AddressInfo) => {
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        resolve({ server: served, port: info.port, url: `http://${host}:${info.port}`, close });
      },
    );
    // serve() without createServer options makes an HTTP/1 server.
    const server = served as HttpServer;
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once("error", reject);

    server.on("connection", (socket: Socket) => {
      connections.set(socket, new Set());
      socket.once("close", () => connections.delete(socket));
    });
    // Before the app's listener, so a response started while closing can still say "close".
    server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket;
      const inProgress = connections.get(socket);
      if (!inProgress) return;
      inProgress.add(request);
      if (closing) response.setHeader("connection", "close");
      response.once("close", () => {
        inProgress.delete(request);
        // Written out first, then closed: the client gets the whole response.
        if (closing && inProgress.size === 0) socket.destroySoon();
      });
    });

    function close(): Promise<void> {
      return new Promise<void>((done) => {
        closing = true;
        const grace = setTimeout(() => {
          const cutOff = [...connections.values()].flatMap((requests) =>
            [...requests].map((request) => `${request.method} ${request.url?.split("?")[0]}`),
          );
          const message = "server close: destroying connections still open after the grace";
          const details = { graceMs: closeGraceMs, connections: connections.size, requests: cutOff };
          if (logger) logger.warn(details, message);
          else process.emitWarning(`${message}: ${JSON.stringify(details)}`);
          server.closeAllConnections();
          for (const socket of connections.keys()) socket.destroy();
        }, closeGraceMs);
        server.close(() => {
          clearTimeout(grace);
          done();
        });
        for (const [socket, requests] of connections) {
          if (requests.size === 0) socket.destroy();
        }
      });
    }
  });
}
