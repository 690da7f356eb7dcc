export { type BackoffOptions, backoffDelayMs } from "./backoff.ts";
export { type Deadline, startDeadline, TimeoutError, withTimeout } from "./deadline.ts";
export { type RetryDecision, type RetryInfo, type RetryOptions, retry } from "./retry.ts";
export { type SingleFlight, singleFlight } from "./single-flight.ts";
export { raceSignal, sleep } from "./sleep.ts";
