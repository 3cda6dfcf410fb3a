import type { Clock } from '../monitor/clock.js';
import type { ClientEntry } from '../transports/gateway/connection.js';
import { clusterShardOf, CLUSTER_SHARDS, shardKeys } from './key-layout.js';
import type { RedisClient } from './redis-connection.js';

/** Pairs per WRITE_SEEN call, at most. */
const MAX_PAIRS = 1000;
/**
 * Clients looked at per step of a pass, and WRITE_SEEN calls issued per
 * step. Between steps the event loop serves I/O: a whole pass at once held
 * the loop for tens of milliseconds at 33,000 clients on a loaded machine
 * (the tail of takeovers, whose close waits for the loop).
 */
const SCAN_STEP = 2000;
const SEND_STEP = 4;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Heartbeats stay local: the gateway holding the socket is the authority
 * for its clients' deadlines, and Redis never sees a heartbeat. Every
 * flushMs this writes the last-seen time of the clients heard from since
 * the previous flush, one WRITE_SEEN call per shard and 1000 clients, so
 * Redis commands per second do not grow with the heartbeat rate.
 * Cost per flush: one pass over this gateway's clients (O(clients) in JS),
 * in steps of SCAN_STEP clients and SEND_STEP calls, one step per
 * event-loop turn; O(clients heard from) in Redis.
 */
export class SeenFlusher {
  private timer: NodeJS.Timeout | undefined;
  private flushedUpTo: number;
  private busy = false;
  private stopped = false;

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
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async flush(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = this.clock.now();
      const heard = await this.collect(this.flushedUpTo, Date.now() - now);
      if (heard === undefined || this.stopped) return;
      if (await this.send(heard.incarnation, heard.perShard)) this.flushedUpTo = now;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Per shard, "client_id, last seen (epoch ms)" pairs of the clients heard
   * from after `since`, all under one incarnation (the first met: after a
   * fence, the other's entries are closing anyway); undefined if none.
   * The registry is a Map, whose iterator stays valid across turns.
   */
  private async collect(since: number, epochOffset: number): Promise<{ incarnation: string; perShard: string[][] } | undefined> {
    const perShard: string[][] = Array.from({ length: CLUSTER_SHARDS }, () => []);
    let incarnation: string | undefined;
    const entries = this.source()[Symbol.iterator]();
    for (;;) {
      for (let i = 0; i < SCAN_STEP; i++) {
        const next = entries.next();
        if (next.done === true) return incarnation === undefined ? undefined : { incarnation, perShard };
        const entry = next.value;
        if (entry.lastSeen <= since) continue;
        const owner = this.ownedBy(entry);
        if (owner === undefined || (incarnation !== undefined && owner !== incarnation)) continue;
        incarnation = owner;
        perShard[clusterShardOf(entry.clientId)].push(entry.clientId, String(Math.round(entry.lastSeen + epochOffset)));
      }
      await nextTurn();
      if (this.stopped) return undefined;
    }
  }

  /** Issues the writes, SEND_STEP per turn; true if all landed (else the next flush writes these again). */
  private async send(incarnation: string, perShard: string[][]): Promise<boolean> {
    let failure: Error | undefined;
    const calls: Promise<void>[] = [];
    for (let s = 0; s < CLUSTER_SHARDS; s++) {
      const pairs = perShard[s];
      const k = shardKeys(s);
      for (let i = 0; i < pairs.length; i += 2 * MAX_PAIRS) {
        // Handled at once: a rejection must not wait for the turns still to come.
        const call = this.redis.kwWriteSeen(k.owner, k.seen, k.fenced, incarnation, ...pairs.slice(i, i + 2 * MAX_PAIRS));
        calls.push(call.then(() => undefined, (error: Error) => void (failure ??= error)));
        if (calls.length % SEND_STEP === 0) await nextTurn();
      }
    }
    await Promise.all(calls);
    if (failure !== undefined) this.onError(failure);
    return failure === undefined;
  }
}
