import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";

export interface FetchApp {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

export interface RunningServer {
  server: ServerType;
  port: number;
  url: string;
  /** Stops accepting connections and waits for in-flight requests; closes idle keep-alive sockets. */
  close: () => Promise<void>;
}

/**
 * Listens with keep-alive longer than the ALB's 60 s idle timeout (a shorter one causes
 * intermittent 502s) and headers timeout longer still. Port 0 picks a free port (tests).
 */
export function listen(app: FetchApp, { port, hostname }: { port: number; hostname: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch as (request: Request) => Response | Promise<Response>, port, hostname },
      (info: AddressInfo) => {
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        resolve({
          server,
          port: info.port,
          url: `http://${host}:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              if ("closeIdleConnections" in server) server.closeIdleConnections();
            }),
        });
      },
    );
    if ("keepAliveTimeout" in server) {
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
    }
    server.once("error", reject);
  });
}
