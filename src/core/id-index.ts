import { NIL, type SlotStore } from './slot-store.js';

/**
 * The owner's id -> slot index of a shard, on the owning thread's heap (the
 * shared slots hold no strings).
 *
 * LAYOUT
 *
 *   byId      Map id -> handle of the life it was registered for
 *   ids       by slot: the id of the client that holds it (undefined: none,
 *             or a view released it and the owner has not settled that yet)
 *   endedIds  by slot: the id of the client the owner's own sweep expired
 *             there, whose byId entry is still there (stale)
 *
 * Lazy clean-up of expiries: a sweep does not pay a Map.delete per expired
 * client. It moves the id from `ids` to `endedIds` (two array stores into
 * storage grown at registration: nothing allocated per client); the entry
 * in byId goes stale, and `find` ignores it because its handle no longer
 * names a live slot. The registration that reuses the slot deletes it; a
 * sweep that empties the shard drops them all with one Map.clear. So byId
 * holds at most one entry per slot ever taken.
 *
 * Slots a view released (a worker's sweep) stay in `ids` until the owner
 * reads the findings and calls `forgetReleased`.
 *
 * COSTS: find, add, delete, ended, forgetReleased O(1) + at most two Map
 * operations; forgetAll O(slots ever taken), once per time the shard
 * empties after expiries (paid for by those expiries); indexedSlots
 * O(entries), crash repair only. Memory: a Map entry and the id string
 * per client, two array entries per slot ever taken.
 */
export class IdIndex {
  private readonly byId = new Map<string, number>();
  private ids: (string | undefined)[] = [];
  private readonly endedIds: (string | undefined)[] = [];
  /** Some entry of byId may be stale (an expiry since the last forgetAll). */
  private hasEnded = false;

  constructor(private readonly slots: SlotStore) {}

  /** Entries, stale ones of expired clients included (at most the slots ever taken). */
  get size(): number {
    return this.byId.size;
  }

  /** The slot of a live client, or NIL. */
  find(id: string): number {
    const handle = this.byId.get(id);
    return handle === undefined ? NIL : this.slots.slotOfHandle(handle);
  }

  /**
   * The slot the index holds for `id`, even if a view has released it since
   * (its id is not forgotten until the owner settles the view's findings),
   * or NIL.
   */
  findIndexed(id: string): number {
    const handle = this.byId.get(id);
    if (handle === undefined) return NIL;
    const slot = this.slots.slotOfLife(handle);
    return slot !== NIL && this.ids[slot] !== undefined ? slot : NIL;
  }

  idOf(slot: number): string {
    return this.ids[slot] as string;
  }

  /** `id` now holds `slot`, just allocated: drops the stale entry of the client expired there first. */
  add(id: string, slot: number): void {
    this.dropEnded(slot);
    this.byId.set(id, this.slots.handleOf(slot));
    this.ids[slot] = id;
  }

  /** The client of `slot` was removed (not expired). */
  delete(slot: number): void {
    this.byId.delete(this.ids[slot] as string);
    this.ids[slot] = undefined;
  }

  /** The owner's sweep expired the client of `slot`: its entry goes stale (see the header). */
  ended(slot: number): void {
    // The report just read the id: its line of `ids` is in cache.
    this.endedIds[slot] = this.ids[slot];
    this.hasEnded = true;
    this.ids[slot] = undefined;
  }

  /** After a view released `slot`: drops its id. Call before allocating again (the slot may then be reused). */
  forgetReleased(slot: number): void {
    const id = this.ids[slot];
    if (id !== undefined && this.byId.get(id) === this.slots.handleOf(slot)) this.byId.delete(id);
    this.ids[slot] = undefined;
  }

  /** When no client is live (size 0): drops every id at once. */
  forgetAll(): void {
    if (this.slots.size !== 0) throw new Error('forgetAll: the shard still has live clients');
    this.byId.clear();
    this.ids = [];
    // Kept at capacity (a fill, not a new array): the next mass expiry writes into it.
    this.endedIds.fill(undefined);
    this.hasEnded = false;
  }

  /** After a sweep: an emptied shard whose index went stale is cleared in one go. */
  forgetAllIfEnded(): void {
    if (this.hasEnded && this.slots.size === 0) this.forgetAll();
  }

  /** The slots of the clients in the index (live, or released by a view and not yet forgotten). */
  indexedSlots(): number[] {
    const slots: number[] = [];
    for (const id of this.byId.keys()) {
      const slot = this.findIndexed(id);
      if (slot !== NIL && this.ids[slot] === id) slots.push(slot);
    }
    return slots;
  }

  /**
   * A registration takes `slot`: deletes the stale entry of the client
   * expired there, if any (unless that id came back live). Writing the
   * slot's entry also grows the storage here, at registration, not in a sweep.
   */
  private dropEnded(slot: number): void {
    const id = this.endedIds[slot];
    this.endedIds[slot] = undefined;
    if (id === undefined) return;
    const handle = this.byId.get(id);
    if (handle !== undefined && this.slots.slotOfHandle(handle) === NIL) this.byId.delete(id);
  }
}
