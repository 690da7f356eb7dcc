import type { WebhookDelivery } from "../pipeline/webhook.ts";
import type { JobOutputs, JobRecord } from "./job.store.ts";
import { type JobError, type JobStatus, STAGE_NAMES, type StageName, type StageState } from "./job.types.ts";
import type { VideoRequest } from "./video-request.types.ts";

/** A stage that has not run; every stage of a new job. */
export const pendingStage = (): StageState => ({
  status: "pending",
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  attempts: 0,
});

function parseJson<T>(raw: string | undefined): T | undefined {
  return raw === undefined || raw === "" ? undefined : (JSON.parse(raw) as T);
}

/** A job record from its hash's fields, as JobStore writes them (one field per stage, per delivery). */
export function parseRecord(hash: Record<string, string>): JobRecord {
  const stages = {} as Record<StageName, StageState>;
  for (const stage of STAGE_NAMES) stages[stage] = parseJson<StageState>(hash[`st:${stage}`]) ?? pendingStage();
  const record: JobRecord = {
    id: hash.id ?? "",
    status: hash.status as JobStatus,
    stage: hash.stage ? (hash.stage as StageName) : null,
    progress: Number(hash.progress ?? 0),
    stages,
    createdAt: hash.createdAt ?? "",
    updatedAt: hash.updatedAt ?? "",
    request: parseJson<VideoRequest>(hash.request) as VideoRequest,
    run: Number(hash.run ?? 1),
    traceCarrier: parseJson<Record<string, string>>(hash.traceCarrier) ?? {},
  };
  if (hash.owner) record.owner = hash.owner;
  const webhooks = Object.entries(hash)
    .filter(([field]) => field.startsWith("wh:"))
    .map(([, raw]) => JSON.parse(raw) as WebhookDelivery)
    .sort((a, b) => (a.attempts[0]?.at ?? "").localeCompare(b.attempts[0]?.at ?? ""));
  if (webhooks.length > 0) record.webhooks = webhooks;
  const error = parseJson<JobError>(hash.error);
  if (error) record.error = error;
  const lastError = parseJson<JobError>(hash.lastError);
  if (lastError) record.lastError = lastError;
  const outputs = parseJson<JobOutputs>(hash.outputs);
  if (outputs) record.outputs = outputs;
  return record;
}
