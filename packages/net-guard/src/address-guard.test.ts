import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressPolicy, checkUrl, guardedRequest, nonPublicReason, STRICT_POLICY, UnsafeUrlError } from "./index.ts";
import { loopbackOnlyConnector, stubResolver } from "./testing.ts";

describe("checkUrl: what is refused before any lookup", () => {
  const rules = { policy: STRICT_POLICY, requireHttps: false };
  it.each([
    ["http://127.0.0.1/", "loopback"],
    ["http://2130706433/", "decimal loopback"],
    ["http://0177.0.0.1/", "octal loopback"],
    ["http://0x7f.0.0.1/", "hex loopback"],
    ["http://0x7f000001/", "hex dword loopback"],
    ["http://127.1/", "short loopback"],
    ["http://[::1]/", "IPv6 loopback"],
    ["http://[::ffff:127.0.0.1]/", "IPv4-mapped loopback"],
    ["http://[::ffff:a9fe:a9fe]/", "IPv4-mapped metadata (hex)"],
    ["http://[::127.0.0.1]/", "IPv4-compatible loopback"],
    ["http://[64:ff9b::a9fe:a9fe]/", "NAT64 metadata"],
    ["http://[64:ff9b:1::a00:1]/", "local NAT64 private"],
    ["http://[2002:a9fe:a9fe::1]/", "6to4 metadata"],
    ["http://169.254.169.254/latest/meta-data/", "metadata"],
    ["http://0xa9.0xfe.0xa9.0xfe/", "hex metadata"],
    ["http://2852039166/", "decimal metadata"],
    ["http://[fd00:ec2::254]/", "IPv6 metadata (ULA)"],
    ["http://169.254.170.2/v2/credentials", "ECS credentials (link-local)"],
    ["http://10.0.0.1/", "RFC 1918 10/8"],
    ["http://012.0.0.1/", "octal 10/8"],
    ["http://172.16.5.4/", "RFC 1918 172.16/12"],
    ["http://192.168.1.1/", "RFC 1918 192.168/16"],
    ["http://100.64.0.1/", "carrier-grade NAT"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://0/", "unspecified (decimal)"],
    ["http://[::]/", "IPv6 unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://255.255.255.255/", "broadcast"],
    ["http://[fe80::1]/", "IPv6 link-local"],
    ["http://[fc00::1]/", "ULA"],
    ["http://[ff02::1]/", "IPv6 multicast"],
    ["http://192.0.2.1/", "documentation"],
    ["http://198.18.0.1/", "benchmarking"],
    ["http://240.0.0.1/", "reserved"],
    ["http://[2001:db8::1]/", "IPv6 documentation"],
    ["http://[2001::1]/", "Teredo"],
    ["http://localhost:6379/", "localhost"],
    ["http://redis.localhost/", "*.localhost"],
    ["http://user:pass@example.com/", "credentials"],
    ["http://:token@example.com/", "password only"],
    ["ftp://example.com/", "scheme"],
    ["file:///etc/passwd", "file scheme"],
    ["gopher://example.com:6379/_PING", "gopher"],
    ["not a url", "unparsable"],
  ])("%s (%s)", (url) => {
    expect(() => checkUrl(url, rules)).toThrow(UnsafeUrlError);
  });

  it("leaves names to resolution, and requires https when told", () => {
    expect(checkUrl("https://hooks.example.com/a?b=c", rules).hostname).toBe("hooks.example.com");
    expect(checkUrl("http://hooks.example.com/", rules).protocol).toBe("http:");
    expect(() => checkUrl("http://hooks.example.com/", { ...rules, requireHttps: true })).toThrow(/https/);
  });

  it("allows configured networks and hosts only", () => {
    const dev = { policy: addressPolicy(["127.0.0.1", "host.docker.internal"]), requireHttps: false };
    expect(checkUrl("http://127.0.0.1:8080/hook", dev).port).toBe("8080");
    expect(checkUrl("http://[::ffff:127.0.0.1]/", dev).hostname).toBe("[::ffff:7f00:1]");
    expect(() => checkUrl("http://127.0.0.2/", dev)).toThrow(UnsafeUrlError);
    expect(() => checkUrl("http://10.0.0.1/", dev)).toThrow(UnsafeUrlError);
    expect(checkUrl("http://host.docker.internal/", dev).hostname).toBe("host.docker.internal");
    expect(() => addressPolicy(["not a host!"])).toThrow();
  });
});

describe("nonPublicReason", () => {
  it("passes public unicast, IPv4 and IPv6, and mapped public addresses", () => {
    // Classified only: never a connection target.
    for (const address of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]) {
      expect(nonPublicReason(address)).toBeUndefined();
    }
    expect(nonPublicReason("fe80::1%eth0")).toMatch(/zone/);
  });
});

describe("guardedRequest: resolution, pinning, redirects", () => {
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.headers.host} ${req.url}`);
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/followed` }).end();
        return;
      }
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Loopback stands in for "a public address" (allowed by the policy); everything else is refused.
  const policy = addressPolicy(["127.0.0.1"]);

  it.each([
    ["private.test", ["10.0.0.5"]],
    ["metadata.test", ["169.254.169.254"]],
    ["mapped.test", ["::ffff:10.1.2.3"]],
    ["ula.test", ["fd00:ec2::254"]],
    ["mixed.test", ["127.0.0.1", "192.168.0.10"]],
    ["cgnat.test", ["100.100.100.200"]],
  ])("refuses %s, which resolves to %j, without connecting", async (name, addresses) => {
    const resolver = stubResolver({ [name]: [addresses] });
    const connector = loopbackOnlyConnector();
    const before = hits.length;
    const error = await guardedRequest(`http://${name}:${port}/hook`, {
      method: "POST",
      policy,
      requireHttps: false,
      resolve: resolver.resolve,
      createConnection: connector.createConnection,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect(connector.refused).toEqual([]);
    expect(hits.length).toBe(before);
  });

  it("resolves once and connects to the checked address: a rebinding answer is never used", async () => {
    // First answer allowed, every later one private: a guard that looked up twice would connect to 10.0.0.7.
    const resolver = stubResolver({ "rebind.test": [["127.0.0.1"], ["10.0.0.7"]] });
    const connector = loopbackOnlyConnector();
    const response = await guardedRequest(`http://rebind.test:${port}/hook`, {
      method: "POST",
      body: "{}",
      policy,
      requireHttps: false,
      resolve: resolver.resolve,
      createConnection: connector.createConnection,
    });
    expect(response.status).toBe(204);
    expect(resolver.calls).toEqual(["rebind.test"]);
    expect(connector.connected).toEqual(["127.0.0.1"]);
    expect(connector.refused).toEqual([]);
    // The Host header keeps the name.
    expect(hits.at(-1)).toBe(`rebind.test:${port} /hook`);
  });

  it("does not follow redirects: a 3xx comes back as it is", async () => {
    const connector = loopbackOnlyConnector();
    const response = await guardedRequest(`http://127.0.0.1:${port}/redirect`, {
      method: "POST",
      policy,
      requireHttps: false,
      createConnection: connector.createConnection,
    });
    expect(response.status).toBe(302);
    expect(hits.some((hit) => hit.endsWith("/followed"))).toBe(false);
  });

  it("refuses an IP literal that is not allowed before connecting", async () => {
    const connector = loopbackOnlyConnector();
    await expect(
      guardedRequest(`http://127.0.0.2:${port}/`, {
        method: "GET",
        policy,
        requireHttps: false,
        createConnection: connector.createConnection,
      }),
    ).rejects.toBeInstanceOf(UnsafeUrlError);
    expect(connector.refused).toEqual([]);
  });
});
