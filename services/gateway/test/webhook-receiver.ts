import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  path: string;
  body: string;
  headers: IncomingHttpHeaders;
  /** The parsed body: {type, timestamp, data}. */
  event: { type: string; timestamp: string; data: { id: string; status: string; outputs: unknown } };
}

/** A scripted answer: a status, or a status and a Retry-After in seconds. */
export type ReceiverAnswer = number | { status: number; retryAfterSeconds: number };

/**
 * A webhook receiver on a real loopback port that records what it is sent. `answers` scripts the
 * answers to the next calls (then 204).
 */
export async function startWebhookReceiver() {
  const received: ReceivedWebhook[] = [];
  const answers: ReceiverAnswer[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      const event = (body ? JSON.parse(body) : { data: {} }) as ReceivedWebhook["event"];
      received.push({ path: req.url ?? "", body, headers: req.headers, event });
      const answer = answers.shift() ?? 204;
      const status = typeof answer === "number" ? answer : answer.status;
      const headers: Record<string, string> = status === 302 ? { location: `${url}/elsewhere` } : {};
      if (typeof answer !== "number") headers["retry-after"] = String(answer.retryAfterSeconds);
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url: `${url}/hook`,
    port,
    received,
    answers,
    for: (jobId: string) => received.filter((r) => r.event.data.id === jobId),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Verification as a receiver would write it from the Standard Webhooks spec, independently of the
 * gateway's code: HMAC-SHA256 with the base64-decoded whsec_ key over "id.timestamp.body",
 * compared in constant time with every "v1,<base64>" entry; timestamps more than 5 minutes away
 * are refused (replays). Returns why it failed, or undefined when the delivery is authentic.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string | undefined {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") {
    return "missing headers";
  }
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return "timestamp out of tolerance";
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  const matches = signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? undefined : "no matching signature";
}
