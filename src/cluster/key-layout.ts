import { shardOf } from '../monitor/shard-hash.js';

/**
 * Where the cluster keeps its state in Redis.
 *
 * client_ids hash (FNV-1a, the monitor's shardOf) to one of CLUSTER_SHARDS
 * shards. Every key of a shard carries the hash tag `{s<N>}`, so all of a
 * shard's keys live in one Redis Cluster slot and one Lua script can check
 * and change them atomically; the shards' tags spread over the masters.
 * The node registry's keys share the tag `{nodes}` (one slot) for the same
 * reason: a lease check and a fence are one script.
 *
 *   kw:{nodes}:leases     ZSET  incarnation -> lease expiry (Redis clock, ms)
 *   kw:{nodes}:info       HASH  incarnation -> "node_id address clients"
 *   kw:{nodes}:fenced     SET   incarnations whose lease lapsed (renewals refused)
 *   kw:{nodes}:reaping    ZSET  fenced incarnation -> reaper's claim deadline
 *   kw:{nodes}:clock      HASH  last (latest renewal, any node), stall_end
 *
 *   kw:{s7}:owner         HASH  client_id -> "incarnation generation"
 *   kw:{s7}:seen          HASH  client_id -> last seen (Redis-epoch ms, batched)
 *   kw:{s7}:gen           STR   generation counter of the shard
 *   kw:{s7}:inc:<inc>     SET   client_ids that incarnation owns in the shard
 *   kw:{s7}:fenced        SET   incarnations refused in this shard
 *   kw:{s7}:events        STREAM join / move / leave / expire / reap
 *
 * Costs: a claim, release or expiry is O(1) Redis work in its shard; a
 * dead incarnation's reap is O(its clients), in batches; nothing is ever
 * scanned across the whole population except by GET /status?scope=cluster.
 */
export const CLUSTER_SHARDS = 32;
const PREFIX = 'kw';

export function clusterShardOf(clientId: string): number {
  return shardOf(clientId, CLUSTER_SHARDS);
}

export interface ShardKeys {
  owner: string;
  seen: string;
  gen: string;
  fenced: string;
  events: string;
  /** Prefix of the per-incarnation sets: `${incPrefix}${incarnation}`. */
  incPrefix: string;
}

const shardKeysCache: ShardKeys[] = [];
for (let s = 0; s < CLUSTER_SHARDS; s++) {
  const tag = `${PREFIX}:{s${s}}`;
  shardKeysCache.push({
    owner: `${tag}:owner`,
    seen: `${tag}:seen`,
    gen: `${tag}:gen`,
    fenced: `${tag}:fenced`,
    events: `${tag}:events`,
    incPrefix: `${tag}:inc:`,
  });
}

export function shardKeys(shard: number): ShardKeys {
  return shardKeysCache[shard];
}

export const NODE_KEYS = {
  leases: `${PREFIX}:{nodes}:leases`,
  info: `${PREFIX}:{nodes}:info`,
  fenced: `${PREFIX}:{nodes}:fenced`,
  reaping: `${PREFIX}:{nodes}:reaping`,
  clock: `${PREFIX}:{nodes}:clock`,
} as const;

/** Pub/sub channel on which an incarnation hears that its clients were taken over. */
export function movesChannel(incarnation: string): string {
  return `${PREFIX}:moves:${incarnation}`;
}

/** Stream entries kept per shard (approximate trim): the event stream is a feed, not an archive. */
export const EVENTS_MAXLEN = 100_000;
