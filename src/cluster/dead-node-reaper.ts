import type { Logger } from '../transports/gateway/logger.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { CLUSTER_SHARDS, EVENTS_MAXLEN, NODE_KEYS, shardKeys } from './key-layout.js';
import type { RedisClient } from './redis-connection.js';

/** Ids per REAP_BATCH call: bounds one script's run time. */
const REAP_BATCH = 1000;
/** A reap not finished within this long is taken over by another survivor. */
const REAP_CLAIM_MS = 10_000;

/**
 * Every reapCheckMs, asks Redis for lapsed leases (CLAIM_DEAD: exactly one
 * survivor gets each, and none while Redis recently stalled or most leases
 * lapsed at once). For each dead incarnation it got: every shard fences it
 * and declares its clients gone in batches (REAP_BATCH, one 'reap' event
 * each), all shards in parallel, each shard's batches after its first
 * at once; then the reap is marked done.
 */
export class DeadNodeReaper {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastRefusal = 'ok';

  constructor(
    private readonly redis: RedisClient,
    private readonly incarnation: () => string,
    private readonly leaseMs: number,
    private readonly checkMs: number,
    private readonly metrics: ClusterMetrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.checkMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const reply = await this.redis.kwClaimDead(
        NODE_KEYS.leases, NODE_KEYS.fenced, NODE_KEYS.reaping, NODE_KEYS.clock,
        this.incarnation(), this.leaseMs, REAP_CLAIM_MS,
      );
      this.reportRefusal(reply);
      if (reply[0] !== 'ok') return;
      const jobs: Promise<void>[] = [];
      for (let i = 1; i < reply.length; i += 2) jobs.push(this.reap(reply[i], Number(reply[i + 1])));
      await Promise.all(jobs);
    } catch (error) {
      this.metrics.redisErrors.inc();
      this.log.debug({ event: 'cluster_reap_check_failed', err: (error as Error).message });
    } finally {
      this.busy = false;
    }
  }

  /** Logs a change of the refusal state ('stall', 'mass'), once, not every check. */
  private reportRefusal(reply: string[]): void {
    const state = reply[0] === 'ok' ? 'ok' : reply[0];
    if (state === this.lastRefusal) return;
    this.lastRefusal = state;
    if (state === 'stall') this.log.warn({ event: 'cluster_reap_paused', reason: 'redis_stalled', sinceStallEndMs: Number(reply[1]) });
    else if (state === 'mass') this.log.warn({ event: 'cluster_reap_paused', reason: 'most_leases_lapsed', lapsed: Number(reply[1]), nodes: Number(reply[2]) });
    else if (state === 'ok') this.log.info({ event: 'cluster_reap_resumed' });
  }

  private async reap(dead: string, lapsedAt: number): Promise<void> {
    const shards: Promise<number>[] = [];
    for (let s = 0; s < CLUSTER_SHARDS; s++) shards.push(this.reapShard(s, dead));
    const counts = await Promise.all(shards);
    const clients = counts.reduce((a, b) => a + b, 0);
    await this.redis.kwReapDone(NODE_KEYS.reaping, NODE_KEYS.info, dead);
    this.metrics.reaped.inc(clients);
    const delayMs = lapsedAt > 0 ? Date.now() - lapsedAt : undefined;
    if (delayMs !== undefined) this.metrics.reapDelay.observe(Math.max(0, delayMs) / 1000);
    this.log.warn({ event: 'cluster_reaped', incarnation: dead, clients, delayAfterLapseMs: delayMs, takenOver: lapsedAt < 0 });
  }

  /**
   * The first batch says how many ids are left; the rest are issued at once
   * (SPOP hands each call its own ids), so a shard of a 100,000-client
   * gateway costs two round trips, not one per batch.
   */
  private async reapShard(shard: number, dead: string): Promise<number> {
    const k = shardKeys(shard);
    const batch = (): Promise<[number, number]> => this.redis.kwReapBatch(k.owner, k.seen, k.fenced, k.events, k.incPrefix + dead, dead, REAP_BATCH, EVENTS_MAXLEN);
    let [left, total] = (await batch()).map(Number);
    while (left > 0) {
      const replies = await Promise.all(Array.from({ length: Math.ceil(left / REAP_BATCH) }, batch));
      left = Math.min(...replies.map(([l]) => Number(l)));
      for (const [, reaped] of replies) total += Number(reaped);
    }
    return total;
  }
}
