import type { Cluster, Redis } from 'ioredis';
import { CLUSTER_SHARDS, NODE_KEYS, shardKeys } from '../../src/cluster/key-layout.js';
import type { RedisServer } from '../../test/helpers/redis-servers.js';
import { LatencyHistogram } from '../lib/index.js';
import type { ClusterGateway } from './cluster-gateway.js';
import { readCounters } from './redis-stats.js';

/** Give up waiting for the reap this long after the kill (the target is lease + 1.5 s). */
const REAP_WAIT_MS = 30_000;
const POLL_MS = 100;

export interface SigkillResult {
  /** The victim's clients (what should be declared gone). */
  clients: number;
  /** 'reap' events of the victim's incarnation. */
  reaps: number;
  /** Distinct client_ids among them: each declared gone exactly once when reaps === distinct === clients. */
  distinct: number;
  /** Owner records still naming the victim once the reap was over (0 expected). */
  ownersLeft: number;
  /** SIGKILL -> each client's reap event (Redis' stream time). */
  hist: LatencyHistogram;
  /** SIGKILL -> the first reap event, ms: the lease's lapse (at most one lease after the kill) and one reap check. */
  firstReapedMs: number;
  /** SIGKILL -> the last reap event, ms. */
  lastReapedMs: number;
  /** Redis commands per second and CPU % summed over the masters, from the kill until the reap was marked done. */
  redisCommandsPerSecond: number;
  redisCpuPercent: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * SIGKILLs `victim` and waits until the survivors have reaped it (its
 * incarnation fenced and no longer in the reaping set), polling two O(1)
 * keys only: reading the streams while the reap runs would add its own
 * load to the Redis being measured. The streams are read once after.
 */
export async function measureSigkillReap(inspect: Redis | Cluster, servers: RedisServer[], victim: ClusterGateway, clients: number): Promise<SigkillResult> {
  const victimInc = await victim.incarnation();
  const c0 = readCounters(servers);
  const killedAt = Date.now();
  victim.kill('SIGKILL');
  const deadline = performance.now() + REAP_WAIT_MS;
  while (performance.now() < deadline) {
    const [fenced, reaping] = await Promise.all([inspect.sismember(NODE_KEYS.fenced, victimInc), inspect.zscore(NODE_KEYS.reaping, victimInc)]);
    if (fenced === 1 && reaping === null) break;
    await sleep(POLL_MS);
  }
  const c1 = readCounters(servers);
  const seconds = (Date.now() - killedAt) / 1000;
  const reapTimes: number[] = [];
  const ids = new Set<string>();
  let ownersLeft = 0;
  for (let s = 0; s < CLUSTER_SHARDS; s++) {
    const entries = await inspect.xrange(shardKeys(s).events, String(killedAt), '+');
    for (const [id, fields] of entries) {
      if (fields[1] !== 'reap' || fields[fields.indexOf('from') + 1] !== victimInc) continue;
      reapTimes.push(Number(id.split('-')[0]));
      ids.add(fields[fields.indexOf('client_id') + 1]);
    }
    for (const owner of await inspect.hvals(shardKeys(s).owner)) if (owner.startsWith(`${victimInc} `)) ownersLeft++;
  }
  const hist = new LatencyHistogram();
  let first = Infinity;
  let last = -Infinity;
  for (const t of reapTimes) {
    hist.recordMs(t - killedAt);
    first = Math.min(first, t - killedAt);
    last = Math.max(last, t - killedAt);
  }
  return {
    clients,
    reaps: reapTimes.length,
    distinct: ids.size,
    ownersLeft,
    hist,
    firstReapedMs: reapTimes.length > 0 ? first : NaN,
    lastReapedMs: reapTimes.length > 0 ? last : NaN,
    redisCommandsPerSecond: (c1.commands - c0.commands) / seconds,
    redisCpuPercent: (100 * (c1.cpuSeconds - c0.cpuSeconds)) / seconds,
  };
}

/** Every one of the victim's clients declared gone exactly once, the last within `targetMs` of the kill. */
export function sigkillMet(r: SigkillResult, targetMs: number): boolean {
  return r.reaps === r.clients && r.distinct === r.clients && r.ownersLeft === 0 && r.lastReapedMs <= targetMs;
}
