import { isValidObjectKey } from "@video-service/contracts";
import { InvalidObjectKeyError, InvalidRangeError } from "./object-store.ts";

/** Throws unless the key is a relative path of safe segments (the same rule on S3 and on disk). */
export function assertObjectKey(key: string): void {
  if (typeof key !== "string" || !isValidObjectKey(key)) throw new InvalidObjectKeyError(key);
}

/** deletePrefix() prefixes name a "directory": a valid key followed by "/". */
export function assertDirectoryPrefix(prefix: string): void {
  if (typeof prefix !== "string" || !prefix.endsWith("/") || !isValidObjectKey(prefix.slice(0, -1))) {
    throw new InvalidObjectKeyError(prefix);
  }
}

/**
 * list() prefixes: "" (everything), a directory ("videos/short/") or the start of a key
 * ("images/cache/ab").
 */
export function assertListPrefix(prefix: string): void {
  if (typeof prefix !== "string") throw new InvalidObjectKeyError(String(prefix));
  if (prefix === "") return;
  const withoutSlash = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  if (!isValidObjectKey(withoutSlash)) throw new InvalidObjectKeyError(prefix);
}

export function assertRange(key: string, range: { start: number; end?: number } | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  const badStart = !Number.isSafeInteger(start) || start < 0;
  const badEnd = end !== undefined && (!Number.isSafeInteger(end) || end < start);
  if (badStart || badEnd) throw new InvalidRangeError(key, range);
}
