import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface AgentCall {
  method: string;
  body: { ProtectionEnabled?: unknown; ExpiresInMinutes?: unknown } | undefined;
}

export interface FakeEcsAgent {
  /** Use as ECS_AGENT_URI. */
  url: string;
  /** Every request to /task-protection/v1/state, in order. */
  calls(): AgentCall[];
  /** The protection as the agent sees it now. */
  state(): { enabled: boolean; expiresAt: string | null };
  /** The next `count` PUTs are answered as the agent answers when ECS throttles it. */
  throttleNext(count: number): void;
  /** Answer every PUT as for a task outside a service (TASK_NOT_VALID). */
  standaloneTask(): void;
  close(): Promise<void>;
}

const TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/video-service/0123456789abcdef0123456789abcdef";

/**
 * A local stand-in for the ECS agent's task-protection endpoint, with the agent's body shapes:
 * `{"protection": {...}}` on success, `{"failure": {...}}` for a task it cannot protect, and
 * `{"requestID", "error": {...}}` when ECS refused or throttled the call. Requests are validated
 * as ECS does (ProtectionEnabled boolean, ExpiresInMinutes 1–2880).
 */
export async function startFakeEcsAgent(): Promise<FakeEcsAgent> {
  const calls: AgentCall[] = [];
  let enabled = false;
  let expiresAt: string | null = null;
  let throttle = 0;
  let standalone = false;

  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url !== "/task-protection/v1/state")
      return send(res, 404, { error: { Code: "NotFound", Message: req.url } });
    if (req.method === "GET") {
      calls.push({ method: "GET", body: undefined });
      return send(res, 200, protection());
    }
    if (req.method !== "PUT") return send(res, 405, { error: { Code: "MethodNotAllowed", Message: "use GET or PUT" } });
    let body: AgentCall["body"];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as AgentCall["body"];
    } catch {
      return send(res, 400, error("InvalidParameterException", "the body is not JSON"));
    }
    calls.push({ method: "PUT", body });
    if (throttle > 0) {
      throttle -= 1;
      return send(res, 400, error("ThrottlingException", "Rate exceeded"));
    }
    if (standalone) {
      return send(res, 400, {
        failure: { Arn: TASK_ARN, Reason: "TASK_NOT_VALID", Detail: "the task is not part of a service" },
      });
    }
    if (typeof body?.ProtectionEnabled !== "boolean") {
      return send(res, 400, error("InvalidParameterException", "ProtectionEnabled must be a boolean"));
    }
    const minutes = body.ExpiresInMinutes ?? 120;
    if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 1 || minutes > 2880) {
      return send(res, 400, error("InvalidParameterException", "ExpiresInMinutes must be between 1 and 2880"));
    }
    enabled = body.ProtectionEnabled;
    expiresAt = enabled ? new Date(Date.now() + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z") : null;
    return send(res, 200, protection());
  }

  const protection = () => ({
    protection: { ExpirationDate: expiresAt, ProtectionEnabled: enabled, TaskArn: TASK_ARN },
  });
  const error = (code: string, message: string) => ({
    requestID: "8c1f5d5a-0b6a-4d1f-9d3e-2f6f2f3a1b2c",
    error: { Arn: TASK_ARN, Code: code, Message: message },
  });
  const send = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => [...calls],
    state: () => ({ enabled, expiresAt }),
    throttleNext: (count) => {
      throttle = count;
    },
    standaloneTask: () => {
      standalone = true;
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
