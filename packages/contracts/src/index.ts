export * from "./cards.ts";
export * from "./formats.ts";
export * from "./keys.ts";
export * from "./media.ts";
export * from "./renders.ts";
export * from "./speech.ts";

/** Header that carries the shared secret on every call between our services. */
export const INTERNAL_TOKEN_HEADER = "x-internal-token";
