import type { Shard } from './shard.js';

/**
 * Where a shard's sweep reports what it finds, slot by slot, in deadline
 * order. The slot is still live during the call (its id and fields are
 * readable); it is released right after an expiry is reported.
 */
export interface SweepSink {
  expired(shard: Shard, slot: number, deadline: number): void;
  pinged(shard: Shard, slot: number): void;
}

/**
 * What one sweep found, as parallel arrays (no object per client), in
 * deadline order. Reused across sweeps: `clear()` keeps the arrays' storage.
 */
export class SweepBatch implements SweepSink {
  /** Expired clients: id, registration sequence, deadline (last_seen + timeout). */
  readonly expiredIds: string[] = [];
  readonly expiredSeqs: number[] = [];
  readonly expiredDeadlines: number[] = [];
  /** Clients due a ping: id and the handle of their current life. */
  readonly pingIds: string[] = [];
  readonly pingHandles: number[] = [];

  get expiredCount(): number {
    return this.expiredIds.length;
  }

  get pingCount(): number {
    return this.pingIds.length;
  }

  expired(shard: Shard, slot: number, deadline: number): void {
    this.addExpired(shard.idOf(slot), shard.regSeq(slot), deadline);
  }

  pinged(shard: Shard, slot: number): void {
    this.addPing(shard.idOf(slot), shard.handleOf(slot));
  }

  addExpired(id: string, regSeq: number, deadline: number): void {
    this.expiredIds.push(id);
    this.expiredSeqs.push(regSeq);
    this.expiredDeadlines.push(deadline);
  }

  addPing(id: string, handle: number): void {
    this.pingIds.push(id);
    this.pingHandles.push(handle);
  }

  clear(): void {
    // Most sweeps find nothing: then there is nothing to clear (five length
    // writes were most of the cost of a sweep with nothing due).
    if (this.expiredIds.length === 0 && this.pingIds.length === 0) return;
    this.expiredIds.length = 0;
    this.expiredSeqs.length = 0;
    this.expiredDeadlines.length = 0;
    this.pingIds.length = 0;
    this.pingHandles.length = 0;
  }
}
