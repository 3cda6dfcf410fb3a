/**
 * A shard of the keep-alive monitor as its owning thread holds it: the
 * shared state and its sweep (shared-shard.ts, where HOW a sweep decides is
 * told), and what only the owner has: the ids (an id -> slot index on this
 * thread's heap: id-index.ts) and so register, heartbeat and remove.
 *
 * ANOTHER THREAD
 *
 * `new ShardView(shard.buffers(), options)` (shard-view.ts) is another
 * thread's hold on the same shared state, without the ids: it may sweep and
 * walk the order, and its type has no register. While a view holds the
 * shard the owner writes none of it (shared-beat.ts, rule 2); it reads the
 * view's findings by slot (`idOf`), then calls `forgetReleased(slot)` for
 * each expiry before it allocates again. If a view dies half-way through a
 * sweep, `relink` rebuilds the shared structure from the slot fields and
 * the index (shard-repair.ts).
 *
 * COSTS (n clients in the shard; the sweep's are SharedShard's, for any
 * spread of timeouts and intervals and any heartbeat order)
 *
 *   heartbeat          O(1): one store (+ O(1) refile when it was pinged)
 *   register, remove   O(1) + at most two table operations (id-index.ts)
 *   expiry             O(1), no table operation, no allocation: the stale id
 *                      goes into by-slot storage grown at registration
 *   a sweep that empties the shard after expiries: one clear, O(1)
 *   crash repair       O(n log n + slots ever taken), only after a crash
 *   memory             56 bytes per slot in SharedArrayBuffers (+ the table
 *                      entry, the id string and two by-slot array entries
 *                      on the heap)
 */
import { IdIndex } from './id-index.js';
import { storeBeat } from './shared-beat.js';
import { SharedShard, type ShardOptions } from './shared-shard.js';
import { relinkShard } from './shard-repair.js';
import { BEAT, FILED, HOT_STRIDE, NIL, PAGE_MASK, PAGE_SHIFT, PINGED, REG_SEQ, SEEN, STATE } from './slot-store.js';
import type { SweepSink } from './sweep-batch.js';

export class Shard extends SharedShard {
  private readonly index: IdIndex;

  constructor(options: ShardOptions = {}) {
    super(options, undefined);
    this.index = new IdIndex(this.slots);
  }

  /** The slot of a live client, or NIL. */
  find(id: string): number {
    return this.index.find(id);
  }

  /** find() of the id whose characters are bytes[start, end), all ASCII, without making its string. */
  findAscii(bytes: Uint8Array, start: number, end: number): number {
    return this.index.findAscii(bytes, start, end);
  }

  /** IdIndex.prefetchAscii: a hint before findAscii of a batch of ids; changes nothing. */
  prefetchAscii(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, values: Float64Array): number {
    return this.index.prefetchAscii(bytes, starts, ends, count, values);
  }

  /**
   * While a view holds the shard: the slot the index holds for `id`, even if
   * the view has released it since (its id is not forgotten until the owner
   * settles the view's findings), or NIL.
   */
  findIndexed(id: string): number {
    return this.index.findIndexed(id);
  }

  idOf(slot: number): string {
    return this.index.idOf(slot);
  }

  /** Ids in the index, stale entries of expired clients included (at most the slots ever taken). */
  get indexSize(): number {
    return this.index.size;
  }

  /**
   * Registers `id`, or re-registers it if it is live here (new settings,
   * last_seen := now, same place in the order). The caller sweeps first, so
   * a client past its deadline is never found live here.
   */
  register(id: string, timeoutMs: number, pingIntervalMs: number, now: number, regSeq: number): number {
    let slot = this.index.find(id);
    if (slot !== NIL) {
      this.unfile(slot);
    } else {
      slot = this.slots.alloc();
      this.index.add(id, slot);
      this.slots.setF64(slot, REG_SEQ, regSeq);
    }
    this.slots.setDurations(slot, timeoutMs, pingIntervalMs);
    this.slots.setHot(slot, STATE, this.slots.hot(slot, STATE) & ~PINGED);
    this.slots.setF64(slot, SEEN, now);
    storeBeat(this.slots, slot, now);
    this.fileAt(slot, this.nextLookAt(slot, now, now, false));
    return slot;
  }

  /**
   * last_seen := now (the holding thread's heartbeat). O(1). A plain store:
   * the thread that holds the shard is the one that sweeps it, so program
   * order is all it needs (shared-beat.ts, rule 1); an Atomics.store is a
   * full fence on x86, and with it a random-order run of heartbeats waits
   * out each one's cache miss in turn instead of overlapping them.
   * Returns the time the client is now filed at when the heartbeat filed it
   * *earlier* (it ended a pinged silence: its next ping comes before the
   * expiry it was filed at), else Infinity: a timer armed for the wheel's
   * next time must then be armed for this one.
   */
  heartbeat(slot: number, now: number): number {
    const page = this.slots.hotPages[slot >>> PAGE_SHIFT];
    const base = (slot & PAGE_MASK) * HOT_STRIDE;
    page[base + BEAT] = now | 0;
    return (page[base + STATE] & PINGED) !== 0 ? this.endPingedSilence(slot, now) : Infinity;
  }

  /** Removes a live client (its connection closed); not an expiry. */
  remove(slot: number): void {
    this.unfile(slot);
    this.index.delete(slot);
    this.slots.release(slot);
  }

  override sweep(now: number, out: SweepSink<this>, limit = Infinity): number {
    const left = super.sweep(now, out, limit);
    this.index.forgetAllIfEnded();
    return left;
  }

  /** After a view released `slot`: drops its id. Call before allocating again (the slot may then be reused). */
  forgetReleased(slot: number): void {
    this.index.forgetReleased(slot);
  }

  /**
   * After a view released `slot` in a sweep that emptied the shard: its id
   * goes stale as an owner's expiry leaves it (no table operation), and
   * `forgetAllIds` then drops every entry at once.
   */
  endReleased(slot: number): void {
    this.index.ended(slot);
  }

  /** When no client is live (size 0), after `endReleased` for each slot a view released: drops every id at once. */
  forgetAllIds(): void {
    this.index.forgetAll();
  }

  /**
   * Crash repair after a view died mid-sweep (see "ANOTHER THREAD"): the
   * clients in the index become the live ones again. A ping counts as sent
   * only if it was due by `pingedUpTo`, the time of the last sweep whose
   * findings were delivered.
   */
  relink(pingedUpTo: number): void {
    relinkShard(this, this.indexedSlots(), pingedUpTo);
  }

  /** The slots of the clients in the index: live, or released by a view and not yet forgotten. */
  indexedSlots(): number[] {
    return this.index.indexedSlots();
  }

  protected override expiredHere(slot: number): void {
    this.index.ended(slot);
  }

  /** The holding thread's heartbeat for a client pinged in its silence: the next ping is due at now + interval. Returns when it is filed now if that moved earlier, else Infinity. */
  private endPingedSilence(slot: number, now: number): number {
    const slots = this.slots;
    if (now <= slots.f64(slot, SEEN)) return Infinity;
    slots.setF64(slot, SEEN, now);
    slots.setHot(slot, STATE, slots.hot(slot, STATE) & ~PINGED);
    const next = this.nextLookAt(slot, now, now, false);
    if (next >= slots.f64(slot, FILED) && this.wheel.holds(slot)) return Infinity;
    this.unfile(slot);
    this.fileAt(slot, next);
    return next;
  }
}
