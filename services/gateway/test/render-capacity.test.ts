import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@video-service/logger";
import { stubResolver } from "@video-service/net-guard/testing";
import { createLocalObjectStore } from "@video-service/object-store";
import { listen, type RunningServer } from "@video-service/shutdown";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderAdmission, createApp as createRendererApp, type RenderAdmission } from "../../renderer/src/app.ts";
import { probeCapabilities } from "../../renderer/src/ffmpeg/ffmpeg.runner.ts";
import { discoveredCapacity } from "../src/pipeline/stages/render-capacity.ts";
import { chunkPolicyFromConfig } from "../src/wiring.ts";

const TOKEN = "test-internal-token-0123456789";
const noSpeech = { name: "espeak" as const, synthesize: () => Promise.reject(new Error("not used")) };

/**
 * Capacity discovery over real HTTP: three REAL renderer apps (their own /readyz) stand for three
 * renderer tasks behind a Cloud Map name. A resolver stub answers the name with one entry per
 * task (and one for a task that is gone); the entries are labels, not addresses: the test maps
 * each to its renderer's port on 127.0.0.1, and the gone task's to a port where nothing listens.
 * Nothing is sent anywhere but 127.0.0.1.
 */
describe("the render capacity the gateway discovers", () => {
  const addresses = ["task-a", "task-b", "task-c"];
  const gone = "task-gone";
  const slots = [2, 1, 3];
  const servers: RunningServer[] = [];
  const admissions: RenderAdmission[] = [];
  const ports = new Map<string, number>();
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "render-capacity-"));
    const store = createLocalObjectStore({ root, signingSecret: "s".repeat(32), publicBaseUrl: "http://127.0.0.1" });
    const capabilities = await probeCapabilities();
    for (const [index, address] of addresses.entries()) {
      const admission = createRenderAdmission({ concurrency: slots[index] as number });
      admissions.push(admission);
      const app = createRendererApp({
        store,
        logger: silentLogger(),
        internalToken: TOKEN,
        scratchDir: root,
        renderConcurrency: 1,
        admission,
        capabilities,
        tts: noSpeech,
      });
      const server = await listen(app, { port: 0, hostname: "127.0.0.1" });
      ports.set(address, server.port);
      servers.push(server);
    }
    // A port that was free a moment ago: connections to it are refused, as to a task that is gone.
    const closed = await listen({ fetch: () => new Response() }, { port: 0, hostname: "127.0.0.1" });
    ports.set(gone, closed.port);
    await closed.close();
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const rendererUrl = "http://renderer.video-service.internal:3002";
  const readyzUrl = (address: string) => {
    const port = ports.get(address);
    if (port === undefined) throw new Error(`test: no renderer stands for ${address}`);
    return `http://127.0.0.1:${port}/readyz`;
  };

  it("adds up the render slots of every task behind the name; a task that does not answer counts none", async () => {
    const resolver = stubResolver({ "renderer.video-service.internal": [[...addresses, gone]] });
    const capacity = discoveredCapacity({
      rendererUrl,
      logger: silentLogger(),
      resolve: resolver.resolve,
      readyzUrl,
    });
    expect(await capacity.current()).toBe(6);
    expect(resolver.calls).toEqual(["renderer.video-service.internal"]);
  });

  it("leaves out a draining task; caches for the TTL, then looks again", async () => {
    let now = 1_000_000;
    const resolver = stubResolver({ "renderer.video-service.internal": [addresses] });
    const capacity = discoveredCapacity({
      rendererUrl,
      logger: silentLogger(),
      resolve: resolver.resolve,
      readyzUrl,
      ttlMs: 30_000,
      now: () => now,
    });
    expect(await capacity.current()).toBe(6);
    // The third task is told to stop (SIGTERM): its /readyz says draining.
    (admissions[2] as RenderAdmission).stopAdmitting();
    now += 10_000;
    expect(await capacity.current()).toBe(6);
    expect(resolver.calls).toHaveLength(1);
    now += 30_000;
    expect(await capacity.current()).toBe(3);
    expect(resolver.calls).toHaveLength(2);
  });

  it("one slot (render in one piece) when the name resolves to nothing that answers", async () => {
    const resolver = stubResolver({ "renderer.video-service.internal": [[gone]] });
    const capacity = discoveredCapacity({
      rendererUrl,
      logger: silentLogger(),
      resolve: resolver.resolve,
      readyzUrl,
    });
    expect(await capacity.current()).toBe(1);
    const unknown = discoveredCapacity({
      rendererUrl: "http://nowhere.invalid:3002",
      logger: silentLogger(),
      resolve: stubResolver({}).resolve,
    });
    expect(await unknown.current()).toBe(1);
  });

  it("asks each task at its address on RENDERER_URL's port", async () => {
    // The production path, without the test's address map: a name for 127.0.0.1 and the first
    // renderer's port.
    const resolver = stubResolver({ "renderer.local.test": [["127.0.0.1"]] });
    const capacity = discoveredCapacity({
      rendererUrl: `http://renderer.local.test:${ports.get(addresses[0] as string)}`,
      logger: silentLogger(),
      resolve: resolver.resolve,
    });
    expect(await capacity.current()).toBe(slots[0]);
  });

  it("RENDER_CAPACITY overrides the discovery", async () => {
    const discovered = { current: () => Promise.reject(new Error("not asked")) };
    const config = { RENDER_CHUNKS: "auto", RENDER_CHUNK_MIN_VIDEO_SECONDS: 240, RENDER_CHUNK_SECONDS: 60 } as const;
    const fixed = chunkPolicyFromConfig({ ...config, RENDER_CAPACITY: 5 } as never, discovered);
    expect(await fixed.capacity.current()).toBe(5);
    const auto = chunkPolicyFromConfig({ ...config, RENDER_CAPACITY: undefined } as never, discovered);
    expect(auto.capacity).toBe(discovered);
  });
});
