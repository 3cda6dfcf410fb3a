/**
 * Lua scripts on one shard's keys (all in one Redis Cluster slot, see
 * key-layout.ts). Each is atomic, so "check the owner, then change it" can
 * never interleave with another gateway's change of the same client_id.
 * Every script first refuses a fenced incarnation: a gateway whose lease
 * lapsed cannot write after the survivors fenced it.
 *
 * Owner values are "incarnation generation"; incarnations contain no space.
 */

/** The current Redis time in ms (scripts are effect-replicated in Redis 7, so TIME is allowed). */
const NOW = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** prevInc := the incarnation in an owner value (false when none). */
const OWNER_INC = `local function ownerInc(value)
  if not value then return false end
  return string.sub(value, 1, string.find(value, ' ', 1, true) - 1)
end`;

/**
 * One incarnation's claims ('c'), releases ('r', its connection closed) and
 * expiries ('x'), in the order the gateway made them.
 * KEYS: owner, seen, gen, fenced, events, this incarnation's set.
 * ARGV: incarnation, inc-set prefix, events maxlen, moves-channel prefix, then op, client_id pairs.
 * Returns -1 if fenced; else one number per op: for a claim its new
 * generation (negated when it took the id from another incarnation), 1/0
 * (acted or not) for the others. A claim of an id another
 * incarnation holds moves it: the generation is bumped, the previous
 * owner's set loses it, a 'move' event is recorded and the previous owner
 * is told on its moves channel ("generation client_id") in the same script,
 * with no extra round trip. A release or expiry acts only if this
 * incarnation still owns the id: ops of one incarnation are applied in
 * order, so an owner match means the record is this incarnation's latest claim.
 */
export const APPLY_OPS = `${NOW}
${OWNER_INC}
local inc = ARGV[1]
if redis.call('SISMEMBER', KEYS[4], inc) == 1 then return -1 end
local out = {}
for i = 5, #ARGV, 2 do
  local op, id = ARGV[i], ARGV[i + 1]
  local prevInc = ownerInc(redis.call('HGET', KEYS[1], id))
  if op == 'c' then
    local g = redis.call('INCR', KEYS[3])
    redis.call('HSET', KEYS[1], id, inc .. ' ' .. g)
    redis.call('HSET', KEYS[2], id, now)
    redis.call('SADD', KEYS[6], id)
    if prevInc and prevInc ~= inc then
      redis.call('SREM', ARGV[2] .. prevInc, id)
      redis.call('PUBLISH', ARGV[4] .. prevInc, g .. ' ' .. id)
      redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 'type', 'move', 'client_id', id, 'from', prevInc, 'to', inc, 'gen', g)
    elseif not prevInc then
      redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 'type', 'join', 'client_id', id, 'to', inc, 'gen', g)
    end
    if prevInc and prevInc ~= inc then out[#out + 1] = -g else out[#out + 1] = g end
  elseif prevInc == inc then
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('SREM', KEYS[6], id)
    local kind = 'leave'
    if op == 'x' then kind = 'expire' end
    redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 'type', kind, 'client_id', id, 'from', inc)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out`;

/**
 * Last-seen times, batched, and the owner check that backs up a lost move
 * notice: written only for ids whose owner is still exactly this
 * incarnation's claim ("incarnation generation"); the position of every id
 * whose owner is no longer that claim (taken over, or taken and released,
 * while the notice on the moves channel was lost) is returned, so the
 * gateway closes that socket. A last-seen of 0 only checks (an id not
 * heard from, looked at so that silent sockets are checked too).
 * Two commands whatever the batch size (HMGET of the owners, one HSET), so
 * Redis' command count does not follow the number of clients heard from.
 * KEYS: owner, seen, fenced. ARGV: incarnation, then client_id, generation, epoch-ms triples (at most 1000).
 * Returns -1 if fenced, else {how many were written, 1-based positions of the ids no longer this claim's...}.
 */
export const WRITE_SEEN = `local inc = ARGV[1]
if redis.call('SISMEMBER', KEYS[3], inc) == 1 then return -1 end
local ids = {}
for i = 2, #ARGV, 3 do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return {0} end
local owners = redis.call('HMGET', KEYS[1], unpack(ids))
local mine = inc .. ' '
local seen = {}
local out = {0}
for j, owner in ipairs(owners) do
  local at = 3 * j
  if owner ~= mine .. ARGV[at] then
    out[#out + 1] = j
  elseif ARGV[at + 1] ~= '0' then
    seen[#seen + 1] = ids[j]
    seen[#seen + 1] = ARGV[at + 1]
  end
end
if #seen > 0 then redis.call('HSET', KEYS[2], unpack(seen)) end
out[1] = #seen / 2
return out`;

/**
 * Fences a dead incarnation in this shard, then declares up to `batch` of
 * its clients gone: each still-owned one loses its records and gets one
 * 'reap' event. The owner check makes a second reaper (or a retried batch)
 * a no-op for ids already reaped: each is declared gone exactly once.
 * The owners are read with one HMGET and the records dropped with one HDEL
 * per hash, so a batch costs Redis about one command per id (its XADD),
 * not four: a 100,000-client reap on a busy machine waits for Redis' CPU.
 * KEYS: owner, seen, fenced, events, the dead incarnation's set.
 * ARGV: dead incarnation, batch size, events maxlen.
 * Returns {ids left in its set, ids reaped now}.
 */
export const REAP_BATCH = `local dead = ARGV[1]
redis.call('SADD', KEYS[3], dead)
local ids = redis.call('SPOP', KEYS[5], tonumber(ARGV[2]))
if #ids == 0 then return {redis.call('SCARD', KEYS[5]), 0} end
local owners = redis.call('HMGET', KEYS[1], unpack(ids))
local prefix = dead .. ' '
local gone = {}
for j, owner in ipairs(owners) do
  if owner and string.sub(owner, 1, #prefix) == prefix then gone[#gone + 1] = ids[j] end
end
if #gone > 0 then
  redis.call('HDEL', KEYS[1], unpack(gone))
  redis.call('HDEL', KEYS[2], unpack(gone))
  for _, id in ipairs(gone) do
    redis.call('XADD', KEYS[4], '*', 'type', 'reap', 'client_id', id, 'from', dead)
  end
  redis.call('XTRIM', KEYS[4], 'MAXLEN', '~', ARGV[3])
end
return {redis.call('SCARD', KEYS[5]), #gone}`;
