import { type CardsRequestInput, type CardsResponse, cardsResponseSchema } from "@video-service/contracts";
import { checkReady } from "./ready.ts";
import { callService, connect, readJson, type ServiceClientOptions } from "./service-call.ts";

export interface ImagegenClient {
  /** POST /v1/cards: renders (or finds in the cache) every card; answers in request order. */
  renderCards(req: CardsRequestInput, opts?: { signal?: AbortSignal }): Promise<CardsResponse>;
  /** GET /readyz; throws ServiceError when imagegen is not ready. */
  ready(opts?: { signal?: AbortSignal }): Promise<void>;
}

export function createImagegenClient(options: ServiceClientOptions): ImagegenClient {
  const connection = connect("imagegen", options);
  return {
    renderCards: (req, opts = {}) =>
      callService(connection, {
        method: "POST",
        path: "/v1/cards",
        body: req,
        signal: opts.signal,
        onSuccess: (response) => readJson("imagegen", response, cardsResponseSchema),
      }),
    ready: (opts = {}) => checkReady(connection, opts.signal),
  };
}
