import type { Clock } from '../../monitor/clock.js';
import type { ClientEntry } from './connection.js';

/**
 * Pings are sent in ticks of this many ms (they are not deadline-critical;
 * expiry is): every wake-up of an idle server costs more than the pings it
 * sends, so fewer, fuller ticks keep 15,000 quiet connections cheap.
 */
const TICK_MS = 16;

interface PendingPing {
  entry: ClientEntry;
  /** The client's last activity when the ping fell due: any later activity cancels it. */
  lastSeen: number;
}

/**
 * Spreads pings: a client due a ping is pinged after a random delay in
 * [0, min(jitterMs, ping_interval_ms / 10)). Clients registered in the
 * same instant fall due in the same instant, and without jitter 100,000 of
 * them would be pinged in the same millisecond (and answer together, and
 * be pinged together again, forever). One random delay at each silence
 * breaks the cohort up for good; the cap at a tenth of the interval keeps
 * the ping well ahead of the timeout. Pending pings wait in buckets of
 * TICK_MS, under one timer that runs only while some are pending.
 */
export class PingPacer {
  private readonly buckets = new Map<number, PendingPing[]>();
  private pending = 0;
  private nextTick = -1;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly jitterMs: number,
    /** Sends a batch of pings (one tick's, or one due now). */
    private readonly send: (entries: readonly ClientEntry[]) => void,
  ) {}

  /** Clients due a ping now: sent at once (no jitter window) or put in their bucket. */
  schedule(entries: readonly ClientEntry[]): void {
    const now = this.clock.now();
    const immediate: ClientEntry[] = [];
    for (const entry of entries) {
      const windowMs = Math.min(this.jitterMs, Math.floor(entry.pingIntervalMs / 10));
      if (windowMs < 1) immediate.push(entry);
      else this.delay(entry, now, windowMs);
    }
    if (immediate.length > 0) this.send(immediate);
  }

  private delay(entry: ClientEntry, now: number, windowMs: number): void {
    if (this.pending === 0) this.nextTick = Math.floor(now / TICK_MS);
    // Never behind the tick being drained: a bucket already passed would never be visited.
    const tick = Math.max(this.nextTick, Math.floor((now + Math.random() * windowMs) / TICK_MS));
    let bucket = this.buckets.get(tick);
    if (bucket === undefined) this.buckets.set(tick, (bucket = []));
    bucket.push({ entry, lastSeen: entry.lastSeen });
    this.pending++;
    this.timer ??= setTimeout(() => this.onTick(), TICK_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.buckets.clear();
    this.pending = 0;
  }

  private onTick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const nowTick = Math.floor(this.clock.now() / TICK_MS);
    const due: ClientEntry[] = [];
    for (; this.nextTick <= nowTick && this.pending > 0; this.nextTick++) {
      const bucket = this.buckets.get(this.nextTick);
      if (bucket === undefined) continue;
      this.buckets.delete(this.nextTick);
      this.pending -= bucket.length;
      for (const ping of bucket) {
        // Still this client's life, on a live connection, and still silent.
        if (ping.entry.lastSeen === ping.lastSeen && !ping.entry.conn.closed && ping.entry.conn.client(ping.entry.clientId) === ping.entry) {
          due.push(ping.entry);
        }
      }
    }
    if (due.length > 0) this.send(due);
    if (this.pending > 0) this.timer = setTimeout(() => this.onTick(), TICK_MS);
  }
}
