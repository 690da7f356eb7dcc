import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Theme } from "@video-service/contracts";
import { createLocalObjectStore, type ObjectStore } from "@video-service/object-store";
import { renderBackground } from "../src/cards/background.ts";
import type { CardContext } from "../src/cards/render-card.ts";

/** A real local object store in a temp dir of the test's own, counting the objects written. */
export interface TestStore {
  store: ObjectStore;
  puts: () => number;
  cleanup: () => Promise<void>;
}

export async function createTestStore(): Promise<TestStore> {
  const root = await mkdtemp(path.join(tmpdir(), "imagegen-test-"));
  const local = createLocalObjectStore({
    root,
    signingSecret: "test-signing-secret-0123456789",
    publicBaseUrl: "http://127.0.0.1:3000",
  });
  let puts = 0;
  const store: ObjectStore = {
    ...local,
    put: (key, body, options) => {
      puts++;
      return local.put(key, body, options);
    },
  };
  return { store, puts: () => puts, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** What the card service passes to renderCard, without its memo. */
export function cardContext(format: CardContext["format"], theme: Theme, backgroundSeed = "test-seed"): CardContext {
  return { format, theme, backgroundSeed, background: (options) => renderBackground({ ...options, theme }) };
}
