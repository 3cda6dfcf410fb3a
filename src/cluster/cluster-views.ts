import { CLUSTER_SHARDS, NODE_KEYS, shardKeys } from './key-layout.js';
import type { ClusterView, NodeView } from '../dashboard/wire.js';
import type { RedisClient } from './redis-connection.js';

/** GET /cluster: the nodes with their leases, read from the node registry (one slot, a handful of commands). */
export async function readClusterView(redis: RedisClient, leaseMs: number): Promise<ClusterView> {
  const [time, leases, info, reaping, stallEnd] = await Promise.all([
    redis.time(),
    redis.zrange(NODE_KEYS.leases, '0', '-1', 'WITHSCORES'),
    redis.hgetall(NODE_KEYS.info),
    redis.zrange(NODE_KEYS.reaping, '0', '-1'),
    redis.hget(NODE_KEYS.clock, 'stall_end'),
  ]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const nodes: NodeView[] = [];
  for (let i = 0; i < leases.length; i += 2) {
    const incarnation = leases[i];
    const expires = Number(leases[i + 1]);
    const [nodeId = '', address = '', clients = '0'] = (info[incarnation] ?? '').split(' ');
    nodes.push({
      node_id: nodeId,
      incarnation,
      address,
      clients: Number(clients),
      lease_age_ms: now - (expires - leaseMs),
      lease_expires_in_ms: expires - now,
    });
  }
  return { now_ms: now, stall_end_ms: stallEnd === null ? null : Number(stallEnd), nodes, reaping };
}

export interface ClusterClient {
  clientId: string;
  incarnation: string;
  nodeId: string;
  lastSeenMsAgo: number;
}

/**
 * One page of the fleet's clients, in shard order (then Redis' order
 * within a shard): HLEN of every shard to place the page, then only the
 * shards the page covers are read. A page is a consistent cut only while
 * nothing registers or leaves meanwhile; the fleet changes between pages.
 */
export async function readClusterPage(redis: RedisClient, offset: number, limit: number): Promise<{ total: number; clients: ClusterClient[] }> {
  const sizes = await Promise.all(Array.from({ length: CLUSTER_SHARDS }, (_, s) => redis.hlen(shardKeys(s).owner)));
  const total = sizes.reduce((a, b) => a + b, 0);
  const [time, info] = await Promise.all([redis.time(), redis.hgetall(NODE_KEYS.info)]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const clients: ClusterClient[] = [];
  let skip = offset;
  for (let s = 0; s < CLUSTER_SHARDS && clients.length < limit; s++) {
    if (skip >= sizes[s]) {
      skip -= sizes[s];
      continue;
    }
    const k = shardKeys(s);
    const [owners, seen] = await Promise.all([redis.hgetall(k.owner), redis.hgetall(k.seen)]);
    const ids = Object.keys(owners);
    for (let i = skip; i < ids.length && clients.length < limit; i++) {
      const incarnation = owners[ids[i]].split(' ')[0];
      const seenAt = Number(seen[ids[i]] ?? now);
      clients.push({
        clientId: ids[i],
        incarnation,
        nodeId: (info[incarnation] ?? '').split(' ')[0],
        lastSeenMsAgo: Math.max(0, now - seenAt),
      });
    }
    skip = 0;
  }
  return { total, clients };
}
