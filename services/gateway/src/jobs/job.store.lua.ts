/** The Lua scripts of the JobStore: each runs atomically in Redis. */

/**
 * Changes the status only when it is one of the allowed ones (so a late "succeeded" never
 * overwrites "cancelled"), setting and deleting other fields in the same atomic step.
 * A job that ends expires after the retention period (a retry makes it permanent again).
 * ARGV[8] (optional): JSON {stage field: ended state JSON}; each is written in the same step if
 * that stage is still "running" (no reader sees a failed job with a running stage).
 * Returns {1, previous, {fields of the stages ended}} on success, {0, current} when refused, nil
 * when the job does not exist.
 */
export const TRANSITION_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'status')
local owner = redis.call('HGET', KEYS[1], 'owner')
if not current then return nil end
local allowed = cjson.decode(ARGV[1])
local ok = false
for _, status in ipairs(allowed) do if status == current then ok = true end end
if not ok then return {0, current} end
-- Only for this run of the job, when asked (a late handler of an earlier run must not touch a retry).
if ARGV[9] and ARGV[9] ~= '' and (redis.call('HGET', KEYS[1], 'run') or '1') ~= ARGV[9] then return {0, current} end
local set = cjson.decode(ARGV[2])
local del = cjson.decode(ARGV[3])
for field, value in pairs(set) do redis.call('HSET', KEYS[1], field, value) end
for _, field in ipairs(del) do redis.call('HDEL', KEYS[1], field) end
local ended = {}
if ARGV[8] and ARGV[8] ~= '' then
  for field, value in pairs(cjson.decode(ARGV[8])) do
    local decoded, state = pcall(cjson.decode, redis.call('HGET', KEYS[1], field) or '')
    if decoded and type(state) == 'table' and state.status == 'running' then
      redis.call('HSET', KEYS[1], field, value)
      table.insert(ended, field)
    end
  end
end
if ARGV[4] == 'expire' then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5])) else redis.call('PERSIST', KEYS[1]) end
if owner then
  local active = ARGV[6] .. 'active:' .. owner
  if ARGV[4] == 'expire' then redis.call('SREM', active, ARGV[7]) else redis.call('SADD', active, ARGV[7]) end
end
return {1, current, ended}
`;

/**
 * Creates a job record, unless Redis runs it after the caller's deadline (it waited behind a
 * stalled server and the client was already answered 503: the job must not appear later) or the
 * owner already has `max` unfinished jobs. Returns 1, -1 (too late) or -2 (over the cap).
 * KEYS: hash, index, owner's active set. ARGV: deadline ms (0: none), max (0: none), id, has owner
 * ("1"/"0"), fields…
 */
export const CREATE_SCRIPT = `
local deadline = tonumber(ARGV[1])
if deadline > 0 then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > deadline then return -1 end
end
local max = tonumber(ARGV[2])
if max > 0 and redis.call('SCARD', KEYS[3]) >= max then return -2 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], 0, ARGV[3])
if ARGV[4] == '1' then redis.call('SADD', KEYS[3], ARGV[3]) end
return 1
`;

/** HSET only if the hash exists: a late write (progress after the record expired or was discarded) is dropped. */
export const HSET_EXISTING_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;
