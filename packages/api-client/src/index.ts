export * from "./gateway.client.ts";
export * from "./sse.ts";
