/**
 * An HTTP proxy in front of a real S3-protocol server (s3rver) that fails writes on demand, the way
 * S3 does under stress: 503 SlowDown for every PUT during an outage, and a 500 InternalError for a
 * share of PUTs otherwise. Reads and everything else pass through untouched.
 */
import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface FailingS3Proxy {
  url: string;
  /** While true every PUT answers 503 SlowDown. */
  outage: boolean;
  /** Outside an outage, every n-th PUT answers 500 InternalError (0: none). */
  failEvery: number;
  /** PUTs answered with an injected failure so far. */
  failed: number;
  close(): Promise<void>;
}

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>injected</RequestId></Error>`;

export async function startFailingS3Proxy(target: string): Promise<FailingS3Proxy> {
  const upstream = new URL(target);
  let puts = 0;
  const server = createServer((req, res) => {
    const fail =
      req.method === "PUT" &&
      (proxy.outage ? "outage" : proxy.failEvery > 0 && ++puts % proxy.failEvery === 0 ? "some" : undefined);
    if (fail) {
      proxy.failed += 1;
      // Read the body first, as a server would, so the client sees an answer rather than a reset.
      req.resume();
      req.once("end", () => {
        const [status, body] =
          fail === "outage"
            ? [503, s3Error("SlowDown", "injected outage")]
            : [500, s3Error("InternalError", "injected")];
        res.writeHead(status, { "content-type": "application/xml" }).end(body);
      });
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.once("error", () => res.destroy());
    req.pipe(forward);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const proxy: FailingS3Proxy = {
    url: `http://127.0.0.1:${port}`,
    outage: false,
    failEvery: 0,
    failed: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
