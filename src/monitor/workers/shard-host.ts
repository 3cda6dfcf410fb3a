/**
 * The main thread's side of one shard: the owning Shard (ids, index) and
 * the lending protocol that keeps a worker and the main thread from ever
 * touching the shard at the same time, without either one waiting.
 *
 * While the shard is LENT (a task runs on it, then its findings are
 * delivered), register / heartbeat / remove are queued here and applied, in
 * arrival order and with their own timestamps, when it comes back. Time is
 * monotonic and every queued time is >= the task's time, so applying them
 * then files nothing in the wheel behind the time the task swept to. Their answers are given at once from
 * an overlay (the ids touched while lent) over the shared slot fields a
 * sweep never writes (last_seen, timeout), so the answer is the one the
 * later application will agree with. "Live at t" means:
 *   sweepOnAccess (default): deadline >= t, swept or not (as KeepAliveMonitor);
 *   otherwise: not swept yet, i.e. in the index and, while lent, deadline >=
 *   the task's time (the worker takes exactly the others). A live server
 *   wants this: heartbeats read late after a stall still count.
 *
 * An operation that finds its id's life over (past its deadline) tells
 * the transport at once, before it returns, as in process: otherwise the
 * expired event of the old life, found by the worker or applied later,
 * would reach the transport after the new life began and be taken for it
 * (register), or after the transport dropped the client on the refusal and
 * could no longer close its connection (heartbeat, remove).
 *
 * While lent, the shard's next deadline is not read from its timing wheel
 * (the worker is changing it): `nextFireAt` gives a LOWER BOUND instead,
 * from the wheel before the task and the registrations queued meanwhile, so
 * that a registration during a round can arm the timer; an early wake-up
 * finds nothing due. (A heartbeat that ends a pinged silence may file its
 * client earlier than that bound; the monitor re-arms from the exact
 * wheels after every round.)
 *
 * Costs on the main thread: every operation O(1) (+ one Map lookup); a
 * queued operation is applied later in O(1) too.
 */
import { NIL, Shard } from '../../core/index.js';
import type { ShardTaskOptions } from './shard-task.js';

/** What a live client looks like while its shard is lent. */
interface OverlayEntry {
  live: boolean;
  lastSeen: number;
  timeoutMs: number;
  /** The slot of the life it continues, or NIL when registered while lent. */
  slot: number;
}

type QueuedOp =
  | { kind: 'register'; id: string; timeoutMs: number; pingIntervalMs: number; t: number; seq: number; handle: PendingHandle }
  | { kind: 'heartbeat'; id: string; t: number }
  | { kind: 'remove'; id: string; t: number }
  /** A life told expired while lent: ended on give-back unless the task already did. */
  | { kind: 'expire'; id: string; slot: number };

/**
 * A ClientHandle given out while the shard was lent: its handle is known
 * once the registration is applied.
 */
export class PendingHandle {
  private resolved = NIL;

  constructor(
    readonly shard: number,
    readonly id: string,
    readonly entry: OverlayEntry,
  ) {}

  get handle(): number {
    return this.resolved;
  }

  get isResolved(): boolean {
    return this.resolved !== NIL;
  }

  resolve(handle: number): void {
    this.resolved = handle;
  }
}

/** Where a host reports the lives it sees end outside a sweep's findings. */
export interface HostEvents {
  /** The transport's expired event, at once. */
  expired(id: string, deadline: number): void;
  /** The expiry report for the next check (when no sweep will report it). */
  report(id: string, regSeq: number): void;
}

export class ShardHost {
  readonly shard: Shard;
  /** The time of the last sweep whose findings were delivered (crash repair needs it). */
  pingedUpTo = -Infinity;
  private lentOut = false;
  /** The time of the sweep the shard is lent for (-Infinity: a task that does not sweep). */
  private lentAt = -Infinity;
  private queue: QueuedOp[] = [];
  private overlay = new Map<string, OverlayEntry>();
  /** Slots whose expired event went out while lent (the delivery skips them). */
  private readonly told = new Set<number>();
  private readonly trackPings: boolean;
  /** While lent: a lower bound of the shard's next filed time as the task leaves it. */
  private taskFireAt = Infinity;
  /** While lent: a lower bound of the earliest key the queued operations add. */
  private queuedFireAt = Infinity;

  constructor(
    readonly index: number,
    options: ShardTaskOptions,
    private readonly sweepOnAccess: boolean,
    private readonly events: HostEvents,
  ) {
    this.shard = new Shard(options);
    this.trackPings = options.trackPings;
  }

  /** The earliest time a sweep has work here; while lent, a lower bound of it (see the header). */
  nextFireAt(): number {
    return this.lentOut ? Math.min(this.taskFireAt, this.queuedFireAt) : this.shard.nextFireAt();
  }

  /** Hands the shard to a task that sweeps at `now`, or does not sweep at all. */
  lend(now: number, sweeping: boolean): void {
    if (this.lentOut) throw new Error(`shard ${this.index} is already lent`);
    this.lentOut = true;
    this.lentAt = sweeping ? now : -Infinity;
    // A sweep at `now` leaves nothing due at `now` (keys are integer ms).
    const top = this.shard.nextFireAt();
    this.taskFireAt = sweeping ? Math.max(top, now + 1) : top;
    this.queuedFireAt = Infinity;
  }

  /** The shard is back, its findings delivered: applies what arrived meanwhile. */
  giveBack(): void {
    this.lentOut = false;
    const queue = this.queue;
    this.queue = [];
    this.overlay.clear();
    for (const op of queue) {
      if (op.kind === 'register') op.handle.resolve(this.applyRegister(op.id, op.timeoutMs, op.pingIntervalMs, op.t, op.seq));
      else if (op.kind === 'heartbeat') this.applyHeartbeat(op.id, op.t);
      else if (op.kind === 'remove') this.applyRemove(op.id, op.t);
      else this.applyExpire(op.id, op.slot);
    }
    this.told.clear();
  }

  /** Whether the expired event of `slot` already went out during this lending. */
  toldExpired(slot: number): boolean {
    return this.told.has(slot);
  }

  /** Whether any expired event went out during this lending (usually not). */
  get toldAny(): boolean {
    return this.told.size > 0;
  }

  /** Crash repair: the task died half-way; rebuild the links from the index. */
  repair(): void {
    this.shard.relink(this.pingedUpTo);
  }

  register(id: string, timeoutMs: number, pingIntervalMs: number, t: number, seq: number): number | PendingHandle {
    if (!this.lentOut) return this.applyRegister(id, timeoutMs, pingIntervalMs, t, seq);
    this.tellIfEnded(id, t);
    let entry = this.overlayEntry(id, t);
    if (entry === undefined || !entry.live) {
      entry = { live: true, lastSeen: t, timeoutMs, slot: NIL };
      this.overlay.set(id, entry);
    } else {
      entry.lastSeen = t;
      entry.timeoutMs = timeoutMs;
    }
    const handle = new PendingHandle(this.index, id, entry);
    this.queue.push({ kind: 'register', id, timeoutMs, pingIntervalMs, t, seq, handle });
    // Expiry key deadline + 1; a ping key is rounded up, so t + interval bounds it.
    this.queuedFireAt = Math.min(this.queuedFireAt, t + timeoutMs + 1, this.trackPings ? t + pingIntervalMs : Infinity);
    return handle;
  }

  heartbeat(id: string, t: number): boolean {
    if (!this.lentOut) return this.applyHeartbeat(id, t);
    const entry = this.overlayEntry(id, t);
    if (entry === undefined) {
      this.tellIfEnded(id, t);
      return false;
    }
    entry.lastSeen = t;
    this.queue.push({ kind: 'heartbeat', id, t });
    return true;
  }

  /** Heartbeat of one life of a client: a handle of an earlier life fails. */
  heartbeatHandle(handle: number | PendingHandle, t: number): boolean {
    if (handle instanceof PendingHandle) {
      if (handle.isResolved) return this.heartbeatHandle(handle.handle, t);
      return this.overlay.get(handle.id) === handle.entry && this.heartbeat(handle.id, t);
    }
    const slot = this.shard.slotOfHandle(handle);
    if (slot === NIL) return false;
    if (!this.lentOut) {
      if (this.shard.deadlineOf(slot) < this.cutoff(t)) return false;
      this.shard.heartbeat(slot, t);
      return true;
    }
    const id = this.shard.idOf(slot);
    const entry = this.overlayEntry(id, t);
    if (entry === undefined) {
      this.tellIfEnded(id, t);
      return false;
    }
    return entry.slot === slot && this.heartbeat(id, t);
  }

  remove(id: string, t: number): boolean {
    if (!this.lentOut) return this.applyRemove(id, t);
    const entry = this.overlayEntry(id, t);
    if (entry === undefined) {
      this.tellIfEnded(id, t);
      return false;
    }
    entry.live = false;
    this.queue.push({ kind: 'remove', id, t });
    return true;
  }

  has(id: string, t: number): boolean {
    if (!this.lentOut) return this.liveSlot(id, t) !== NIL;
    return this.overlayEntry(id, t) !== undefined;
  }

  /** While lent: if `id`'s current life is over at `t`, tells the transport now (see the header). */
  private tellIfEnded(id: string, t: number): void {
    const slot = this.shard.findIndexed(id);
    if (slot === NIL || this.told.has(slot)) return;
    const entry = this.overlay.get(id);
    if (entry !== undefined && (entry.slot !== slot || !entry.live)) return;
    const deadline = entry ? entry.lastSeen + entry.timeoutMs : this.shard.deadlineOf(slot);
    if (deadline >= this.cutoff(t)) return;
    this.told.add(slot);
    this.events.expired(id, deadline);
    // The task may not end this life (sweepOnAccess: past the deadline at
    // `t`, not at the sweep's time): the give-back does, so it is never told twice.
    this.queue.push({ kind: 'expire', id, slot });
  }

  /** The live client's overlay entry at `t` (made from its slot on first touch), or undefined. */
  private overlayEntry(id: string, t: number): OverlayEntry | undefined {
    let entry = this.overlay.get(id);
    if (entry === undefined) {
      // Fields a sweep never writes (core/shared-beat.ts): safe to read while a worker sweeps.
      const slot = this.shard.findIndexed(id);
      if (slot === NIL) return undefined;
      entry = { live: true, lastSeen: this.shard.lastSeen(slot), timeoutMs: this.shard.timeoutOf(slot), slot };
      this.overlay.set(id, entry);
    }
    return entry.live && entry.lastSeen + entry.timeoutMs >= this.cutoff(t) ? entry : undefined;
  }

  /** A client whose deadline is before this at `t` is not live (see the header). */
  private cutoff(t: number): number {
    if (this.sweepOnAccess) return t;
    return this.lentOut ? this.lentAt : -Infinity;
  }

  /** The slot of a client live at `t`, or NIL. */
  private liveSlot(id: string, t: number): number {
    const slot = this.shard.find(id);
    return slot !== NIL && this.shard.deadlineOf(slot) >= this.cutoff(t) ? slot : NIL;
  }

  private applyRegister(id: string, timeoutMs: number, pingIntervalMs: number, t: number, seq: number): number {
    const old = this.shard.find(id);
    if (old !== NIL && this.shard.deadlineOf(old) < this.cutoff(t)) {
      // Due but not swept yet: it expired before this registration.
      if (!this.told.has(old)) this.events.expired(id, this.shard.deadlineOf(old));
      this.events.report(id, this.shard.regSeq(old));
      this.shard.remove(old);
    }
    return this.shard.handleOf(this.shard.register(id, timeoutMs, pingIntervalMs, t, seq));
  }

  /** A life told expired while lent that the task did not end: ends it now, reported for the next check. */
  private applyExpire(id: string, slot: number): void {
    if (this.shard.find(id) !== slot) return;
    this.events.report(id, this.shard.regSeq(slot));
    this.shard.remove(slot);
  }

  private applyHeartbeat(id: string, t: number): boolean {
    const slot = this.liveSlot(id, t);
    if (slot === NIL) return false;
    this.shard.heartbeat(slot, t);
    return true;
  }

  private applyRemove(id: string, t: number): boolean {
    const slot = this.liveSlot(id, t);
    if (slot === NIL) return false;
    this.shard.remove(slot);
    return true;
  }
}
