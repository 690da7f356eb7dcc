import { randomInt } from "node:crypto";
import { type MediaItem, type MediaKind, mediaItemSchema, mediaKeys } from "@video-service/contracts";
import type { ObjectStore } from "@video-service/object-store";

/**
 * The media library in the object store. An item is its `meta.json` (written last, atomically):
 * the normalised files sit under a version prefix beside it, so replacing an item swaps one small
 * object and a failed upload never shows.
 */
export interface MediaLibrary {
  get(kind: MediaKind, name: string): Promise<MediaItem | undefined>;
  /** Every item, or every item of a kind, by kind then name. */
  list(kind?: MediaKind): Promise<MediaItem[]>;
  /** Publishes an item (its files must be stored already); returns the item it replaced. */
  save(item: MediaItem): Promise<MediaItem | undefined>;
  /** Removes an item and its files; false when there was none. */
  remove(kind: MediaKind, name: string): Promise<boolean>;
  /** An item of the kind chosen at random, or undefined when the library has none. */
  pickRandom(kind: MediaKind): Promise<MediaItem | undefined>;
}

const META_SUFFIX = "/meta.json";

export function createMediaLibrary(store: ObjectStore): MediaLibrary {
  const read = async (key: string): Promise<MediaItem | undefined> => {
    if ((await store.head(key)) === undefined) return undefined;
    try {
      return mediaItemSchema.parse(JSON.parse((await store.get(key)).toString("utf8")));
    } catch {
      // Removed between head and get, or not ours: not an item.
      return undefined;
    }
  };
  const library: MediaLibrary = {
    get: (kind, name) => read(mediaKeys.metadata(kind, name)),
    async list(kind) {
      const objects = await store.list(kind ? `media/${kind}/` : "media/");
      const metas = objects.filter(
        (object) => object.key.endsWith(META_SUFFIX) && !object.key.startsWith("media/uploads/"),
      );
      const items = await Promise.all(metas.map((object) => read(object.key)));
      return items
        .filter((item): item is MediaItem => item !== undefined)
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    },
    async save(item) {
      const previous = await library.get(item.kind, item.name);
      await store.put(mediaKeys.metadata(item.kind, item.name), JSON.stringify(item), {
        contentType: "application/json",
      });
      if (previous && previous.version !== item.version) {
        await store.deletePrefix(mediaKeys.versionPrefix(previous.kind, previous.name, previous.version));
      }
      return previous;
    },
    async remove(kind, name) {
      const item = await library.get(kind, name);
      if (!item) return false;
      // The metadata first: from then on the item does not exist, whatever happens to its files.
      await store.delete(mediaKeys.metadata(kind, name));
      await store.deletePrefix(mediaKeys.itemPrefix(kind, name));
      return true;
    },
    async pickRandom(kind) {
      const items = await library.list(kind);
      return items.length === 0 ? undefined : items[randomInt(items.length)];
    },
  };
  return library;
}
