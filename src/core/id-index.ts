import { EMPTY, IdTable } from './id-table.js';
import { NIL, slotOf, type SlotStore } from './slot-store.js';

/**
 * The owner's id -> slot index of a shard, on the owning thread's heap (the
 * shared slots hold no strings).
 *
 * LAYOUT
 *
 *   byId      id -> handle of the life it was registered for (id-table.ts:
 *             also found by the id's ASCII bytes, without a string)
 *   bySlot    two entries per slot, side by side so an expiry touches one
 *             cache line, not one in each of two arrays:
 *     [2s]      the id of the client that holds slot s (undefined: none, or
 *               a view released it and the owner has not settled that yet)
 *     [2s + 1]  the id of the client the owner's own sweep expired there,
 *               whose byId entry is still there (stale)
 *
 * Lazy clean-up of expiries: a sweep does not pay a table delete per expired
 * client. It moves the id from [2s] to [2s + 1] (two array stores into
 * storage grown at registration: nothing allocated per client); the entry
 * in byId goes stale, and `find` ignores it because its handle no longer
 * names a live slot. The registration that reuses the slot deletes it; a
 * sweep that empties the shard drops them all with one clear. So byId
 * holds at most one entry per slot ever taken.
 *
 * Slots a view released (a worker's sweep) keep their id at [2s] until the owner
 * reads the findings and calls `forgetReleased`.
 *
 * COSTS: find, add, delete, ended, forgetReleased O(1) + at most two table
 * operations (O(id length) each: the hash); prefetchAscii O(1) per id + its hash; forgetAll O(1) (one clear);
 * indexedSlots O(slots ever taken), crash repair only. Memory: a table
 * entry (2-4 cells of 16 bytes + a pointer) and the id string per client,
 * two array entries per slot ever taken.
 */
export class IdIndex {
  private readonly byId = new IdTable((handle) => this.idOfEntry(handle));
  /** Live id at [2 * slot], stale (expired) id at [2 * slot + 1]: see the header. */
  private readonly bySlot: (string | undefined)[] = [];
  /** Some entry of byId may be stale (an expiry since the last forgetAll). */
  private hasEnded = false;

  constructor(private readonly slots: SlotStore) {}

  /** Entries, stale ones of expired clients included (at most the slots ever taken). */
  get size(): number {
    return this.byId.size;
  }

  /**
   * The id of byId's entry holding `handle` (the table keeps no keys): at
   * [2s] while the entry is live or a view released it, at [2s + 1] once
   * the owner's sweep ended it. Never both: a registration that takes the
   * slot clears [2s + 1] (dropEnded) before it writes [2s].
   */
  private idOfEntry(handle: number): string {
    const slot = slotOf(handle);
    return (this.bySlot[2 * slot] ?? this.bySlot[2 * slot + 1]) as string;
  }

  /** The slot of a live client, or NIL. */
  find(id: string): number {
    const handle = this.byId.get(id);
    return handle === EMPTY ? NIL : this.slots.slotOfHandle(handle);
  }

  /** find() of the id whose characters are bytes[start, end), all ASCII: no string is made. */
  findAscii(bytes: Uint8Array, start: number, end: number): number {
    const handle = this.byId.getAscii(bytes, start, end);
    return handle === EMPTY ? NIL : this.slots.slotOfHandle(handle);
  }

  /**
   * A hint before findAscii of the same ids (all ASCII, the i-th at
   * bytes[starts[i], ends[i])): reads what their lookups will read (table
   * cell, the entry's id, the slot's hot record) in two passes over the
   * batch, so that the cache misses of different ids overlap instead of
   * coming one after another inside each lookup (a lookup of a random id
   * among 100,000 is mostly misses). Changes nothing; `values` is scratch
   * of at least `count` entries. Returns a number made of what it read, so
   * that the reads are not optimised away.
   * COSTS: O(total id length) for the hashes + O(count) reads.
   */
  prefetchAscii(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, values: Float64Array): number {
    const byId = this.byId;
    for (let i = 0; i < count; i++) values[i] = byId.peekAscii(bytes, starts[i], ends[i]);
    let sink = 0;
    for (let i = 0; i < count; i++) {
      const handle = values[i];
      if (handle === EMPTY) continue;
      const id = this.idOfEntry(handle);
      sink += id.charCodeAt(id.length - 1) + this.slots.slotOfHandle(handle);
    }
    return sink;
  }

  /**
   * The slot the index holds for `id`, even if a view has released it since
   * (its id is not forgotten until the owner settles the view's findings),
   * or NIL.
   */
  findIndexed(id: string): number {
    const handle = this.byId.get(id);
    if (handle === EMPTY) return NIL;
    const slot = this.slots.slotOfLife(handle);
    return slot !== NIL && this.bySlot[2 * slot] !== undefined ? slot : NIL;
  }

  idOf(slot: number): string {
    return this.bySlot[2 * slot] as string;
  }

  /** `id` now holds `slot`, just allocated: drops the stale entry of the client expired there first. */
  add(id: string, slot: number): void {
    // Grown a pair at a time, never leaving a hole (a holey array is slower to read).
    while (this.bySlot.length < 2 * slot + 2) this.bySlot.push(undefined);
    this.dropEnded(slot);
    // Before the entry: the table reads an entry's id from here (idOfEntry).
    this.bySlot[2 * slot] = id;
    this.byId.set(id, this.slots.handleOf(slot));
  }

  /** The client of `slot` was removed (not expired). */
  delete(slot: number): void {
    this.byId.delete(this.bySlot[2 * slot] as string);
    this.bySlot[2 * slot] = undefined;
  }

  /** The owner's sweep expired the client of `slot`: its entry goes stale (see the header). */
  ended(slot: number): void {
    // The report just read the id: this line of bySlot is in cache.
    this.bySlot[2 * slot + 1] = this.bySlot[2 * slot];
    this.hasEnded = true;
    this.bySlot[2 * slot] = undefined;
  }

  /** After a view released `slot`: drops its id. Call before allocating again (the slot may then be reused). */
  forgetReleased(slot: number): void {
    const id = this.bySlot[2 * slot];
    if (id !== undefined && this.byId.get(id) === this.slots.handleOf(slot)) this.byId.delete(id);
    this.bySlot[2 * slot] = undefined;
  }

  /**
   * When no client is live (size 0) and every ended client's id was moved
   * aside (`ended`): drops every entry of byId at once, in O(1). The stale
   * ids at [2s + 1] stay, as after any expiry, until a registration takes
   * the slot (dropEnded then finds no entry of theirs, or one stale again).
   * Not a fill of bySlot: at a million slots that was 2-5 ms in one
   * synchronous step, the last of a mass expiry.
   */
  forgetAll(): void {
    if (this.slots.size !== 0) throw new Error('forgetAll: the shard still has live clients');
    this.byId.clear();
    this.hasEnded = false;
  }

  /** After a sweep: an emptied shard whose index went stale is cleared in one go. */
  forgetAllIfEnded(): void {
    if (this.hasEnded && this.slots.size === 0) this.forgetAll();
  }

  /** The slots of the clients in the index (live, or released by a view and not yet forgotten). */
  indexedSlots(): number[] {
    const slots: number[] = [];
    for (let slot = 0; 2 * slot < this.bySlot.length; slot++) {
      const id = this.bySlot[2 * slot];
      if (id !== undefined && this.findIndexed(id) === slot) slots.push(slot);
    }
    return slots;
  }

  /**
   * A registration takes `slot`: deletes the stale entry of the client
   * expired there, if any (unless that id came back live). Writing the
   * slot's entry also grows the storage here, at registration, not in a sweep.
   */
  private dropEnded(slot: number): void {
    const id = this.bySlot[2 * slot + 1];
    if (id === undefined) return;
    // While the id is still here: the table reads the stale entry's id from it (idOfEntry).
    const handle = this.byId.get(id);
    if (handle !== EMPTY && this.slots.slotOfHandle(handle) === NIL) this.byId.delete(id);
    this.bySlot[2 * slot + 1] = undefined;
  }
}
