import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import { type AddressPolicy, isAllowedAddress, nonPublicReason } from "./address-policy.ts";

/** A URL, or an address it resolves to, that the policy refuses. `reason` is safe to show the user. */
export class UnsafeUrlError extends Error {
  override readonly name = "UnsafeUrlError";
  readonly reason: string;
  constructor(reason: string) {
    super(`refused URL: ${reason}`);
    this.reason = reason;
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (A and AAAA). Tests pass a stub. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, order: "verbatim" });

export interface UrlRules {
  policy: AddressPolicy;
  /** Only https:// (production); http:// too otherwise. */
  requireHttps: boolean;
}

/** The host of a URL without IPv6 brackets. */
export const bareHostname = (url: URL): string => url.hostname.replace(/^\[|\]$/g, "");

/**
 * Checks what can be checked without the network: scheme, no credentials, a host, and an IP
 * literal's range (the WHATWG parser has already turned decimal, octal and hex IPv4 spellings
 * such as 2130706433, 0177.1 or 0x7f.1 into dotted quads, and IPv6 into its canonical form).
 * Names are checked when they are resolved, at connection time (guardedLookup).
 */
export function checkUrl(raw: string, rules: UrlRules): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError("not a valid absolute URL");
  }
  const allowed = rules.requireHttps ? ["https:"] : ["https:", "http:"];
  if (!allowed.includes(url.protocol)) {
    throw new UnsafeUrlError(`the scheme must be ${rules.requireHttps ? "https" : "http or https"}`);
  }
  if (url.username || url.password) throw new UnsafeUrlError("credentials (user:password@) are not allowed in the URL");
  const host = bareHostname(url).toLowerCase();
  if (!host) throw new UnsafeUrlError("the URL has no host");
  if (rules.policy.allowedHosts.has(host.replace(/\.$/, ""))) return url;
  if (isIP(host)) {
    if (!isAllowedAddress(host, rules.policy)) {
      throw new UnsafeUrlError(`${host} is not a public address (${nonPublicReason(host) ?? "not allowed"})`);
    }
    return url;
  }
  // Names reserved for this machine (RFC 6761); resolving them is pointless.
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".localhost.")) {
    throw new UnsafeUrlError(`${host} names this machine`);
  }
  return url;
}

/**
 * A `lookup` for net/tls connect (and undici's `connect.lookup`): resolves the name ONCE, refuses
 * the connection if ANY address is not allowed, and hands the checked addresses to the socket.
 * The check and the connection therefore use the same answer: a DNS rebinding (public on the
 * first lookup, private on the second) has no second lookup to exploit.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const host = hostname.toLowerCase().replace(/\.$/, "");
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          callback(new UnsafeUrlError(`${hostname} has no address`), "", 0);
          return;
        }
        if (!policy.allowedHosts.has(host)) {
          const refused = addresses.find((entry) => !isAllowedAddress(entry.address, policy));
          if (refused) {
            const reason = nonPublicReason(refused.address) ?? "not allowed";
            callback(new UnsafeUrlError(`${hostname} resolves to ${refused.address} (${reason})`), "", 0);
            return;
          }
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? addresses.filter((entry) => entry.family === wanted) : addresses;
        if (usable.length === 0) {
          callback(new UnsafeUrlError(`${hostname} has no IPv${wanted} address`), "", 0);
          return;
        }
        if (options.all) {
          (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, usable);
        } else {
          const first = usable[0] as ResolvedAddress;
          callback(null, first.address, first.family);
        }
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, "", 0),
    );
  };
}
