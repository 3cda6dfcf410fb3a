import type { Clock } from '../monitor/clock.js';
import type { ClientEntry } from '../transports/gateway/connection.js';
import { clusterShardOf, CLUSTER_SHARDS, shardKeys } from './key-layout.js';
import type { RedisClient } from './redis-connection.js';

/** Pairs per WRITE_SEEN call, at most. */
const MAX_PAIRS = 1000;

/**
 * Heartbeats stay local: the gateway holding the socket is the authority
 * for its clients' deadlines, and Redis never sees a heartbeat. Every
 * flushMs this writes the last-seen time of the clients heard from since
 * the previous flush, one WRITE_SEEN call per shard and 1000 clients, so
 * Redis commands per second do not grow with the heartbeat rate.
 * Cost per flush: one pass over this gateway's clients (O(clients) in JS,
 * a few ms at 100,000), O(clients heard from) in Redis.
 */
export class SeenFlusher {
  private timer: NodeJS.Timeout | undefined;
  private flushedUpTo: number;
  private busy = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly clock: Clock,
    private readonly flushMs: number,
    private readonly source: () => Iterable<ClientEntry>,
    /** The incarnation to write as, or undefined for an entry this incarnation does not hold in Redis. */
    private readonly ownedBy: (entry: ClientEntry) => string | undefined,
    private readonly onError: (error: Error) => void,
  ) {
    this.flushedUpTo = clock.now();
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async flush(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const since = this.flushedUpTo;
    const now = this.clock.now();
    const epochOffset = Date.now() - now;
    const perShard: string[][] = Array.from({ length: CLUSTER_SHARDS }, () => []);
    let incarnation: string | undefined;
    for (const entry of this.source()) {
      if (entry.lastSeen <= since) continue;
      const owner = this.ownedBy(entry);
      if (owner === undefined) continue;
      incarnation = owner;
      perShard[clusterShardOf(entry.clientId)].push(entry.clientId, String(Math.round(entry.lastSeen + epochOffset)));
    }
    try {
      if (incarnation === undefined) return;
      const calls: Promise<number>[] = [];
      for (let s = 0; s < CLUSTER_SHARDS; s++) {
        const pairs = perShard[s];
        const k = shardKeys(s);
        for (let i = 0; i < pairs.length; i += 2 * MAX_PAIRS) {
          calls.push(this.redis.kwWriteSeen(k.owner, k.seen, k.fenced, incarnation, ...pairs.slice(i, i + 2 * MAX_PAIRS)));
        }
      }
      await Promise.all(calls);
      this.flushedUpTo = now;
    } catch (error) {
      // Not advanced: the next flush writes these again.
      this.onError(error as Error);
    } finally {
      this.busy = false;
    }
  }
}
