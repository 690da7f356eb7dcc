import ipaddr from "ipaddr.js";

/**
 * Which IP addresses a user-given URL may reach. Only public unicast is allowed: loopback, private
 * (RFC 1918, ULA fc00::/7), link-local (169.254/16 with the cloud metadata 169.254.169.254,
 * fe80::/10), carrier-grade NAT 100.64/10, multicast, unspecified, broadcast, documentation,
 * benchmarking and reserved ranges are refused; IPv6 forms that embed an IPv4 address
 * (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96 and 64:ff9b:1::/48,
 * 6to4 2002::/16) are judged by the IPv4 address inside.
 */
export interface AddressPolicy {
  /** Networks allowed even though not public (local development: 127.0.0.1/32, say). */
  allowedNetworks: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
  /** Host names allowed whatever they resolve to (exact, lower-case). */
  allowedHosts: ReadonlySet<string>;
}

export const STRICT_POLICY: AddressPolicy = { allowedNetworks: [], allowedHosts: new Set() };

/**
 * A policy from configuration entries: an IP address or CIDR allows that network, anything else is
 * a host name allowed as such. Throws on an entry that is neither.
 */
export function addressPolicy(entries: readonly string[]): AddressPolicy {
  const allowedNetworks: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  const allowedHosts = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry.includes("/")) {
      allowedNetworks.push(ipaddr.parseCIDR(entry));
    } else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry);
      allowedNetworks.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else if (/^[a-z0-9.-]+$/.test(entry)) {
      allowedHosts.add(entry.replace(/\.$/, ""));
    } else {
      throw new Error(`"${raw}" is neither an IP address, a CIDR nor a host name`);
    }
  }
  return { allowedNetworks, allowedHosts };
}

const IPV6_ONLY_GLOBAL = ipaddr.parseCIDR("2000::/3");
/** Inside 2000::/3 but not public: IETF protocol assignments (Teredo, benchmarking, ORCHID), documentation. */
const IPV6_SPECIAL: [ipaddr.IPv6, number][] = ["2001::/23", "2001:db8::/32", "3fff::/20"].map((cidr) =>
  ipaddr.IPv6.parseCIDR(cidr),
);

/** The IPv4 address an IPv6 address carries, for the forms that route to it. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray();
  const ipv4At = (offset: number) => new ipaddr.IPv4(bytes.slice(offset, offset + 4));
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const parts = address.parts;
  // IPv4-compatible ::a.b.c.d (deprecated, still parsed by some stacks); :: and ::1 are not.
  if (parts.slice(0, 6).every((part) => part === 0) && !(parts[6] === 0 && (parts[7] ?? 0) <= 1)) return ipv4At(12);
  // SIIT ::ffff:0:a.b.c.d (RFC 6145).
  if (parts.slice(0, 4).every((part) => part === 0) && parts[4] === 0xffff && parts[5] === 0) return ipv4At(12);
  // NAT64 well-known and local-use prefixes: the IPv4 address is the last 32 bits.
  if (address.match(ipaddr.IPv6.parseCIDR("64:ff9b::/96"))) return ipv4At(12);
  if (address.match(ipaddr.IPv6.parseCIDR("64:ff9b:1::/48"))) return ipv4At(12);
  // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
  if (address.match(ipaddr.IPv6.parseCIDR("2002::/16"))) return ipv4At(2);
  return undefined;
}

/** Why the address is not public (ipaddr.js's range name), or undefined when it is public unicast. */
export function nonPublicReason(text: string): string | undefined {
  const bare = text.replace(/^\[|\]$/g, "");
  if (bare.includes("%")) return "scoped (zone id)";
  if (!ipaddr.isValid(bare)) return "not an IP address";
  let address: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(bare);
  if (address.kind() === "ipv6") {
    const inner = embeddedIPv4(address as ipaddr.IPv6);
    if (inner) {
      const reason = nonPublicReason(inner.toString());
      return reason ? `${reason} (inside ${address.toString()})` : undefined;
    }
    if (!address.match(IPV6_ONLY_GLOBAL)) return (address as ipaddr.IPv6).range();
    if (IPV6_SPECIAL.some((range) => address.match(range))) return "reserved";
  }
  address = address as ipaddr.IPv4 | ipaddr.IPv6;
  const range = address.range();
  return range === "unicast" ? undefined : range;
}

export function isAllowedAddress(text: string, policy: AddressPolicy): boolean {
  const bare = text.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(bare)) return false;
  const parsed = ipaddr.process(bare);
  const allowed = policy.allowedNetworks.some(
    ([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits),
  );
  return allowed || nonPublicReason(bare) === undefined;
}
