import { type ClientRequestArgs, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressPolicy } from "./address-policy.ts";
import { bareHostname, checkUrl, guardedLookup, type Resolver, systemResolver } from "./url-guard.ts";

export interface GuardedRequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  policy: AddressPolicy;
  requireHttps: boolean;
  resolve?: Resolver;
  /** Bytes of the answer kept (the rest is discarded); default 64 KiB. */
  maxResponseBytes?: number;
  /** Replaces the socket factory (tests: a connector that refuses every non-loopback address). */
  createConnection?: ClientRequestArgs["createConnection"];
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One HTTP(S) request to a user-given URL: checked by checkUrl, connected through guardedLookup
 * (one resolution, every address checked, the socket pinned to it; TLS still verifies the
 * certificate against the name), no redirects followed (a 3xx is returned as it is), no
 * connection reuse. Rejects with UnsafeUrlError when the URL or an address is refused.
 */
export async function guardedRequest(rawUrl: string, options: GuardedRequestOptions): Promise<GuardedResponse> {
  const url = checkUrl(rawUrl, { policy: options.policy, requireHttps: options.requireHttps });
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        protocol: url.protocol,
        hostname: bareHostname(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: options.method,
        headers: options.headers,
        lookup: guardedLookup(options.policy, options.resolve ?? systemResolver),
        ...(options.signal ? { signal: options.signal } : {}),
        // A fresh agent per request (no pooled connection to another address); a given socket factory
        // is only used without an agent.
        ...(options.createConnection ? { createConnection: options.createConnection } : { agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on("data", (chunk: Buffer) => {
          if (kept < maxBytes) {
            chunks.push(chunk.subarray(0, maxBytes - kept));
            kept += chunk.length;
          }
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
