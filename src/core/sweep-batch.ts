import type { Shard } from './shard.js';
import type { SharedShard } from './shared-shard.js';

/**
 * Where a shard's sweep reports what it finds, slot by slot, in deadline
 * order. The slot is still live during the call (its fields, and on the
 * owner its id, are readable); it is released right after an expiry is
 * reported. `S` is the holder the sink reads from: a sink that reads ids
 * (SweepBatch) takes only an owner's sweep, at compile time (the members
 * are function properties, so they are checked contravariantly).
 */
export interface SweepSink<S extends SharedShard = SharedShard> {
  readonly expired: (shard: S, slot: number, deadline: number) => void;
  readonly pinged: (shard: S, slot: number) => void;
}

/**
 * Above this many entries a batch's arrays give their storage back at the
 * next `clear()` (an unbounded sweep, as `check` runs, may find every client
 * at once; the live monitor's steps stay far below it).
 */
const KEPT_CAPACITY = 65_536;

/**
 * What one sweep found, as parallel arrays (no object per client), in
 * the order the shard's sweep handed them out: deadline order, except within
 * a wheel bucket that was entirely due (timing-wheel.ts) or a mass
 * expiry's walk (slot order).
 *
 * Layout: five arrays kept at capacity and two counts. Only the first
 * `expiredCount` entries of the expired arrays and the first `pingCount` of
 * the ping arrays belong to this sweep; entries past them are left over
 * from earlier sweeps. `clear()` resets the counts and keeps the storage, so
 * a sweep overwrites by index and allocates nothing per client once the
 * arrays have grown to the largest batch (at most KEPT_CAPACITY entries
 * are kept). The arrays are reused by the next sweep: a caller that keeps
 * findings copies them (`expiredIdList()`, `pingIdList()`).
 *
 * Costs: add O(1), no allocation at capacity; clear O(1), and after a
 * sweep that found nothing it touches the counts only (O(capacity) once
 * after a batch larger than KEPT_CAPACITY, which releases it). Memory: the
 * arrays hold up to max(largest batch, KEPT_CAPACITY) ids of ended clients
 * until overwritten.
 */
export class SweepBatch implements SweepSink<Shard> {
  /** Expired clients: id, registration sequence, deadline (last_seen + timeout). */
  readonly expiredIds: string[] = [];
  readonly expiredSeqs: number[] = [];
  readonly expiredDeadlines: number[] = [];
  /** Clients due a ping: id and the handle of their current life. */
  readonly pingIds: string[] = [];
  readonly pingHandles: number[] = [];
  private expiredUsed = 0;
  private pingUsed = 0;

  /** How many leading entries of the expired arrays this sweep wrote. */
  get expiredCount(): number {
    return this.expiredUsed;
  }

  /** How many leading entries of the ping arrays this sweep wrote. */
  get pingCount(): number {
    return this.pingUsed;
  }

  expired(shard: Shard, slot: number, deadline: number): void {
    this.addExpired(shard.idOf(slot), shard.regSeq(slot), deadline);
  }

  pinged(shard: Shard, slot: number): void {
    this.addPing(shard.idOf(slot), shard.handleOf(slot));
  }

  addExpired(id: string, regSeq: number, deadline: number): void {
    const i = this.expiredUsed++;
    this.expiredIds[i] = id;
    this.expiredSeqs[i] = regSeq;
    this.expiredDeadlines[i] = deadline;
  }

  addPing(id: string, handle: number): void {
    const i = this.pingUsed++;
    this.pingIds[i] = id;
    this.pingHandles[i] = handle;
  }

  /** A copy of this sweep's expired ids, for a caller that keeps them. */
  expiredIdList(): string[] {
    return this.expiredIds.slice(0, this.expiredUsed);
  }

  /** A copy of this sweep's pinged ids, for a caller that keeps them. */
  pingIdList(): string[] {
    return this.pingIds.slice(0, this.pingUsed);
  }

  /**
   * Resets the counts. The arrays are looked at only when this sweep wrote
   * to them: otherwise the last clear left them as they are (a sweep that
   * found nothing touches the counts' cache line and no other).
   */
  clear(): void {
    // Both arrays of a kind grow together; one length check per kind.
    if (this.expiredUsed > 0 && this.expiredIds.length > KEPT_CAPACITY) {
      this.expiredIds.length = 0;
      this.expiredSeqs.length = 0;
      this.expiredDeadlines.length = 0;
    }
    if (this.pingUsed > 0 && this.pingIds.length > KEPT_CAPACITY) {
      this.pingIds.length = 0;
      this.pingHandles.length = 0;
    }
    this.expiredUsed = 0;
    this.pingUsed = 0;
  }
}
