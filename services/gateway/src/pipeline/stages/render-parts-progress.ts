import type { Redis } from "ioredis";

/**
 * Progress of a chunked render while its parts run on any chunk worker of any gateway task: the
 * video job plans the parts (their weights, which are done already) in one Redis hash per run, and
 * each chunk worker raises its part's fraction there; the combined fraction (parts weighted by
 * their frames) is what the job's render progress shows. The parent job itself sleeps in BullMQ's
 * waiting-children state meanwhile, so nobody else would move it.
 */
export interface RenderPartsProgress {
  /** Records the parts of a run (weights, and 1 for the parts stored already); kept a day. */
  plan(videoId: string, run: number, parts: readonly { name: string; weight: number; done: boolean }[]): Promise<void>;
  /**
   * Raises a part's fraction (never lowers it) and returns the combined progress when it rose,
   * undefined otherwise or when the run has no plan (an old run, a render in one piece).
   */
  report(videoId: string, run: number, name: string, fraction: number): Promise<PartsProgress | undefined>;
}

export interface PartsProgress {
  /** 0..1 over every part, weighted. */
  fraction: number;
  done: number;
  total: number;
}

const PLAN_TTL_SECONDS = 86_400;

// KEYS[1] the run's hash; ARGV part name, fraction. Fields w:<part> weight, f:<part> fraction,
// "best" the highest combined fraction returned so far (so no caller reports a lower one later).
const REPORT_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return nil end
local field = 'f:' .. ARGV[1]
local fraction = tonumber(ARGV[2])
if fraction > tonumber(redis.call('HGET', key, field) or '0') then redis.call('HSET', key, field, ARGV[2]) end
local weights, fractions = {}, {}
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  local prefix, name = string.sub(all[i], 1, 2), string.sub(all[i], 3)
  if prefix == 'w:' then weights[name] = tonumber(all[i + 1]) elseif prefix == 'f:' then fractions[name] = tonumber(all[i + 1]) end
end
local sum, total, done, parts = 0, 0, 0, 0
for name, weight in pairs(weights) do
  local f = fractions[name] or 0
  sum = sum + weight * f
  total = total + weight
  parts = parts + 1
  if f >= 1 then done = done + 1 end
end
if total <= 0 then return nil end
local combined = sum / total
if combined <= tonumber(redis.call('HGET', key, 'best') or '-1') then return nil end
redis.call('HSET', key, 'best', tostring(combined))
return {tostring(combined), done, parts}
`;

export function createRenderPartsProgress({
  redis,
  prefix = "vs:",
}: {
  redis: Redis;
  prefix?: string;
}): RenderPartsProgress {
  const keyOf = (videoId: string, run: number) => `${prefix}render-parts:${videoId}:${run}`;
  return {
    async plan(videoId, run, parts) {
      const key = keyOf(videoId, run);
      const fields: Record<string, string> = {};
      for (const part of parts) {
        fields[`w:${part.name}`] = String(part.weight);
        if (part.done) fields[`f:${part.name}`] = "1";
      }
      await redis.multi().hset(key, fields).expire(key, PLAN_TTL_SECONDS).exec();
    },
    async report(videoId, run, name, fraction) {
      const clamped = Math.max(0, Math.min(1, fraction));
      const answer = (await redis.eval(REPORT_SCRIPT, 1, keyOf(videoId, run), name, String(clamped))) as
        | [string, number, number]
        | null;
      if (!answer) return undefined;
      return { fraction: Number(answer[0]), done: Number(answer[1]), total: Number(answer[2]) };
    },
  };
}
