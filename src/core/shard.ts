/**
 * A shard of the keep-alive monitor: its clients, their deadlines, and the
 * order they registered in. Pure: no I/O, no timers; time is an integer
 * number of milliseconds passed in by the caller.
 *
 * HOW
 *
 * A heartbeat only records last_seen: one Atomics.store into the client's
 * slot (shared-beat.ts), from this thread or any other. Nothing is re-sorted.
 *
 * Every live client is filed once in a timing wheel (timing-wheel.ts) at the
 * time it must be looked at next: its expiry (last_seen + timeout + 1) or,
 * when pings are tracked and it has not been pinged in this silence, its
 * ping (last_seen + ping_interval, rounded up to `pingTickMs`), whichever
 * comes first. Filed at the last_seen known when it was filed: a heartbeat
 * since then makes the filed time early, never late. When the wheel hands a
 * client out, the sweep reads its beat and decides:
 *
 *     silent for more than its timeout   -> expired (reported, released)
 *     ping due, not pinged this silence  -> pinged, filed at its expiry
 *     otherwise (it heartbeated)         -> filed again at its new time
 *
 * So a client heartbeating every timeout/3 is looked at about once per
 * timeout, whatever the number of heartbeats, and the re-keying is done by
 * the thread that sweeps. With its registration order (a list threaded
 * through the slots) and its settings, all of it lives in
 * SharedArrayBuffers, so another thread can take the shard over with no
 * copying. The id -> handle index is a plain Map on the owning thread.
 *
 *     heartbeat (any thread)        sweep (the holding thread)
 *       Atomics.store(BEAT)   ....>  wheel.popDue(now) -> read BEAT, decide,
 *                                    file again / report / release
 *
 * The ping after a ping: a client pinged in its silence is filed at its
 * expiry. A heartbeat on this thread clears PINGED and files it at
 * last_seen + interval again (the next ping is due then, not at expiry).
 * Heartbeats from other threads cannot refile; with `beatsFromOtherThreads`
 * a pinged client is looked at every ping interval until it heartbeats,
 * expires or is pinged again (timeout / interval looks per silence).
 *
 * ANOTHER THREAD
 *
 * `new Shard({ buffers: shard.buffers() })` is a view over the same shared
 * state, without the ids (a worker: src/monitor/workers/). A view may sweep
 * and walk the order, which never grows a buffer; it must not register.
 * Its sweep releases slots (never writing GEN); the owner reads their ids,
 * then calls `forgetReleased(slot)` before it allocates again. If a view
 * dies half-way through a sweep, `relink` rebuilds the wheel, the order and
 * the free list from the slot fields and the owner's index: clients the dead
 * view released but nobody was told about are live again, with their
 * handles still valid. The memory-ordering rule is in shared-beat.ts.
 *
 * COSTS (n clients in the shard, k clients handed out by the wheel; they
 * hold for any spread of timeouts and intervals, d = n distinct durations
 * included, and any heartbeat order)
 *
 *   heartbeat          O(1): one store (+ O(1) refile when it was pinged)
 *   register, remove   O(1) + Map insert/delete
 *   sweep, none due    O(1): one comparison against the wheel's next time
 *   sweep, k due       O(k) + the wheel's cascades (each client moves down
 *                      at most once per level, two levels below 4.6 hours);
 *                      when every filed client is due and they fill at least
 *                      half the slots (a mass expiry), one pass over the
 *                      slots in memory order instead: O(slots) <= O(2k);
 *                      no allocation per client (an expiry's stale id goes
 *                      into by-slot storage grown at registration)
 *   re-keying          at most one wheel hand-out per timeout period per
 *                      client (two when its pings are tracked)
 *   memory             56 bytes per slot in SharedArrayBuffers (+ the Map
 *                      entry, the id string and two by-slot array entries,
 *                      ids and endedIds, on the heap)
 */
import { loadLastSeen, storeBeat } from './shared-beat.js';
import {
  BEAT,
  FILED,
  INTERVAL,
  LIVE,
  NIL,
  PINGED,
  REG_SEQ,
  SEEN,
  STATE,
  SlotStore,
  TIMEOUT,
  PAGE_MASK,
  PAGE_SHIFT,
  STRIDE,
  type SlotBuffers,
} from './slot-store.js';
import type { SweepSink } from './sweep-batch.js';
import { TimingWheel, type WheelBuffers } from './timing-wheel.js';

/** The shared state of a shard, enough for another thread to make a view. */
export interface ShardBuffers {
  slots: SlotBuffers;
  wheel: WheelBuffers;
}

export interface ShardOptions {
  /** Track ping deadlines (the gateway); the stdio node does not need them. */
  trackPings?: boolean;
  /**
   * Ping deadlines rounded up to this tick (default 1: exact); expiry is
   * always exact. A ping need not be punctual (the gateway jitters it by up
   * to a tenth of the interval anyway), and a coarse time lets one wake-up
   * serve every ping due within the tick.
   */
  pingTickMs?: number;
  /**
   * Heartbeats may be recorded by other threads (beatFromAnyThread): an
   * expiry then follows shared-beat.ts rule 3 (two fenced accesses per
   * expired client); see also "The ping after a ping". Without it only the
   * thread holding the shard records heartbeats, and expiries take no fence.
   */
  beatsFromOtherThreads?: boolean;
  /** Makes a view over another thread's shard (see "ANOTHER THREAD"). */
  buffers?: ShardBuffers;
}

export class Shard {
  readonly slots: SlotStore;
  readonly wheel: TimingWheel;
  readonly trackPings: boolean;
  readonly pingTickMs: number;
  readonly beatsFromOtherThreads: boolean;
  /** False in a view: the ids and the index stay on the owning thread. */
  readonly ownsIds: boolean;

  /** id -> handle of its current life (entries of ended lives are stale; see endedIds). */
  private readonly index = new Map<string, number>();
  private ids: (string | undefined)[] = [];
  /**
   * By slot: the id of the client a sweep expired there, while its index
   * entry is still there (a sweep does not pay a Map.delete each; the handle
   * no longer names a live slot, so `find` ignores it). The registration
   * that reuses the slot deletes it; a sweep that empties the shard drops
   * them all with one Map.clear. Kept by slot, not as a list, so that a mass
   * expiry writes into storage grown at registration and allocates nothing
   * per client (a list grew to n, copying itself at each growth).
   */
  private readonly endedIds: (string | undefined)[] = [];
  /** Some index entry may be stale (an expiry since the last forgetAllIds). */
  private indexHasEnded = false;

  constructor(options: ShardOptions = {}) {
    this.trackPings = options.trackPings ?? false;
    this.pingTickMs = options.pingTickMs ?? 1;
    this.beatsFromOtherThreads = options.beatsFromOtherThreads ?? false;
    const buffers = options.buffers;
    this.ownsIds = buffers === undefined;
    this.slots = new SlotStore(buffers?.slots);
    this.wheel = new TimingWheel(this.slots, buffers?.wheel);
  }

  /** The shared buffers (current pages), for a view on another thread. */
  buffers(): ShardBuffers {
    return { slots: this.slots.buffers(), wheel: this.wheel.buffers() };
  }

  get size(): number {
    return this.slots.size;
  }

  /** The slot of a live client, or NIL. */
  find(id: string): number {
    const handle = this.index.get(id);
    return handle === undefined ? NIL : this.slots.slotOfHandle(handle);
  }

  /**
   * Owner side, while a view holds the shard: the slot the index holds for
   * `id`, even if the view has released it since (its id is not forgotten
   * until the owner settles the view's findings), or NIL.
   */
  findIndexed(id: string): number {
    const handle = this.index.get(id);
    if (handle === undefined) return NIL;
    const slot = this.slots.slotOfLife(handle);
    return slot !== NIL && this.ids[slot] !== undefined ? slot : NIL;
  }

  idOf(slot: number): string {
    return this.ids[slot] as string;
  }

  /** The last heartbeat recorded (from any thread), in ms. */
  lastSeen(slot: number): number {
    return loadLastSeen(this.slots, slot, this.slots.f64(slot, SEEN));
  }

  regSeq(slot: number): number {
    return this.slots.f64(slot, REG_SEQ);
  }

  timeoutOf(slot: number): number {
    return this.slots.i32(slot, TIMEOUT);
  }

  pingIntervalOf(slot: number): number {
    return this.slots.i32(slot, INTERVAL);
  }

  /** The time the client is filed at in the wheel: at or before its expiry time (deadline + 1). */
  filedAt(slot: number): number {
    return this.slots.f64(slot, FILED);
  }

  /**
   * Whether the client may be past its deadline at `t`: false before the
   * time it is filed at (filed at or before its expiry). Decided from the
   * wheel's earliest time when it can be, so a heartbeat in a shard with
   * nothing due reads none of the slot's cold fields.
   */
  mayBeExpired(slot: number, t: number): boolean {
    if (t < this.wheel.filedNoEarlierThan() || t < this.slots.f64(slot, FILED)) return false;
    return this.deadlineOf(slot) < t;
  }

  /** The deadline after which the client is expired: last_seen + timeout. */
  deadlineOf(slot: number): number {
    return this.lastSeen(slot) + this.timeoutOf(slot);
  }

  /**
   * A time at or before the earliest at which a sweep has something to do
   * (Infinity: nothing filed). Exact unless a heartbeat arrived since the
   * client was filed: then early, and a sweep then files it again.
   */
  nextFireAt(): number {
    return this.wheel.nextAt();
  }

  /**
   * Registers `id`, or re-registers it if it is live here (new settings,
   * last_seen := now, same place in the order). The caller sweeps first, so
   * a client past its deadline is never found live here.
   */
  register(id: string, timeoutMs: number, pingIntervalMs: number, now: number, regSeq: number): number {
    let slot = this.find(id);
    if (slot !== NIL) {
      this.unfile(slot);
    } else {
      slot = this.slots.alloc();
      this.dropEndedId(slot);
      this.index.set(id, this.slots.handleOf(slot));
      this.ids[slot] = id;
      this.slots.setF64(slot, REG_SEQ, regSeq);
    }
    this.slots.setI32(slot, TIMEOUT, timeoutMs);
    this.slots.setI32(slot, INTERVAL, pingIntervalMs);
    this.slots.setI32(slot, STATE, this.slots.i32(slot, STATE) & ~PINGED);
    this.slots.setF64(slot, SEEN, now);
    storeBeat(this.slots, slot, now);
    this.fileAt(slot, this.nextLook(slot, now, now, false));
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
    const page = this.slots.i32Pages[slot >>> PAGE_SHIFT];
    const base = (slot & PAGE_MASK) * STRIDE;
    page[base + BEAT] = now | 0;
    return (page[base + STATE] & PINGED) !== 0 ? this.endPingedSilence(slot, now) : Infinity;
  }

  /** Removes a live client (its connection closed); not an expiry. */
  remove(slot: number): void {
    this.unfile(slot);
    if (this.ownsIds) {
      this.index.delete(this.ids[slot] as string);
      this.ids[slot] = undefined;
    }
    this.slots.release(slot);
  }

  /**
   * Expires every client silent for more than its timeout at `now` and
   * pings every client due a ping, reporting both into `out` in the order
   * their times come due (in a mass expiry's walk: in slot order). Stops after handing out or moving `limit` clients
   * and returns what is left of the limit: at 0, call again while
   * `nextFireAt() <= now`.
   */
  sweep(now: number, out: SweepSink, limit = Infinity): number {
    const wheel = this.wheel;
    if (now < wheel.nextAt()) return limit;
    let budget = limit;
    // Everyone filed is due and they fill most slots (a mass expiry): one
    // pass over the slots in memory order beats following the wheel's links
    // to them in random order.
    if (!wheel.walking && wheel.maxAt <= now && wheel.size * 2 >= this.slots.highWater) wheel.beginWalk(now, this.slots.highWater);
    if (wheel.walking) budget = this.walk(now, out, budget);
    if (!wheel.walking && budget > 0) {
      wheel.budget = budget;
      for (let slot = wheel.popDue(now); slot !== NIL; slot = wheel.popDue(now)) this.look(slot, now, out);
      budget = wheel.budget;
      wheel.budget = Infinity;
    }
    if (this.ownsIds && this.slots.size === 0 && this.indexHasEnded) this.forgetAllIds();
    return budget;
  }

  /** First slot in registration order, or NIL. */
  firstInOrder(): number {
    return this.slots.firstInOrder();
  }

  nextInOrder(slot: number): number {
    return this.slots.nextInOrder(slot);
  }

  handleOf(slot: number): number {
    return this.slots.handleOf(slot);
  }

  slotOfHandle(handle: number): number {
    return this.slots.slotOfHandle(handle);
  }

  /** Bytes held in SharedArrayBuffers by this shard. */
  get sharedBytes(): number {
    return this.slots.sharedBytes + this.wheel.sharedBytes;
  }

  /**
   * Owner side, after a view released `slot`: drops its id. Call before
   * allocating again (the slot may then be reused).
   */
  forgetReleased(slot: number): void {
    const id = this.ids[slot];
    if (id !== undefined && this.index.get(id) === this.slots.handleOf(slot)) this.index.delete(id);
    this.ids[slot] = undefined;
  }

  /** Owner side, when no client is live (size 0): drops every id at once. */
  forgetAllIds(): void {
    if (this.slots.size !== 0) throw new Error('forgetAllIds: the shard still has live clients');
    this.index.clear();
    this.ids = [];
    // Kept at capacity (a fill, not a new array): the next mass expiry writes into it.
    this.endedIds.fill(undefined);
    this.indexHasEnded = false;
  }

  /** Ids in the index, stale entries of expired clients included (at most the slots ever taken). */
  get indexSize(): number {
    return this.index.size;
  }

  /** Owner side: the slots of the clients in the index (live or released by a view, not yet forgotten). */
  indexedSlots(): number[] {
    const slots: number[] = [];
    for (const id of this.index.keys()) {
      const slot = this.findIndexed(id);
      if (slot !== NIL && this.ids[slot] === id) slots.push(slot);
    }
    return slots;
  }

  /**
   * Crash repair, owner side: `live` become the live clients, in
   * registration order, each filed at its next time; every other slot is
   * free (see "ANOTHER THREAD"). A client counts as pinged in its silence
   * only if that ping was due by `pingedUpTo`, the time of the last sweep
   * whose findings were delivered (a ping the dead view found was never
   * sent). O(n log n), only after a crash.
   */
  relink(live: readonly number[], pingedUpTo: number): void {
    const byReg = [...live].sort((a, b) => this.regSeq(a) - this.regSeq(b));
    this.slots.rebuild(byReg);
    const times = byReg.map((slot) => {
      const lastSeen = this.lastSeen(slot);
      this.slots.setF64(slot, SEEN, lastSeen);
      const state = this.slots.i32(slot, STATE);
      const delivered = (state & PINGED) !== 0 && this.pingTime(lastSeen, this.pingIntervalOf(slot)) <= pingedUpTo;
      this.slots.setI32(slot, STATE, delivered ? state : state & ~PINGED);
      return this.nextLook(slot, lastSeen, -Infinity, delivered);
    });
    let cur = this.wheel.cur;
    for (const t of times) if (t < cur) cur = t;
    this.wheel.reset(cur);
    byReg.forEach((slot, i) => this.wheel.file(slot, times[i]));
  }

  /**
   * Looks at the slots the walk has still to look at (see TimingWheel.
   * beginWalk), at most `budget` of them; returns what is left of it.
   */
  private walk(now: number, out: SweepSink, budget: number): number {
    const wheel = this.wheel;
    const at = wheel.walkAt;
    const end = wheel.walkEnd;
    // An int, not the float64 the wheel stores it as: slot arithmetic stays on small integers (no deopt).
    let slot = wheel.walkFrom | 0;
    for (; slot < end && budget > 0; slot++) {
      // Free, or filed again since the walk began (registered meanwhile).
      if (!this.slots.isLive(slot) || this.slots.f64(slot, FILED) > at) continue;
      budget--;
      this.look(slot, now, out);
    }
    wheel.walkedTo(slot);
    return budget;
  }

  /** Takes a slot out of the wheel, unless a walk has still to reach it. */
  private unfile(slot: number): void {
    if (this.wheel.holds(slot)) this.wheel.unfile(slot);
  }

  /** The sweep's decision for a client the wheel handed out (see HOW). */
  private look(slot: number, now: number, out: SweepSink): void {
    const slots = this.slots;
    const seen = slots.f64(slot, SEEN);
    const lastSeen = loadLastSeen(slots, slot, seen);
    let state = slots.i32(slot, STATE);
    if (lastSeen !== seen) {
      slots.setF64(slot, SEEN, lastSeen);
      state &= ~PINGED;
    }
    const deadline = lastSeen + slots.i32(slot, TIMEOUT);
    if (deadline < now) {
      // A heartbeat that landed while it was being expired: look again.
      if (!this.expire(slot, state, lastSeen, deadline, out)) this.look(slot, now, out);
      return;
    }
    let pinged = (state & PINGED) !== 0;
    if (!pinged && this.trackPings && this.pingTime(lastSeen, slots.i32(slot, INTERVAL)) <= now) {
      out.pinged(this, slot);
      state |= PINGED;
      pinged = true;
    }
    slots.setI32(slot, STATE, state);
    this.fileAt(slot, this.nextLook(slot, lastSeen, now, pinged));
  }

  /**
   * Expires a client the sweep found silent too long, unless a heartbeat
   * landed meanwhile (shared-beat.ts, rule 3): then false, and it lives on.
   */
  private expire(slot: number, state: number, lastSeen: number, deadline: number, out: SweepSink): boolean {
    if (this.beatsFromOtherThreads) {
      const page = this.slots.i32Pages[slot >>> PAGE_SHIFT];
      const stateIndex = (slot & PAGE_MASK) * STRIDE + STATE;
      Atomics.store(page, stateIndex, state & ~LIVE);
      if (loadLastSeen(this.slots, slot, lastSeen) !== lastSeen) {
        Atomics.store(page, stateIndex, state);
        return false;
      }
    }
    // Otherwise no other thread writes BEAT: release() below clears LIVE
    // with a plain store (a fence per expiry would serialize a mass expiry's
    // cache misses).
    out.expired(this, slot, deadline);
    if (this.ownsIds) {
      // The report just read the id: its line of `ids` is in cache.
      this.endedIds[slot] = this.ids[slot];
      this.indexHasEnded = true;
      this.ids[slot] = undefined;
    }
    this.slots.release(slot);
    return true;
  }

  /** The next time the sweep must look at a client last seen at `lastSeen`. */
  private nextLook(slot: number, lastSeen: number, now: number, pinged: boolean): number {
    const expiry = lastSeen + this.slots.i32(slot, TIMEOUT) + 1;
    if (!this.trackPings) return expiry;
    const interval = this.slots.i32(slot, INTERVAL);
    if (!pinged) return Math.min(expiry, this.pingTime(lastSeen, interval));
    // Pinged: only a heartbeat can bring the next ping before the expiry.
    return this.beatsFromOtherThreads && now >= 0 ? Math.min(expiry, this.pingTime(now, interval)) : expiry;
  }

  private pingTime(lastSeen: number, interval: number): number {
    const tick = this.pingTickMs;
    return Math.ceil((lastSeen + interval) / tick) * tick;
  }

  /** The holding thread's heartbeat for a client pinged in its silence: the next ping is due at now + interval. Returns when it is filed now if that moved earlier, else Infinity. */
  private endPingedSilence(slot: number, now: number): number {
    const slots = this.slots;
    if (now <= slots.f64(slot, SEEN)) return Infinity;
    slots.setF64(slot, SEEN, now);
    slots.setI32(slot, STATE, slots.i32(slot, STATE) & ~PINGED);
    const next = this.nextLook(slot, now, now, false);
    if (next >= slots.f64(slot, FILED) && this.wheel.holds(slot)) return Infinity;
    this.unfile(slot);
    this.fileAt(slot, next);
    return next;
  }

  /** Files at `at`, or at the wheel's time if `at` is already past it (due at the next sweep). */
  private fileAt(slot: number, at: number): void {
    const cur = this.wheel.cur;
    this.wheel.file(slot, at < cur ? cur : at);
  }

  /**
   * A registration takes `slot`: deletes the stale index entry of the client
   * expired there, if any (unless that id came back live). Writing the slot's
   * entry also grows the storage here, at registration, not in a sweep.
   */
  private dropEndedId(slot: number): void {
    const id = this.endedIds[slot];
    this.endedIds[slot] = undefined;
    if (id === undefined) return;
    const handle = this.index.get(id);
    if (handle !== undefined && this.slots.slotOfHandle(handle) === NIL) this.index.delete(id);
  }
}
