import { cardsRequestSchema, cardsResponseSchema } from "@video-service/contracts";
import { AppError, parseJsonBody } from "@video-service/errors";
import { Hono } from "hono";
import type { CardService } from "./card.service.ts";
import { QueueFullError } from "./concurrency.ts";

/** Seconds a caller refused for a full wait list should wait: a batch of cards takes about that. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 2;

/** POST /v1/cards: renders a batch of cards (or finds them in the cache), answered in request order. */
export function createCardRoutes({ cards }: { cards: CardService }): Hono {
  const routes = new Hono();
  routes.post("/cards", async (c) => {
    const request = await parseJsonBody(c, cardsRequestSchema);
    // The client's disconnect aborts the request's signal: its cards still waiting leave the list.
    const response = await cards.renderCards(request, c.req.raw.signal).catch((err: unknown) => {
      if (err instanceof QueueFullError) {
        throw new AppError("unavailable", `imagegen is busy: ${err.message}`, {
          headers: { "retry-after": String(QUEUE_FULL_RETRY_AFTER_SECONDS) },
        });
      }
      throw err;
    });
    return c.json(cardsResponseSchema.parse(response));
  });
  return routes;
}
