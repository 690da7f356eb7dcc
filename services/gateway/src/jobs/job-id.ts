import { randomBytes } from "node:crypto";

const RANDOM_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * Job ids sort by creation time as plain strings (zero-padded base-36 milliseconds, then 10
 * random characters), so the listing index is a lexicographic sorted set with tie-free cursors.
 */
export function newJobId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(10, "0");
  const bytes = randomBytes(10);
  let random = "";
  for (const byte of bytes) random += RANDOM_ALPHABET[byte % RANDOM_ALPHABET.length];
  return `${time}-${random}`;
}
