export { createImagegenClient, type ImagegenClient } from "./imagegen.client.ts";
export { internalAuth, internalTokenMatcher } from "./internal-auth.ts";
export { createRendererClient, type RenderDone, type RendererClient, type RenderOptions } from "./renderer.client.ts";
export type { ServiceClientOptions } from "./service-call.ts";
export { ServiceError } from "./service-error.ts";
