import {
  type CardSpec,
  type CardsRequest,
  type CardsResponse,
  type RenderedCard,
  storageKeys,
} from "@video-service/contracts";
import type { Logger } from "@video-service/logger";
import type { ObjectStore } from "@video-service/object-store";
import { raceSignal } from "@video-service/retry";
import { withSpan } from "@video-service/telemetry";
import { DEFAULT_BACKGROUND_SEED, renderBackground } from "./background.ts";
import { cardCacheKey } from "./cache-key.ts";
import { createLimiter, WaitCancelledError } from "./concurrency.ts";
import { type CardContext, cardCanvas, renderCard } from "./render-card.ts";
import type { RawImage } from "./sharp.engine.ts";

/** A few dozen requests' worth of cards (a video has about ten). */
export const DEFAULT_MAX_QUEUED_CARDS = 256;

export interface CardServiceOptions {
  store: ObjectStore;
  logger: Logger;
  /** Cards drawn at the same time across all requests (CPU-bound: one per core). */
  concurrency: number;
  /** Cards waiting for a slot at most; beyond, requests are refused with QueueFullError (503). */
  maxQueuedCards?: number;
}

export interface CardService {
  /** Renders (or finds in the cache) every card of a request; results in request order. */
  renderCards(request: CardsRequest, signal?: AbortSignal): Promise<CardsResponse>;
}

/**
 * Cards are content-addressed: the key is the hash of everything that decides their pixels, so a
 * card already in the store is returned without drawing, and identical cards requested at the
 * same time (in one batch or concurrent requests) are drawn once.
 */
export function createCardService({
  store,
  logger,
  concurrency,
  maxQueuedCards = DEFAULT_MAX_QUEUED_CARDS,
}: CardServiceOptions): CardService {
  const limit = createLimiter(concurrency, maxQueuedCards);
  const inFlight = new Map<string, Promise<RenderedCard>>();

  const ensureCard = async (
    card: CardSpec,
    request: CardsRequest,
    context: CardContext,
    signal: AbortSignal | undefined,
  ): Promise<RenderedCard> => {
    const canvas = cardCanvas(card.kind, request.format);
    const hash = cardCacheKey({
      format: request.format,
      theme: request.theme,
      backgroundSeed: context.backgroundSeed,
      transparent: request.transparent,
      card,
    });
    const key = storageKeys.cachedImage(hash, canvas.extension);
    const pending = inFlight.get(key);
    if (pending) {
      try {
        return await raceSignal(pending, signal);
      } catch (err) {
        // The request that started this card went away while it waited: draw it for this one.
        if (err instanceof WaitCancelledError && !signal?.aborted) return ensureCard(card, request, context, signal);
        throw err;
      }
    }

    // One span per card, so a trace shows which cards were drawn and which came from the cache.
    const produce = (): Promise<RenderedCard> =>
      withSpan("imagegen.card", { "card.kind": card.kind, "card.key": key }, async (span) => {
        const existing = await store.head(key);
        span.setAttribute("card.cached", existing !== undefined);
        if (existing) return { key, width: canvas.width, height: canvas.height, bytes: existing.size, cached: true };
        const started = performance.now();
        const image = await limit(() => renderCard(card, context), signal);
        await store.put(key, image.data, { contentType: image.contentType });
        const ms = Math.round(performance.now() - started);
        span.setAttribute("card.bytes", image.data.length);
        logger.debug({ kind: card.kind, key, bytes: image.data.length, ms }, "card rendered");
        return { key, width: image.width, height: image.height, bytes: image.data.length, cached: false };
      });
    const result = produce().finally(() => inFlight.delete(key));
    inFlight.set(key, result);
    return await result;
  };

  return {
    async renderCards(request, signal) {
      const started = performance.now();
      const context: CardContext = {
        format: request.format,
        theme: request.theme,
        backgroundSeed: request.backgroundSeed ?? DEFAULT_BACKGROUND_SEED,
        transparent: request.transparent,
        background: memoisedBackground(request),
      };
      const cards = await Promise.all(request.cards.map((card) => ensureCard(card, request, context, signal)));
      const rendered = cards.filter((card) => !card.cached).length;
      logger.info(
        {
          format: request.format,
          theme: request.theme,
          cards: cards.length,
          rendered,
          cached: cards.length - rendered,
          ms: Math.round(performance.now() - started),
        },
        "cards ready",
      );
      return { cards };
    },
  };
}

/**
 * Within one request, every full-frame card is drawn over the same background: it is rasterised
 * once. Only the request's own seed is kept (background cards with other seeds are drawn each
 * time), so a batch holds at most one or two full-frame bitmaps.
 */
function memoisedBackground(request: CardsRequest): CardContext["background"] {
  const sharedSeed = request.backgroundSeed ?? DEFAULT_BACKGROUND_SEED;
  const memo = new Map<string, Promise<RawImage>>();
  return ({ seed, width, height }) => {
    const draw = () => renderBackground({ seed, theme: request.theme, width, height });
    if (seed !== sharedSeed) return draw();
    const memoKey = `${width}x${height}`;
    let image = memo.get(memoKey);
    if (!image) {
      image = draw();
      memo.set(memoKey, image);
    }
    return image;
  };
}
