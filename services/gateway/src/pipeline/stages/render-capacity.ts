import type { Logger } from "@video-service/logger";
import { bareHostname, type Resolver, systemResolver } from "@video-service/net-guard";
import { singleFlight, withTimeout } from "@video-service/retry";
import { z } from "zod";

/** The render slots across the renderer tasks, as the chunk policy asks for them. */
export interface RenderCapacity {
  current(signal?: AbortSignal): Promise<number>;
}

/** RENDER_CAPACITY set: that number, whatever runs. */
export const fixedCapacity = (slots: number): RenderCapacity => ({ current: async () => slots });

/** What a renderer task's GET /readyz says about its render slots (the rest of the body is not needed). */
const readinessSchema = z.object({
  status: z.string(),
  renders: z.object({ capacity: z.number().int().nonnegative(), draining: z.boolean() }),
});

/**
 * Discovers the render capacity behind RENDERER_URL: its host name resolves to one address per
 * renderer task (Cloud Map A records in ECS with awsvpc, Docker's DNS for scaled compose services),
 * and each task's /readyz reports its render slots. The sum over the tasks that are ready and not
 * draining is the capacity; a task that does not answer within `probeTimeoutMs` counts for none.
 * Cached for `ttlMs` (one discovery at a time, shared); 1 when nothing answers (render in one piece).
 */
export function discoveredCapacity(options: {
  rendererUrl: string;
  logger: Logger;
  resolve?: Resolver;
  /** Where a task's /readyz is, from its address (tests map task addresses to loopback ports). */
  readyzUrl?: (address: string) => string;
  ttlMs?: number;
  probeTimeoutMs?: number;
  now?: () => number;
}): RenderCapacity {
  const { logger, resolve = systemResolver, ttlMs = 30_000, probeTimeoutMs = 2000, now = Date.now } = options;
  const base = new URL(options.rendererUrl);
  let cached: { slots: number; at: number } | undefined;

  const readyzUrl =
    options.readyzUrl ??
    ((address: string) => {
      const host = address.includes(":") ? `[${address}]` : address;
      return `${base.protocol}//${host}${base.port ? `:${base.port}` : ""}/readyz`;
    });

  const probe = async (address: string, signal: AbortSignal): Promise<number> => {
    const url = readyzUrl(address);
    try {
      const body = await withTimeout(probeTimeoutMs, signal, `renderer ${address} /readyz`, async (bounded) => {
        const response = await fetch(url, { signal: bounded });
        return readinessSchema.parse(await response.json());
      });
      return body.status === "ready" && !body.renders.draining ? body.renders.capacity : 0;
    } catch (err) {
      logger.debug({ address, err }, "renderer task did not report its capacity");
      return 0;
    }
  };

  const discover = singleFlight(
    async (signal) => {
      const addresses = [...new Set((await resolve(bareHostname(base))).map((entry) => entry.address))];
      const slots = (await Promise.all(addresses.map((address) => probe(address, signal)))).reduce((a, b) => a + b, 0);
      logger.debug({ renderers: addresses.length, slots }, "render capacity discovered");
      cached = { slots: Math.max(1, slots), at: now() };
      return cached.slots;
    },
    { timeoutMs: probeTimeoutMs * 2 + 5000, what: "render capacity discovery" },
  );

  return {
    async current(signal) {
      if (cached && now() - cached.at < ttlMs) return cached.slots;
      try {
        return await discover(signal);
      } catch (err) {
        signal?.throwIfAborted();
        logger.warn({ err }, "could not discover the render capacity; rendering in one piece");
        return cached?.slots ?? 1;
      }
    },
  };
}
