import { cardsRequestSchema, cardsResponseSchema } from "@video-service/contracts";
import { parseJsonBody } from "@video-service/errors";
import { Hono } from "hono";
import type { CardService } from "./card-service.ts";

/** POST /v1/cards: renders a batch of cards (or finds them in the cache), answered in request order. */
export function createCardRoutes({ cards }: { cards: CardService }): Hono {
  const routes = new Hono();
  routes.post("/cards", async (c) => {
    const request = await parseJsonBody(c, cardsRequestSchema);
    const response = await cards.renderCards(request);
    return c.json(cardsResponseSchema.parse(response));
  });
  return routes;
}
