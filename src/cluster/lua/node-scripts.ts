/**
 * Lua scripts on the node registry (keys tagged `{nodes}`, one slot).
 * Lease times are Redis' own clock (TIME), so gateways' clocks never need
 * to agree.
 */

const NOW = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/**
 * Renews an incarnation's lease, unless it was fenced.
 * KEYS: leases, info, fenced, clock. ARGV: incarnation, lease ms, info, stall ms.
 * A gap of more than `stall ms` (lease - 2 renewal periods) since anyone's
 * latest renewal means Redis (or the whole fleet) stalled: stall_end is recorded, and reaping waits a
 * full lease after it so every live node can renew first.
 * Returns {-1} if fenced, else {now}.
 */
export const RENEW_LEASE = `${NOW}
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return {-1} end
local last = tonumber(redis.call('HGET', KEYS[4], 'last'))
if last and now - last > tonumber(ARGV[4]) then redis.call('HSET', KEYS[4], 'stall_end', now) end
redis.call('HSET', KEYS[4], 'last', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return {now}`;

/**
 * Finds lapsed leases and takes the job of reaping them, so that exactly
 * one survivor reaps each: the lease is removed, the incarnation fenced,
 * and put in 'reaping' with a deadline (another survivor takes over a reap
 * whose reaper died before finishing it).
 * KEYS: leases, fenced, reaping, clock. ARGV: caller's incarnation, lease ms, reap claim ms.
 * Returns {'self'} (the caller's own lease lapsed: it may not judge others),
 * {'stall', ms since the stall ended}, {'mass', lapsed, total} (most leases
 * lapsed at once: reported, nobody reaped), or {'ok', inc, lapsed-at, ...}
 * (lapsed-at -1 for a reap taken over from a dead reaper).
 */
export const CLAIM_DEAD = `${NOW}
local mine = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if not mine or mine <= now then return {'self'} end
local stallEnd = tonumber(redis.call('HGET', KEYS[4], 'stall_end'))
local lease = tonumber(ARGV[2])
if stallEnd and now - stallEnd < lease then return {'stall', tostring(now - stallEnd)} end
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES')
local total = redis.call('ZCARD', KEYS[1])
local n = #lapsed / 2
if n * 2 > total then return {'mass', tostring(n), tostring(total)} end
local out = {'ok'}
local deadline = now + tonumber(ARGV[3])
for i = 1, #lapsed, 2 do
  redis.call('ZREM', KEYS[1], lapsed[i])
  redis.call('SADD', KEYS[2], lapsed[i])
  redis.call('ZADD', KEYS[3], deadline, lapsed[i])
  out[#out + 1] = lapsed[i]
  out[#out + 1] = lapsed[i + 1]
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, inc in ipairs(stale) do
  redis.call('ZADD', KEYS[3], deadline, inc)
  out[#out + 1] = inc
  out[#out + 1] = '-1'
end
return out`;

/** A reap finished. KEYS: reaping, info. ARGV: incarnation. */
export const REAP_DONE = `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

/**
 * A graceful leave: the lease is set to lapsed now, so survivors reap at
 * once whatever the leaving node could not release itself.
 * KEYS: leases. ARGV: incarnation.
 */
export const LEAVE = `if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 0, ARGV[1]) end
return 1`;
