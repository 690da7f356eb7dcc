/** Test helpers: a resolver stub and a socket factory that never leaves loopback. */
import { createConnection, isIP, type LookupFunction, type Socket } from "node:net";
import type { GuardedRequestOptions } from "./guarded-request.ts";
import type { ResolvedAddress, Resolver } from "./url-guard.ts";

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The tests' socket factory: it refuses to open any connection that is not to loopback, whatever
 * the guard decided, so a broken guard fails the test without a packet leaving the machine.
 * Records every address it connected to.
 */
export function loopbackOnlyConnector() {
  const connected: string[] = [];
  const refused: string[] = [];
  const createConnectionFn = (options: Record<string, unknown>, callback?: () => void): Socket => {
    const host = String(options.host ?? options.hostname ?? "");
    if (isIP(host) && !LOOPBACK.test(host)) {
      refused.push(host);
      throw new Error(`test connector: refusing ${host}`);
    }
    const lookup = options.lookup as LookupFunction | undefined;
    const checkedLookup: LookupFunction = (hostname, lookupOptions, done) => {
      if (!lookup) throw new Error("test connector: no lookup given for a name");
      lookup(hostname, lookupOptions, (err, address, family) => {
        const addresses = Array.isArray(address) ? (address as ResolvedAddress[]).map((a) => a.address) : [address];
        const outside = addresses.find((a) => typeof a === "string" && !LOOPBACK.test(a));
        if (!err && outside) {
          refused.push(outside);
          done(new Error(`test connector: refusing ${outside}`), "", 0);
          return;
        }
        if (!err) connected.push(...(addresses as string[]));
        (done as (...args: unknown[]) => void)(err, address, family);
      });
    };
    if (isIP(host)) connected.push(host);
    return createConnection({ ...(options as object), lookup: checkedLookup } as never, callback);
  };
  const factory = createConnectionFn as unknown as NonNullable<GuardedRequestOptions["createConnection"]>;
  return { createConnection: factory, connected, refused };
}

/** A resolver stub: answers per name from the table (in turn, for rebinding), counting calls. */
export function stubResolver(table: Record<string, string[][]>) {
  const calls: string[] = [];
  const resolve: Resolver = async (hostname) => {
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    const answer = answers[Math.min(calls.filter((h) => h === hostname).length - 1, answers.length - 1)] ?? [];
    return answer.map((address) => ({ address, family: isIP(address) }));
  };
  return { resolve, calls };
}
