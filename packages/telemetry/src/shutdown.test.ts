import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { initTelemetry, withSpan } from "./index.ts";

// A collector that rejects every export (400 is not retried), so the final flush fails at once.
const rejecting = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(400, { "content-type": "application/json" }).end('{"code":3,"message":"no"}'));
});

beforeAll(() => new Promise<void>((resolve) => rejecting.listen(0, "127.0.0.1", resolve)));
afterAll(() => new Promise<void>((resolve) => rejecting.close(() => resolve())));

it("shutdown resolves and warns when the final flush fails, so the service still exits cleanly", async () => {
  const warnings: string[] = [];
  const logger = { info: () => {}, warn: (_obj: object, msg?: string) => warnings.push(msg ?? "") };
  const { port } = rejecting.address() as AddressInfo;
  const telemetry = initTelemetry({ serviceName: "imagegen", otlpEndpoint: `http://127.0.0.1:${port}`, logger });
  expect(telemetry.enabled).toBe(true);
  expect(initTelemetry({ serviceName: "imagegen", otlpEndpoint: "http://127.0.0.1:1", logger })).toBe(telemetry);

  await withSpan("stage cards", {}, async () => {});
  await expect(telemetry.shutdown()).resolves.toBeUndefined();
  expect(warnings).toContain("telemetry flush failed; some spans were not exported");
  await expect(telemetry.shutdown()).resolves.toBeUndefined();
});
