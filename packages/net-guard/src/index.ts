export {
  type AddressPolicy,
  addressPolicy,
  isAllowedAddress,
  nonPublicReason,
  STRICT_POLICY,
} from "./address-policy.ts";
export { type GuardedRequestOptions, type GuardedResponse, guardedRequest } from "./guarded-request.ts";
export {
  bareHostname,
  checkUrl,
  guardedLookup,
  type ResolvedAddress,
  type Resolver,
  systemResolver,
  UnsafeUrlError,
  type UrlRules,
} from "./url-guard.ts";
