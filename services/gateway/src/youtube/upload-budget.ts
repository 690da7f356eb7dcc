import type { Redis } from "ioredis";

export type BudgetDecision = { ok: true; used: number } | { ok: false; retryAt: Date };

export interface UploadBudget {
  readonly dailyUploads: number;
  readonly timeZone: string;
  /** Takes one upload from today's budget, or says when the next window opens. */
  reserve(): Promise<BudgetDecision>;
}

/** INCR unless the day's count is at the limit; the key outlives the day by a margin, then expires. */
const RESERVE_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return -1 end
used = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return used
`;

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD. */
export function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/** Offset of `timeZone` from UTC at `at`, in ms (local wall clock minus UTC). */
function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    })
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - (at.getTime() - at.getMilliseconds());
}

/** The next local midnight in `timeZone` after `at` (daylight saving time included). */
export function nextMidnight(at: Date, timeZone: string): Date {
  const [year, month, day] = dayIn(at, timeZone).split("-").map(Number) as [number, number, number];
  const midnightWall = Date.UTC(year, month - 1, day + 1);
  let guess = midnightWall - offsetMs(at, timeZone);
  // The offset may change across the night (DST): correct once with the offset at the guess.
  guess = midnightWall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

/**
 * A daily upload budget shared by every worker (a Redis counter per quota day). YouTube's quota
 * day ends at midnight Pacific Time, so that is the default window; uploads over the budget are
 * not failed but deferred to the next window by the caller.
 */
export function createUploadBudget({
  redis,
  dailyUploads,
  timeZone = "America/Los_Angeles",
  prefix = "vs:",
  now = () => new Date(),
}: {
  redis: Redis;
  dailyUploads: number;
  timeZone?: string;
  prefix?: string;
  now?: () => Date;
}): UploadBudget {
  return {
    dailyUploads,
    timeZone,
    async reserve() {
      const at = now();
      const key = `${prefix}youtube:uploads:${dayIn(at, timeZone)}`;
      const used = Number(await redis.eval(RESERVE_SCRIPT, 1, key, String(dailyUploads), String(2 * 86_400)));
      if (used >= 0) return { ok: true, used };
      return { ok: false, retryAt: nextMidnight(at, timeZone) };
    },
  };
}
