/**
 * The part of a shard that lives in SharedArrayBuffers, and what any thread
 * holding it does: sweep it and walk its registration order. Pure: no I/O,
 * no timers; time is an integer number of milliseconds passed in by the
 * caller. Two kinds of holder extend it (one type each, so that a view can
 * not be asked to do an owner's work):
 *
 *   Shard      (shard.ts)       the owner: ids, register, heartbeat, remove
 *   ShardView  (shard-view.ts)  a worker holding a lent shard: sweep, walk
 *
 * HOW
 *
 * A heartbeat only records last_seen: one store into the client's slot
 * (shared-beat.ts), from this thread or any other. Nothing is re-sorted.
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
 * copying.
 *
 *     heartbeat (any thread)        sweep (the holding thread)
 *       store(BEAT)           ....>  wheel.popDue(now) -> read BEAT, decide,
 *                                    file again / report / release
 *
 * The ping after a ping: a client pinged in its silence is filed at its
 * expiry. A heartbeat on the owning thread clears PINGED and files it at
 * last_seen + interval again (the next ping is due then, not at expiry).
 * Heartbeats from other threads cannot refile; with `beatsFromOtherThreads`
 * a pinged client is looked at every ping interval until it heartbeats,
 * expires or is pinged again (timeout / interval looks per silence).
 *
 * A sweep releases the slots it expires (never writing GEN, nor any other
 * slot's record: slot-store.ts, ORDER) and tells the holder (`expiredHere`): the owner moves the id aside, a view
 * has no ids. The memory-ordering rule is in shared-beat.ts.
 *
 * COSTS (n clients in the shard, k clients handed out by the wheel; they
 * hold for any spread of timeouts and intervals, d = n distinct durations
 * included, and any heartbeat order)
 *
 *   sweep, none due    O(1) when the wheel's next time is cached; else one
 *                      TimingWheel.nextAt (see its costs); from the wheel's
 *                      stageAt on, + the staging of that popDue
 *   sweep, k due       O(k) + the wheel's cascades (each client moves down
 *                      at most once per level, two levels below 4.6 hours);
 *                      when every filed client is due and they fill at least
 *                      half the slots (a mass expiry), one pass over the
 *                      slots in memory order instead: O(slots) <= O(2k);
 *                      no allocation per client
 *   re-keying          at most one wheel hand-out per timeout period per
 *                      client (two when its pings are tracked)
 *   order walk         O(1) per live client + O(1) per released slot it
 *                      passes, each passed once (released slots leave the
 *                      order lazily: slot-store.ts, ORDER)
 *   memory             56 bytes per slot in SharedArrayBuffers + the wheel's
 *                      fixed 18 KiB
 */
import { loadLastSeen } from './shared-beat.js';
import {
  BEAT,
  FILED,
  INTERVAL,
  LIVE,
  NIL,
  HOT_STRIDE,
  PAGE_MASK,
  PAGE_SHIFT,
  PINGED,
  REG_SEQ,
  SEEN,
  STATE,
  SlotStore,
  TIMEOUT,
  timeoutBound,
  type SlotBuffers,
} from './slot-store.js';
import type { SweepSink } from './sweep-batch.js';
import { TimingWheel, type WheelBuffers } from './timing-wheel.js';

const TWO_31 = 2 ** 31;

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
}

export abstract class SharedShard {
  readonly slots: SlotStore;
  readonly wheel: TimingWheel;
  readonly trackPings: boolean;
  readonly pingTickMs: number;
  readonly beatsFromOtherThreads: boolean;

  /** `buffers`: the shared state to hold (a view), or none to make it (the owner). */
  protected constructor(options: ShardOptions, buffers: ShardBuffers | undefined) {
    this.trackPings = options.trackPings ?? false;
    this.pingTickMs = options.pingTickMs ?? 1;
    this.beatsFromOtherThreads = options.beatsFromOtherThreads ?? false;
    this.slots = new SlotStore(buffers?.slots);
    this.wheel = new TimingWheel(this.slots, buffers?.wheel, (slot, end) => this.lookAhead(slot, end));
  }

  /**
   * The sweep released `slot`, an expired client it has just reported (its
   * fields are still readable): the holder drops what it keeps by slot.
   */
  protected abstract expiredHere(slot: number): void;

  /** The shared buffers (current pages), for a view on another thread. */
  buffers(): ShardBuffers {
    return { slots: this.slots.buffers(), wheel: this.wheel.buffers() };
  }

  get size(): number {
    return this.slots.size;
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
   * Whether the client is past its deadline at `t` (exact). Decided without
   * the slot's cold record when it can be (a heartbeat's check): false
   * before the wheel's earliest time; otherwise false when the silence read
   * from BEAT alone is within TBOUND, the lower bound of the timeout in
   * STATE (slot-store.ts: above 2/3 of it, so a client heartbeating well
   * within its timeout never needs the cold TIMEOUT). That reading is
   * (t - last_seen) mod 2^32, exact while t - last_seen < 2^32: every live
   * client is filed at or after `earliest` and at or before its expiry, so
   * last_seen >= earliest - timeout - 1 > earliest - 2^31, and t is within
   * 2^31 of `earliest`. A BEAT older than SEEN (rule 4 of shared-beat.ts)
   * or ahead of t only reads as a longer silence: the exact test decides.
   */
  mayBeExpired(slot: number, t: number): boolean {
    const earliest = this.wheel.filedNoEarlierThan();
    if (t < earliest) return false;
    const page = this.slots.hotPages[slot >>> PAGE_SHIFT];
    const base = (slot & PAGE_MASK) * HOT_STRIDE;
    if (t - earliest < TWO_31 && ((t | 0) - page[base + BEAT]) >>> 0 <= timeoutBound(page[base + STATE])) return false;
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
   * The earliest time a sweep has staging to do (the wheel's work spread
   * ahead of time: timing-wheel.ts, STAGING). A sweep before both this and
   * nextFireAt returns at its first test. Not a time to wake up for:
   * nothing is due then.
   */
  nextStageAt(): number {
    return this.wheel.stageAt();
  }

  /**
   * Expires every client silent for more than its timeout at `now` and
   * pings every client due a ping, reporting both into `out` in the order
   * their times come due (within a wheel bucket that was entirely due, in the
   * order filed: timing-wheel.ts; in a mass expiry's walk: in slot order). Stops
   * after handing out or moving `limit` clients and returns what is left of
   * the limit: at 0, call again while `nextFireAt() <= now`.
   */
  sweep(now: number, out: SweepSink<this>, limit = Infinity): number {
    const wheel = this.wheel;
    if (now < wheel.nextAt() && now < wheel.stageAt()) return limit;
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
    return budget;
  }

  /** First live slot in registration order, or NIL (a walk unlinks the released slots it passes: slot-store.ts, ORDER). */
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
   * The next time a sweep must look at a client last seen at `lastSeen`
   * (`now`: the time of the look; -Infinity from a crash repair), pinged in
   * this silence or not.
   */
  nextLookAt(slot: number, lastSeen: number, now: number, pinged: boolean): number {
    const expiry = lastSeen + this.slots.i32(slot, TIMEOUT) + 1;
    if (!this.trackPings) return expiry;
    const interval = this.slots.i32(slot, INTERVAL);
    if (!pinged) return Math.min(expiry, this.pingDueAt(lastSeen, interval));
    // Pinged: only a heartbeat can bring the next ping before the expiry.
    return this.beatsFromOtherThreads && now >= 0 ? Math.min(expiry, this.pingDueAt(now, interval)) : expiry;
  }

  /** When a client last seen at `lastSeen` is due its ping (rounded up to the ping tick). */
  pingDueAt(lastSeen: number, interval: number): number {
    const tick = this.pingTickMs;
    return Math.ceil((lastSeen + interval) / tick) * tick;
  }

  /** Files at `at`, or at the wheel's time if `at` is already past it (due at the next sweep). */
  protected fileAt(slot: number, at: number): void {
    const cur = this.wheel.cur;
    this.wheel.file(slot, at < cur ? cur : at);
  }

  /** Takes a slot out of the wheel, unless a walk has still to reach it. */
  protected unfile(slot: number): void {
    if (this.wheel.holds(slot)) this.wheel.unfile(slot);
  }

  /**
   * Looks at the slots the walk has still to look at (see TimingWheel.
   * beginWalk), at most `budget` of them; returns what is left of it.
   */
  private walk(now: number, out: SweepSink<this>, budget: number): number {
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

  /**
   * The early look of staging (timing-wheel.ts, LookAhead): a client filed
   * after now whose heartbeat since then puts its next look at or after
   * `end` is re-keyed now, as look() would re-key it when handed out;
   * otherwise nothing is written and it is looked at when due (-1). Neither
   * an expiry nor a ping can be due: the client is filed after now, at or
   * before both, and a heartbeat only moves them later.
   */
  private lookAhead(slot: number, end: number): number {
    const slots = this.slots;
    const seen = slots.f64(slot, SEEN);
    const lastSeen = loadLastSeen(slots, slot, seen);
    if (lastSeen === seen) return -1;
    const at = this.nextLookAt(slot, lastSeen, lastSeen, false);
    if (at < end) return -1;
    slots.setF64(slot, SEEN, lastSeen);
    slots.setHot(slot, STATE, slots.hot(slot, STATE) & ~PINGED);
    return at;
  }

  /** The sweep's decision for a client the wheel handed out (see HOW). */
  private look(slot: number, now: number, out: SweepSink<this>): void {
    const slots = this.slots;
    const seen = slots.f64(slot, SEEN);
    const lastSeen = loadLastSeen(slots, slot, seen);
    let state = slots.hot(slot, STATE);
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
    if (!pinged && this.trackPings && this.pingDueAt(lastSeen, slots.i32(slot, INTERVAL)) <= now) {
      out.pinged(this, slot);
      state |= PINGED;
      pinged = true;
    }
    slots.setHot(slot, STATE, state);
    this.fileAt(slot, this.nextLookAt(slot, lastSeen, now, pinged));
  }

  /**
   * Expires a client the sweep found silent too long, unless a heartbeat
   * landed meanwhile (shared-beat.ts, rule 3): then false, and it lives on.
   */
  private expire(slot: number, state: number, lastSeen: number, deadline: number, out: SweepSink<this>): boolean {
    if (this.beatsFromOtherThreads) {
      const page = this.slots.hotPages[slot >>> PAGE_SHIFT];
      const stateIndex = (slot & PAGE_MASK) * HOT_STRIDE + STATE;
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
    this.expiredHere(slot);
    this.slots.release(slot);
    return true;
  }
}
