import type { Clock } from '../monitor/clock.js';
import { shardOf } from '../monitor/shard-hash.js';
import type { ClientEntry } from '../transports/gateway/connection.js';
import { clusterShardOf, CLUSTER_SHARDS, shardKeys } from './key-layout.js';
import type { RedisClient } from './redis-connection.js';

/** Ids per WRITE_SEEN call, at most. */
const MAX_IDS = 1000;
/**
 * Ids not heard from are owner-checked too, those whose hash (the shards'
 * FNV-1a, mod CHECK_PASSES) is the flush's number mod CHECK_PASSES, so a
 * silent socket kept after a lost move notice is closed within
 * CHECK_PASSES flushes whatever the registry's churn; one heard from, at
 * its next flush.
 */
const CHECK_PASSES = 10;
/**
 * Clients looked at per step of a pass, and WRITE_SEEN calls issued per
 * step. Between steps the event loop serves I/O: a whole pass at once held
 * the loop for tens of milliseconds at 33,000 clients on a loaded machine
 * (the tail of takeovers, whose close waits for the loop).
 */
const SCAN_STEP = 2000;
const SEND_STEP = 4;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What Redis should hold as a local client's owner: "incarnation generation". */
export interface OwnedClaim {
  incarnation: string;
  generation: number;
}

/** One shard's part of a flush: WRITE_SEEN's id, generation, last-seen triples and the entries they came from, in order. */
interface ShardBatch {
  args: string[];
  entries: ClientEntry[];
}

/**
 * Heartbeats stay local: the gateway holding the socket is the authority
 * for its clients' deadlines, and Redis never sees a heartbeat. Every
 * flushMs this writes the last-seen time of the clients heard from since
 * the previous flush, one WRITE_SEEN call per shard and 1000 clients, so
 * Redis commands per second do not grow with the heartbeat rate.
 * The same calls check that Redis still names this gateway's claim as each
 * id's owner (a slice of the silent ones too, see CHECK_PASSES): an id whose
 * move notice was lost is handed to `onNotOwned`, the backstop of the
 * moves channel.
 * Cost per flush: one pass over this gateway's clients (O(clients) in JS),
 * in steps of SCAN_STEP clients and SEND_STEP calls, one step per
 * event-loop turn; O(clients heard from + clients / CHECK_PASSES) in Redis.
 */
export class SeenFlusher {
  private timer: NodeJS.Timeout | undefined;
  private flushedUpTo: number;
  private busy = false;
  private stopped = false;
  private pass = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly clock: Clock,
    private readonly flushMs: number,
    private readonly source: () => Iterable<ClientEntry>,
    /** The claim Redis should hold for an entry, or undefined for one this incarnation does not hold in Redis. */
    private readonly ownedBy: (entry: ClientEntry) => OwnedClaim | undefined,
    /** Redis no longer holds `generation` (this entry's claim when it was checked) as the entry's owner. */
    private readonly onNotOwned: (entry: ClientEntry, generation: number) => void,
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
   * Per shard, the clients heard from after `since` (with their last seen,
   * epoch ms) and this pass's slice of the others (last seen 0: check only),
   * all under one incarnation (the first met: after a fence, the other's
   * entries are closing anyway); undefined if none.
   * The registry is a Map, whose iterator stays valid across turns.
   */
  private async collect(since: number, epochOffset: number): Promise<{ incarnation: string; perShard: ShardBatch[] } | undefined> {
    const perShard: ShardBatch[] = Array.from({ length: CLUSTER_SHARDS }, () => ({ args: [], entries: [] }));
    const slice = this.pass++ % CHECK_PASSES;
    let incarnation: string | undefined;
    const entries = this.source()[Symbol.iterator]();
    for (;;) {
      for (let i = 0; i < SCAN_STEP; i++) {
        const next = entries.next();
        if (next.done === true) return incarnation === undefined ? undefined : { incarnation, perShard };
        const entry = next.value;
        const heard = entry.lastSeen > since;
        if (!heard && shardOf(entry.clientId, CHECK_PASSES) !== slice) continue;
        const owned = this.ownedBy(entry);
        if (owned === undefined || (incarnation !== undefined && owned.incarnation !== incarnation)) continue;
        incarnation = owned.incarnation;
        const batch = perShard[clusterShardOf(entry.clientId)];
        batch.args.push(entry.clientId, String(owned.generation), heard ? String(Math.round(entry.lastSeen + epochOffset)) : '0');
        batch.entries.push(entry);
      }
      await nextTurn();
      if (this.stopped) return undefined;
    }
  }

  /** Issues the writes, SEND_STEP per turn; true if all landed (else the next flush writes these again). */
  private async send(incarnation: string, perShard: ShardBatch[]): Promise<boolean> {
    let failure: Error | undefined;
    const calls: Promise<void>[] = [];
    for (let s = 0; s < CLUSTER_SHARDS; s++) {
      const { args, entries } = perShard[s];
      const k = shardKeys(s);
      for (let i = 0; i < entries.length; i += MAX_IDS) {
        const batch = entries.slice(i, i + MAX_IDS);
        const triples = args.slice(3 * i, 3 * (i + MAX_IDS));
        // Handled at once: a rejection must not wait for the turns still to come.
        const call = this.redis.kwWriteSeen(k.owner, k.seen, k.fenced, incarnation, ...triples);
        calls.push(call.then((reply) => this.notOwned(reply, batch, triples), (error: Error) => void (failure ??= error)));
        if (calls.length % SEND_STEP === 0) await nextTurn();
      }
    }
    await Promise.all(calls);
    if (failure !== undefined) this.onError(failure);
    return failure === undefined;
  }

  /** Hands WRITE_SEEN's not-owned positions (1-based, after the written count) to onNotOwned with the generation checked. */
  private notOwned(reply: number | number[], batch: ClientEntry[], args: string[]): void {
    // -1: fenced; the lease thread's next renewal learns it and closes everything.
    if (!Array.isArray(reply) || this.stopped) return;
    for (let r = 1; r < reply.length; r++) {
      const j = reply[r] - 1;
      this.onNotOwned(batch[j], Number(args[3 * j + 1]));
    }
  }
}
