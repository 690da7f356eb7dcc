/**
 * The collector's stand-in for docker-compose.offline.yml: OTLP/HTTP (JSON) on 0.0.0.0:4318,
 * handed to the fake collector of @video-service/telemetry's tests (which parses and keeps the
 * spans; it listens on loopback only). Prints one line per received batch, like the collector's
 * debug exporter, and serves every span so far as JSON at GET /spans (the container tests read
 * them there).
 */
import { createServer } from "node:http";
import { startFakeOtlpCollector } from "../../packages/telemetry/src/testing.ts";

/** The collector's OTLP/HTTP port, which the services are given. */
const PORT = 4318;
const collector = await startFakeOtlpCollector();

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://receiver").pathname;
  try {
    if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (req.method === "GET" && path === "/spans") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(collector.spans()));
    } else {
      const before = collector.spans().length;
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "content-encoding"]) {
        const value = req.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const answer = await fetch(`${collector.url}${req.url ?? "/"}`, {
        method: req.method ?? "POST",
        headers,
        ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
      const received = collector.spans().slice(before);
      if (received.length > 0) {
        const names = received.map((span) => `${span.serviceName}:${span.name}`);
        process.stdout.write(`received ${received.length} spans: ${names.join(", ")}\n`);
      }
    }
  } catch (error) {
    res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: String(error) }));
  }
});

server.listen(PORT, "0.0.0.0", () => {
  process.stdout.write(`OTLP/HTTP receiver on 0.0.0.0:${PORT}; spans at GET /spans\n`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    void collector.close().then(() => process.exit(0));
  });
}
