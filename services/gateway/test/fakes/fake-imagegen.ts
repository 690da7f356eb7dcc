import { createHash } from "node:crypto";
import {
  type CardsRequest,
  cardsRequestSchema,
  FORMATS,
  INTERNAL_TOKEN_HEADER,
  storageKeys,
} from "@video-service/contracts";
import type { ObjectStore } from "@video-service/object-store";
import { listen } from "@video-service/shutdown";
import { Hono } from "hono";

export interface FakeImagegen {
  url: string;
  behaviour: { ready: boolean };
  calls: { cards: number };
  /** The last cards request, as the real contract parsed it. */
  lastCards: CardsRequest | undefined;
  close(): Promise<void>;
}

/**
 * A protocol fake of imagegen on a real port: /v1/cards writes a small dummy image per card at its
 * content-addressed cache key and answers in request order, validating with the real contract.
 */
export async function startFakeImagegen({
  store,
  token,
}: {
  store: ObjectStore;
  token: string;
}): Promise<FakeImagegen> {
  const behaviour = { ready: true };
  const calls = { cards: 0 };
  const app = new Hono();
  app.use("/v1/*", async (c, next) => {
    if (c.req.header(INTERNAL_TOKEN_HEADER) !== token) return c.json({ title: "Unauthorized", status: 401 }, 401);
    return next();
  });
  app.get("/readyz", (c) =>
    behaviour.ready ? c.json({ status: "ready" }) : c.json({ title: "Down", status: 503 }, 503),
  );
  app.post("/v1/cards", async (c) => {
    calls.cards += 1;
    const request = cardsRequestSchema.parse(await c.req.json());
    fake.lastCards = request;
    const spec = FORMATS[request.format];
    const cards = await Promise.all(
      request.cards.map(async (card) => {
        const thumbnail = card.kind === "thumbnail";
        const hash = createHash("sha256")
          .update(JSON.stringify({ card, format: request.format, theme: request.theme }))
          .digest("hex");
        const key = storageKeys.cachedImage(hash, thumbnail ? "jpg" : "png");
        const bytes = Buffer.from(`fake ${card.kind} image ${hash}`);
        await store.put(key, bytes);
        return {
          key,
          width: thumbnail ? 1280 : spec.width,
          height: thumbnail ? 720 : spec.height,
          bytes: bytes.length,
          cached: false,
        };
      }),
    );
    return c.json({ cards });
  });
  const server = await listen(app, { port: 0, hostname: "127.0.0.1" });
  const fake: FakeImagegen = {
    url: server.url,
    behaviour,
    calls,
    lastCards: undefined,
    close: async () => {
      if ("closeAllConnections" in server.server) server.server.closeAllConnections();
      await server.close();
    },
  };
  return fake;
}
