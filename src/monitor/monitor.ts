import { NIL, Shard, SweepBatch } from '../core/index.js';
import { kWayMerge } from './k-way-merge.js';
import { shardOf, shardOfAscii } from './shard-hash.js';
import { ExpiryReports } from './expiry-reports.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_PING_INTERVAL_MS = 10_000;

export interface MonitorOptions {
  /** Number of shards (default 1). client_id -> shard by a stable hash. */
  shards?: number;
  /** Track ping deadlines, reported by `sweep` (default false). */
  trackPings?: boolean;
  /** Ping deadlines rounded up to this many ms (default 1; see ShardOptions.pingTickMs). */
  pingTickMs?: number;
  /** Queue expiries for the next `check` (default true). */
  queueExpiryReports?: boolean;
  /** Called with every sweep's findings, whichever operation ran the sweep. */
  onSweep?: (batch: SweepBatch) => void;
  /**
   * Sweep before every operation (default true: the deadline is the truth).
   * A live server turns it off and sweeps from its timer only, at its read
   * horizon (input-horizon.ts): otherwise the first heartbeat read
   * after a stall would expire the clients whose heartbeats are still queued.
   */
  sweepOnAccess?: boolean;
}

export interface ClientSettings {
  timeoutMs?: number;
  pingIntervalMs?: number;
}

/** What a transport keeps to heartbeat a client without a lookup by id. */
export interface ClientHandle {
  readonly shard: number;
  readonly handle: number;
}

export interface ClientStatus {
  clientId: string;
  lastSeenMsAgo: number;
  status: 'active';
}

export interface CheckResult {
  expired: string[];
  active: string[];
}

/** Visits live clients in registration order. */
export type LiveVisitor = (clientId: string, lastSeen: number) => void;

/**
 * The keep-alive monitor: N shards behind one API. Pure like the core: the
 * caller passes the time (integer ms, never going back: a smaller value is
 * read as the latest one seen).
 *
 * Every operation first sweeps at its `now`, so "expired" is a property of
 * the deadline, not of whether a sweep happened to run. Expiries found by
 * any sweep are queued (in the order the sweeps ran, registration order
 * within one sweep) and handed out, exactly once, by the next `check`.
 */
/** prefetchAscii's per-shard batch and the handles it peeked. */
interface PrefetchScratch {
  starts: Int32Array;
  ends: Int32Array;
  values: Float64Array;
}

export class KeepAliveMonitor {
  readonly shards: Shard[];
  private readonly reports = new ExpiryReports();
  private readonly batch = new SweepBatch();
  private readonly queueReports: boolean;
  private readonly onSweep: ((batch: SweepBatch) => void) | undefined;
  private readonly sweepOnAccess: boolean;
  private nextSeq = 0;
  private latest = 0;
  /** The time of the latest sweep: the wheels' time never goes back. */
  private sweptAt = 0;
  /**
   * At or before the earliest time any shard has work (Infinity: none), so
   * that a sweep, or an operation with sweepOnAccess, before it tests one
   * number, not every shard:
   * exact after a sweep (one pass over the shards there), lowered by what
   * may file earlier (a registration; a heartbeat that ends a pinged
   * silence), left as is by what only files later. Too low only costs a
   * sweep that finds nothing and makes it exact again.
   */
  private dueBound = Infinity;
  /**
   * The earliest time a shard's sweep would stage (SharedShard.nextStageAt),
   * read after each sweep: a sweep before both bounds has nothing to do.
   * Left as is between sweeps (staging is work done ahead, not due).
   */
  private stageBound = Infinity;
  private stoppedEarly = false;
  /** See takeRefiledAt. */
  private refiledAt = Infinity;
  private scratch: PrefetchScratch = { starts: new Int32Array(0), ends: new Int32Array(0), values: new Float64Array(0) };
  /** What prefetchAscii read, kept so that its reads are not optimised away. */
  private prefetchSink = 0;

  constructor(options: MonitorOptions = {}) {
    const count = options.shards ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`shards must be an integer >= 1, got ${count}`);
    this.queueReports = options.queueExpiryReports ?? true;
    this.onSweep = options.onSweep;
    this.sweepOnAccess = options.sweepOnAccess ?? true;
    this.shards = Array.from({ length: count }, () => new Shard({ trackPings: options.trackPings ?? false, pingTickMs: options.pingTickMs }));
  }

  /** Live clients, over all shards. */
  get size(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.size;
    return n;
  }

  /** The latest time this monitor has been told. */
  get now(): number {
    return this.latest;
  }

  register(clientId: string, settings: ClientSettings, now: number): ClientHandle {
    const t = this.advance(now);
    const index = shardOf(clientId, this.shards.length);
    const shard = this.shards[index];
    const seq = this.nextSeq;
    const slot = shard.register(
      clientId,
      settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      settings.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
      t,
      seq,
    );
    if (shard.regSeq(slot) === seq) this.nextSeq++;
    this.dueBound = Math.min(this.dueBound, shard.nextFireAt());
    return { shard: index, handle: shard.handleOf(slot) };
  }

  /**
   * last_seen := now. False when the client is unknown or expired. Sweeps
   * first only when this client is past its deadline (so that it is
   * reported): a heartbeat records, the sweeps re-key.
   */
  heartbeat(clientId: string, now: number): boolean {
    const shard = this.shards.length === 1 ? this.shards[0] : this.shards[shardOf(clientId, this.shards.length)];
    return this.beat(shard, shard.find(clientId), now);
  }

  /**
   * heartbeat() of the id whose characters are bytes[start, end), all
   * ASCII (an input line's bytes), without making its string.
   */
  heartbeatAscii(bytes: Uint8Array, start: number, end: number, now: number): boolean {
    const shard = this.shards.length === 1 ? this.shards[0] : this.shards[shardOfAscii(bytes, start, end, this.shards.length)];
    return this.beat(shard, shard.findAscii(bytes, start, end), now);
  }

  /**
   * A hint before heartbeatAscii of a batch of ids (the i-th at
   * bytes[starts[i], ends[i]), all ASCII): reads what those lookups will
   * read, a pass per step over the whole batch, so that their cache misses
   * overlap (Shard.prefetchAscii). Changes nothing (no time, no sweep).
   */
  prefetchAscii(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): void {
    const scratch = this.prefetchScratch(count);
    if (this.shards.length === 1) {
      this.prefetchSink += this.shards[0].prefetchAscii(bytes, starts, ends, count, scratch.values);
      return;
    }
    // Each shard's ids gathered into a batch of their own.
    for (let index = 0; index < this.shards.length; index++) {
      let n = 0;
      for (let i = 0; i < count; i++) {
        if (shardOfAscii(bytes, starts[i], ends[i], this.shards.length) !== index) continue;
        scratch.starts[n] = starts[i];
        scratch.ends[n++] = ends[i];
      }
      this.prefetchSink += this.shards[index].prefetchAscii(bytes, scratch.starts, scratch.ends, n, scratch.values);
    }
  }

  /** prefetchAscii's scratch, grown to hold `count` ids. */
  private prefetchScratch(count: number): PrefetchScratch {
    if (this.scratch.values.length < count) {
      const size = Math.max(count, 2 * this.scratch.values.length);
      this.scratch = { starts: new Int32Array(size), ends: new Int32Array(size), values: new Float64Array(size) };
    }
    return this.scratch;
  }

  /** Heartbeat by handle: no hashing, no lookup. False when that life ended. */
  heartbeatHandle(client: ClientHandle, now: number): boolean {
    const shard = this.shards[client.shard];
    return this.beat(shard, shard.slotOfHandle(client.handle), now);
  }

  /** Removes a live client without reporting it expired (its connection closed). */
  remove(clientId: string, now: number): boolean {
    this.advance(now);
    const shard = this.shards[shardOf(clientId, this.shards.length)];
    const slot = shard.find(clientId);
    if (slot === NIL) return false;
    shard.remove(slot);
    return true;
  }

  /** Whether `clientId` is live at `now`. */
  has(clientId: string, now: number): boolean {
    this.advance(now);
    return this.shards[shardOf(clientId, this.shards.length)].find(clientId) !== NIL;
  }

  /**
   * Expires and pings what is due at `now`; returns this sweep's findings
   * (in the order of SweepBatch; the batch is reused by the next call). Expiries are also
   * queued for the next `check`. `now` may be earlier than the latest
   * operation's time (a live monitor sweeps at its read horizon, behind the
   * heartbeats it has just recorded); sweeps never go back in time.
   */
  sweep(now: number, limit = Infinity): SweepBatch {
    const t = Math.max(this.sweptAt, Math.floor(now));
    this.latest = Math.max(this.latest, t);
    if (t < this.dueBound && t < this.stageBound) return this.nothingDue(t);
    return this.sweepAt(t, limit);
  }

  /**
   * A sweep at `t` before both bounds, when no shard has work: what sweepAt
   * would do there (each shard's sweep returns at its first test), without
   * touching a shard. A sweep a server runs between other work pays a cache
   * miss per line it touches, so this one touches this object and the
   * batch's counts, nothing else.
   */
  private nothingDue(t: number): SweepBatch {
    this.sweptAt = t;
    this.stoppedEarly = false;
    this.batch.clear();
    return this.batch;
  }

  /**
   * True when the last sweep stopped at its limit with more due: sweep
   * again (after letting the caller's event loop run).
   */
  get moreDue(): boolean {
    return this.stoppedEarly;
  }

  /** Hands out every queued expiry, then lists the live clients. */
  check(now: number): CheckResult {
    this.advance(now);
    const expired = this.reports.drain();
    return { expired, active: this.liveIds() };
  }

  /**
   * The live clients' ids in registration order. One shard: a walk of its
   * order into an array of the right length, reading no slot field but the
   * links (a check lists every client; through forEachLive's visitor, which
   * also reads each last-seen time, that walk was most of a check's cost).
   */
  private liveIds(): string[] {
    if (this.shards.length > 1) {
      const ids: string[] = [];
      this.mergeShards((id) => ids.push(id));
      return ids;
    }
    const shard = this.shards[0];
    const ids = new Array<string>(shard.size);
    let k = 0;
    for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) ids[k++] = shard.idOf(s);
    return ids;
  }

  status(now: number): ClientStatus[] {
    const t = this.advance(now);
    const out: ClientStatus[] = [];
    this.forEachLive((clientId, lastSeen) => out.push({ clientId, lastSeenMsAgo: t - lastSeen, status: 'active' }));
    return out;
  }

  /** The earliest time at which a sweep has work (expiry or ping); Infinity if none. */
  nextFireAt(): number {
    let next = Infinity;
    for (const shard of this.shards) next = Math.min(next, shard.nextFireAt());
    return next;
  }

  /** Visits live clients in registration order, merging the shards. */
  forEachLive(visit: LiveVisitor): void {
    if (this.shards.length === 1) {
      const shard = this.shards[0];
      for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) visit(shard.idOf(s), shard.lastSeen(s));
      return;
    }
    this.mergeShards(visit);
  }

  /** Bytes held in SharedArrayBuffers by all shards. */
  get sharedBytes(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.sharedBytes;
    return n;
  }

  private advance(now: number): number {
    this.latest = Math.max(this.latest, Math.floor(now));
    if (this.sweepOnAccess && this.dueBound <= this.latest) this.sweepAt(this.latest);
    return this.latest;
  }

  private beat(shard: Shard, slot: number, now: number): boolean {
    if (slot === NIL) return false;
    const t = Math.floor(now);
    if (t > this.latest) this.latest = t;
    if (this.sweepOnAccess && shard.mayBeExpired(slot, this.latest)) {
      this.sweepAt(this.latest);
      return false;
    }
    const refiled = shard.heartbeat(slot, this.latest);
    if (refiled < this.refiledAt) this.refiledAt = refiled;
    // Only a heartbeat that ended a pinged silence files its client earlier
    // (at `refiled`); any other leaves every filed time, and so the bound,
    // as it was. Not read from the slot: a heartbeat touches its hot record only (slot-store.ts).
    if (refiled < this.dueBound) this.dueBound = refiled;
    return true;
  }

  /**
   * The earliest time a heartbeat filed a client at since the last call,
   * when that was earlier than where it was filed (a heartbeat after a ping:
   * its next ping comes before its expiry); Infinity if none. A timer armed
   * for `nextFireAt` must be armed for this too. O(1).
   */
  takeRefiledAt(): number {
    const at = this.refiledAt;
    this.refiledAt = Infinity;
    return at;
  }

  /**
   * Sweeps every shard at `t`, handing out or moving at most `limit`
   * clients in all (a mass expiry then takes several calls: `moreDue`).
   */
  private sweepAt(t: number, limit = Infinity): SweepBatch {
    this.sweptAt = Math.max(this.sweptAt, t);
    const batch = this.batch;
    batch.clear();
    let budget = limit;
    let stopped = false;
    for (const shard of this.shards) {
      if (budget <= 0) {
        stopped ||= shard.nextFireAt() <= t;
        continue;
      }
      budget = shard.sweep(t, batch, budget);
      if (budget <= 0) stopped ||= shard.nextFireAt() <= t;
    }
    this.stoppedEarly = stopped;
    this.dueBound = this.nextFireAt();
    let stageBound = Infinity;
    for (const shard of this.shards) stageBound = Math.min(stageBound, shard.nextStageAt());
    this.stageBound = stageBound;
    if (batch.expiredCount > 0 && this.queueReports) this.reports.add(batch.expiredIds, batch.expiredSeqs, batch.expiredCount);
    if (this.onSweep && batch.expiredCount + batch.pingCount > 0) this.onSweep(batch);
    return batch;
  }

  /** The shards' registration orders merged by sequence (k-way-merge.ts). */
  private mergeShards(visit: LiveVisitor): void {
    const shards = this.shards;
    const cursor = shards.map((s) => s.firstInOrder());
    kWayMerge(
      shards.length,
      (i) => (cursor[i] === NIL ? Infinity : shards[i].regSeq(cursor[i])),
      (i) => {
        const shard = shards[i];
        const slot = cursor[i];
        visit(shard.idOf(slot), shard.lastSeen(slot));
        cursor[i] = shard.nextInOrder(slot);
      },
    );
  }
}
