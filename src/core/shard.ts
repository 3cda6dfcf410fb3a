/**
 * A shard of the keep-alive monitor: its clients, their deadlines, and the
 * order they registered in. Pure: no I/O, no timers, no threads; time is an
 * integer number of milliseconds passed in by the caller.
 *
 * HOW
 *
 * Every live client sits in three intrusive doubly linked FIFO lists
 * (fifo-lists.ts), threaded through its slot (slot-store.ts):
 *
 *   - the EXPIRY list of its timeout_ms: all clients with that timeout,
 *     least recently seen first;
 *   - the PING list of its ping_interval_ms (when pings are tracked), minus
 *     the clients already pinged in their current silence;
 *   - the shard's ORDER list: registration order, for check and status.
 *
 * The head of each expiry and ping list is the earliest deadline of its
 * list, so only the heads go into an indexed min-heap (deadline-heap.ts),
 * keyed by the time the head's action fires:
 *
 *     expiry: last_seen + timeout_ms + 1   (expired when silent for MORE
 *                                           than the timeout, in whole ms)
 *     ping:   last_seen + ping_interval_ms, rounded up to `pingTickMs`
 *             (1 by default; a server may coarsen its ping wake-ups)
 *
 *       heap of list heads              per-duration FIFO lists
 *     +----------------------+     30000 ms: [c7] <-> [c2] <-> [c9] <-> ...
 *     | 30001+ls(c7)  (list) | --> 
 *     | 60001+ls(c4)  (list) | --> 60000 ms: [c4] <-> [c1] <-> ...
 *     +----------------------+
 *
 * All of it lives in SharedArrayBuffers (slots in pages, the list table,
 * the heap), so another thread can take the shard over with no copying.
 * The id -> slot index is a plain Map on the owning thread (a string-keyed
 * hash that beats anything hand-rolled over shared bytes), together with
 * the id strings per slot.
 *
 * ANOTHER THREAD
 *
 * `new Shard({ buffers: shard.buffers() })` is a view over the same shared
 * state, without the ids (a worker: src/monitor/workers/). A view may sweep
 * and walk the order, which never grows a buffer; it must not register
 * (no index there). Its sweep releases slots, but the ids live on the
 * owning thread: the owner reads them, then calls `forgetReleased(slot)`,
 * before it allocates again, and `forgetRetiredLists()` for the lists the
 * view retired. The two threads never touch one shard at the same time
 * (the caller hands it over and back). If a view dies half-way through a
 * sweep, `relink` rebuilds the links from the slot fields a sweep never
 * writes (LAST_SEEN, REG_SEQ, EXP_LIST, PING_LIST, GEN) and the owner's
 * index, so nothing is lost.
 *
 * WHY
 *
 * A plain min-heap of every client is O(log n) per heartbeat, or, re-keyed
 * lazily, pays that log n later in the sweep: measured at 100k clients,
 * ~400 us per sweep under heartbeat churn. But time only moves forward, so
 * a heartbeat (last_seen := now) always makes its client the *latest* of
 * its duration list: moving it to the tail keeps every list sorted by
 * deadline, in O(1). This is the trick of Node's lib/internal/timers.js
 * (one list per duration, a priority queue of list heads).
 *
 * COSTS (n clients in the shard, d distinct durations, k actions due)
 *
 *   heartbeat          O(1): write last_seen, two unlink+append; O(log d)
 *                      only when the client was its list's head
 *   register           O(1) + Map insert; O(log d) for a new duration
 *   sweep, none due    O(1): one comparison against the heap top
 *   sweep, k due       O(k + log d) per list touched: due clients are a
 *                      prefix of their lists, cut off in one piece
 *   memory             56 bytes per slot in SharedArrayBuffers (+ the Map
 *                      entry and the id string on the heap)
 */
import { DeadlineHeap, type HeapBuffers } from './deadline-heap.js';
import { EXPIRY, ListTable, ORDER, PING, type ListBuffers, type ListKind } from './fifo-lists.js';
import {
  EXP_LIST,
  LAST_SEEN,
  LIVE,
  NIL,
  ORDER_NEXT,
  PINGED,
  PING_LIST,
  REG_SEQ,
  STATE,
  SlotStore,
  type SlotBuffers,
} from './slot-store.js';
import type { SweepSink } from './sweep-batch.js';

type TimerKind = typeof EXPIRY | typeof PING;


/** The order list is the first list ever created, in owner and view alike. */
const ORDER_LIST = 0;

/** The shared state of a shard, enough for another thread to make a view. */
export interface ShardBuffers {
  slots: SlotBuffers;
  lists: ListBuffers;
  heap: HeapBuffers;
}

export interface ShardOptions {
  /** Track ping deadlines (the gateway); the stdio node does not need them. */
  trackPings?: boolean;
  /**
   * Ping deadlines enter the heap rounded up to this tick (default 1:
   * exact); expiry deadlines are always exact. A ping need not be punctual
   * (the gateway jitters it by up to a tenth of the interval anyway), and a
   * coarse key lets one wake-up serve every ping due within the tick:
   * 15,000 clients pinged every 4 s wake a server ~60 times a second at
   * 16 ms instead of every millisecond.
   */
  pingTickMs?: number;
  /** Makes a view over another thread's shard (see "ANOTHER THREAD"). */
  buffers?: ShardBuffers;
}

export class Shard {
  readonly slots: SlotStore;
  readonly lists: ListTable;
  readonly heap: DeadlineHeap;
  readonly trackPings: boolean;
  readonly pingTickMs: number;
  /** False in a view: the ids and the index stay on the owning thread. */
  readonly ownsIds: boolean;

  private readonly index = new Map<string, number>();
  private readonly ids: (string | undefined)[] = [];
  /** Slots released by the expiry in progress whose ids are still indexed (see forgetExpiredIds). */
  private readonly releasedSlots: number[] = [];
  /**
   * Ids of expired clients whose index entries are still there (the sweep
   * does not pay a Map.delete each); consumed from `staleHead` by later
   * registrations. Their entries are invalid already: their slots no
   * longer hold them. Bounded by the expiries since the shard last emptied.
   */
  private staleIds: string[] = [];
  private staleHead = 0;
  /** Per timer kind (EXPIRY, PING): duration in ms -> list id. */
  private readonly listsByDuration: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  private readonly order: number;

  constructor(options: ShardOptions = {}) {
    this.trackPings = options.trackPings ?? false;
    this.pingTickMs = options.pingTickMs ?? 1;
    const buffers = options.buffers;
    this.ownsIds = buffers === undefined;
    this.slots = new SlotStore(buffers?.slots);
    this.lists = new ListTable(this.slots, buffers?.lists);
    this.heap = buffers ? new DeadlineHeap(0, buffers.heap) : new DeadlineHeap();
    this.order = buffers ? ORDER_LIST : this.lists.create(ORDER, 0);
  }

  /** The shared buffers (current pages), for a view on another thread. */
  buffers(): ShardBuffers {
    return { slots: this.slots.buffers(), lists: this.lists.buffers(), heap: this.heap.buffers() };
  }

  get size(): number {
    return this.slots.size;
  }

  /** The slot of a live client, or NIL. */
  find(id: string): number {
    const slot = this.index.get(id);
    // An entry is valid while its slot still holds the id (see staleIds).
    return slot !== undefined && this.ids[slot] === id ? slot : NIL;
  }

  idOf(slot: number): string {
    return this.ids[slot] as string;
  }

  lastSeen(slot: number): number {
    return this.slots.f64(slot, LAST_SEEN);
  }

  regSeq(slot: number): number {
    return this.slots.f64(slot, REG_SEQ);
  }

  timeoutOf(slot: number): number {
    return this.lists.duration(this.slots.i32(slot, EXP_LIST));
  }

  pingIntervalOf(slot: number): number {
    const column = this.slots.i32(slot, PING_LIST);
    return this.trackPings ? this.lists.duration(column) : column;
  }

  /** The deadline after which the client is expired: last_seen + timeout. */
  deadlineOf(slot: number): number {
    return this.lastSeen(slot) + this.timeoutOf(slot);
  }

  /** The earliest time (ms) at which a sweep has something to do. */
  nextFireAt(): number {
    return this.heap.peekKey();
  }

  /**
   * Registers `id`, or re-registers it if it is live here (new settings,
   * last_seen := now, same place in the order). The caller sweeps first, so
   * a client past its deadline is never found live here.
   */
  register(id: string, timeoutMs: number, pingIntervalMs: number, now: number, regSeq: number): number {
    let slot = this.find(id);
    if (slot !== NIL) {
      this.leaveTimerLists(slot);
    } else {
      if (this.staleHead < this.staleIds.length) this.dropStaleIds(2);
      slot = this.slots.alloc();
      this.index.set(id, slot);
      this.ids[slot] = id;
      this.slots.setF64(slot, REG_SEQ, regSeq);
      this.lists.append(this.order, ORDER, slot);
    }
    this.slots.setF64(slot, LAST_SEEN, now);
    this.slots.setI32(slot, STATE, LIVE);
    this.joinTimerLists(slot, timeoutMs, pingIntervalMs);
    return slot;
  }

  /** last_seen := now; the client moves to the tail of its lists. O(1). */
  heartbeat(slot: number, now: number): void {
    this.slots.setF64(slot, LAST_SEEN, now);
    this.moveToTail(this.slots.i32(slot, EXP_LIST), EXPIRY, slot);
    if (!this.trackPings) return;
    const pingList = this.slots.i32(slot, PING_LIST);
    const state = this.slots.i32(slot, STATE);
    if (state & PINGED) {
      this.slots.setI32(slot, STATE, state & ~PINGED);
      this.lists.append(pingList, PING, slot);
      if (this.lists.head(pingList) === slot) this.settle(pingList, PING);
    } else {
      this.moveToTail(pingList, PING, slot);
    }
  }

  /** Removes a live client (its connection closed); not an expiry. */
  remove(slot: number): void {
    this.leaveTimerLists(slot);
    this.release(slot);
  }

  /**
   * Expires every client silent for more than its timeout at `now`, and
   * takes every client due a ping out of its ping list, reporting both into
   * `out` in deadline order.
   */
  sweep(now: number, out: SweepSink): void {
    while (this.heap.peekKey() <= now) {
      const list = this.heap.peekItem();
      if (this.lists.kind(list) === EXPIRY) this.expirePrefix(list, now, out);
      else this.pingPrefix(list, now, out);
    }
  }

  /** First slot in registration order, or NIL. */
  firstInOrder(): number {
    return this.lists.head(this.order);
  }

  nextInOrder(slot: number): number {
    return this.slots.i32(slot, ORDER_NEXT);
  }

  handleOf(slot: number): number {
    return this.slots.handleOf(slot);
  }

  slotOfHandle(handle: number): number {
    return this.slots.slotOfHandle(handle);
  }

  /** Bytes held in SharedArrayBuffers by this shard. */
  get sharedBytes(): number {
    return this.slots.sharedBytes;
  }

  /**
   * Owner side, after a view released `slot`: drops its id. Call before
   * allocating again (the slot may then be reused).
   */
  forgetReleased(slot: number): void {
    const id = this.ids[slot];
    if (id !== undefined && this.index.get(id) === slot) this.index.delete(id);
    this.ids[slot] = undefined;
  }

  /** Owner side, after a view released every slot (size 0): drops every id at once. */
  forgetAllIds(): void {
    if (this.slots.size !== 0) throw new Error('forgetAllIds: the shard still has live clients');
    this.index.clear();
    this.ids.length = 0;
    this.staleIds = [];
    this.staleHead = 0;
  }

  /** Owner side, after a view swept: forgets the lists it retired. O(d). */
  forgetRetiredLists(): void {
    for (const byDuration of this.listsByDuration) {
      for (const [duration, list] of byDuration) if (this.lists.isRetired(list)) byDuration.delete(duration);
    }
  }

  /** Owner side: the slots of the clients in the index, in no order. */
  indexedSlots(): number[] {
    const slots: number[] = [];
    for (const [id, slot] of this.index) if (this.ids[slot] === id) slots.push(slot);
    return slots;
  }

  /**
   * Crash repair, owner side: rebuilds every list, the heap and the free
   * list from the slots in `live` (see "ANOTHER THREAD"). A client counts
   * as pinged when its ping was due at `pingedUpTo`, the time of the last
   * sweep whose findings were delivered. O(n log n), only after a crash.
   */
  relink(live: readonly number[], pingedUpTo: number): void {
    const settings = new Map<number, [number, number]>();
    for (const slot of live) settings.set(slot, [this.timeoutOf(slot), this.pingIntervalOf(slot)]);
    this.lists.reset();
    this.heap.reset();
    this.listsByDuration[EXPIRY].clear();
    this.listsByDuration[PING].clear();
    if (this.lists.create(ORDER, 0) !== this.order) throw new Error('the order list must be list 0');
    this.slots.rebuildFreeList((slot) => settings.has(slot));
    const byReg = [...live].sort((a, b) => this.regSeq(a) - this.regSeq(b));
    for (const slot of byReg) {
      this.slots.setI32(slot, STATE, LIVE);
      this.lists.append(this.order, ORDER, slot);
    }
    const bySeen = byReg.sort((a, b) => this.lastSeen(a) - this.lastSeen(b) || this.regSeq(a) - this.regSeq(b));
    for (const slot of bySeen) {
      const [timeoutMs, pingIntervalMs] = settings.get(slot) as [number, number];
      if (!this.trackPings || this.lastSeen(slot) + pingIntervalMs > pingedUpTo) {
        this.joinTimerLists(slot, timeoutMs, pingIntervalMs);
        continue;
      }
      // Pinged in its current silence: assigned to its ping list, not in it.
      this.slots.setI32(slot, STATE, LIVE | PINGED);
      const expList = this.listFor(EXPIRY, timeoutMs);
      this.slots.setI32(slot, EXP_LIST, expList);
      this.joinList(expList, EXPIRY, slot);
      const pingList = this.listFor(PING, pingIntervalMs);
      this.slots.setI32(slot, PING_LIST, pingList);
      this.lists.addUser(pingList);
    }
  }

  private expirePrefix(list: number, now: number, out: SweepSink): void {
    const timeout = this.lists.duration(list);
    let slot = this.lists.head(list);
    while (slot !== NIL && this.lastSeen(slot) + timeout < now) {
      const next = this.lists.next(EXPIRY, slot);
      out.expired(this, slot, this.lastSeen(slot) + timeout);
      this.leavePingList(slot);
      this.lists.dropUser(list);
      this.release(slot, this.releasedSlots);
      slot = next;
    }
    this.lists.dropBefore(list, EXPIRY, slot);
    this.settle(list, EXPIRY);
    this.forgetExpiredIds();
  }

  /**
   * Forgets the ids of the slots an expiry just released. A Map.delete per
   * expired client was most of a sweep's time, so the sweep only clears the
   * slot's id (which invalidates the index entry, see `find`) and queues the
   * id; later registrations delete the stale entries, two at a time. When
   * the sweep emptied the shard (a mass expiry), one Map.clear does it all.
   */
  private forgetExpiredIds(): void {
    const released = this.releasedSlots;
    if (released.length === 0) return;
    if (this.slots.size === 0) {
      this.forgetAllIds();
    } else {
      for (let i = 0; i < released.length; i++) {
        const slot = released[i];
        this.staleIds.push(this.ids[slot] as string);
        this.ids[slot] = undefined;
      }
    }
    released.length = 0;
  }

  /** Deletes up to `n` stale index entries (ids that did not come back). */
  private dropStaleIds(n: number): void {
    const stale = this.staleIds;
    for (let end = Math.min(stale.length, this.staleHead + n); this.staleHead < end; this.staleHead++) {
      const id = stale[this.staleHead];
      const slot = this.index.get(id);
      if (slot !== undefined && this.ids[slot] !== id) this.index.delete(id);
    }
    // Drop the consumed front now and then, not on every call.
    if (this.staleHead > 1024 && this.staleHead * 2 > stale.length) {
      this.staleIds = stale.slice(this.staleHead);
      this.staleHead = 0;
    }
  }

  private pingPrefix(list: number, now: number, out: SweepSink): void {
    const interval = this.lists.duration(list);
    let slot = this.lists.head(list);
    while (slot !== NIL && this.lastSeen(slot) + interval <= now) {
      const next = this.lists.next(PING, slot);
      // A client already expired at `now` is expired by this same sweep (its
      // expiry list's key is <= now too): it gets no ping, whichever of the
      // two lists the heap hands out first.
      if (this.deadlineOf(slot) >= now) out.pinged(this, slot);
      this.slots.setI32(slot, STATE, this.slots.i32(slot, STATE) | PINGED);
      slot = next;
    }
    this.lists.dropBefore(list, PING, slot);
    this.settle(list, PING);
  }

  private joinTimerLists(slot: number, timeoutMs: number, pingIntervalMs: number): void {
    const expList = this.listFor(EXPIRY, timeoutMs);
    this.slots.setI32(slot, EXP_LIST, expList);
    this.joinList(expList, EXPIRY, slot);
    if (!this.trackPings) {
      // Untracked pings need no list: the column keeps the interval itself.
      this.slots.setI32(slot, PING_LIST, pingIntervalMs);
      return;
    }
    const pingList = this.listFor(PING, pingIntervalMs);
    this.slots.setI32(slot, PING_LIST, pingList);
    this.joinList(pingList, PING, slot);
  }

  private leaveTimerLists(slot: number): void {
    const expList = this.slots.i32(slot, EXP_LIST);
    this.lists.unlink(expList, EXPIRY, slot);
    this.lists.dropUser(expList);
    this.settle(expList, EXPIRY);
    this.leavePingList(slot);
  }

  private leavePingList(slot: number): void {
    if (!this.trackPings) return;
    const pingList = this.slots.i32(slot, PING_LIST);
    if (!(this.slots.i32(slot, STATE) & PINGED)) this.lists.unlink(pingList, PING, slot);
    this.lists.dropUser(pingList);
    this.settle(pingList, PING);
  }

  private joinList(list: number, kind: ListKind, slot: number): void {
    this.lists.addUser(list);
    this.lists.append(list, kind, slot);
    if (this.lists.head(list) === slot) this.settle(list, kind);
  }

  private listFor(kind: TimerKind, duration: number): number {
    const byDuration = this.listsByDuration[kind];
    let list = byDuration.get(duration);
    if (list === undefined) {
      list = this.lists.create(kind, duration);
      byDuration.set(duration, list);
    }
    return list;
  }

  private moveToTail(list: number, kind: ListKind, slot: number): void {
    const wasHead = this.lists.head(list) === slot;
    if (this.lists.tail(list) !== slot) {
      this.lists.unlink(list, kind, slot);
      this.lists.append(list, kind, slot);
    }
    if (wasHead) this.settle(list, kind);
  }

  /**
   * Brings the heap up to date with a list whose head may have changed:
   * re-keys it, takes it out when empty, retires it when nobody uses it.
   */
  private settle(list: number, kind: ListKind): void {
    const head = this.lists.head(list);
    if (head !== NIL) {
      const deadline = this.lastSeen(head) + this.lists.duration(list);
      this.heap.set(list, kind === EXPIRY ? deadline + 1 : Math.ceil(deadline / this.pingTickMs) * this.pingTickMs);
      return;
    }
    this.heap.remove(list);
    if (this.lists.users(list) > 0) return;
    this.listsByDuration[kind as TimerKind].delete(this.lists.duration(list));
    this.lists.retire(list);
  }

  /** Frees a slot; its id leaves the index now, or via `forgetExpiredIds` when `deferId` collects it. */
  private release(slot: number, deferId?: number[]): void {
    this.lists.unlink(this.order, ORDER, slot);
    if (this.ownsIds) {
      if (deferId) deferId.push(slot);
      else {
        this.index.delete(this.ids[slot] as string);
        this.ids[slot] = undefined;
      }
    }
    this.slots.free(slot);
  }
}
