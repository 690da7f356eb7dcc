import { AppError } from "@video-service/errors";
import { ServiceError } from "@video-service/http-client";
import { ObjectNotFoundError } from "@video-service/object-store";
import type { JobError, StageName } from "../jobs/job.types.ts";

/**
 * What a client is told about a failed stage: a clear title and detail, and whether retrying can
 * help (a downstream 5xx or timeout can; a rejected request or a missing object cannot).
 */
export function toJobError(err: unknown, stage: StageName | null): JobError {
  if (err instanceof ServiceError) {
    const title = err.problem?.title ? `${err.service}: ${err.problem.title}` : `${err.service} failed`;
    const detail = err.problem?.detail ?? err.message;
    return { stage, title, detail, retryable: err.retryable };
  }
  if (err instanceof AppError) {
    return { stage, title: err.title, detail: err.detail ?? err.message, retryable: err.status >= 500 };
  }
  if (err instanceof ObjectNotFoundError) {
    return { stage, title: "A stored object is missing", detail: err.message, retryable: false };
  }
  if (err instanceof Error && err.name === "ZodError") {
    return { stage, title: "Invalid data between stages", detail: err.message.slice(0, 2000), retryable: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { stage, title: `The ${stage ?? "job"} stage failed`, detail: message.slice(0, 2000), retryable: true };
}
