export * from "./create-object-store.ts";
export * from "./object-store.local.ts";
export * from "./object-store.s3.ts";
export * from "./object-store.ts";
export { createSignedFileUrl, signObjectKey, type VerifySignedUrlInput, verifySignedUrl } from "./signed-url.ts";
export * from "./storage-errors.ts";
