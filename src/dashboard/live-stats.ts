import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { GatewayEventTap } from '../transports/gateway/event-tap.js';
import { DetectionHistogram } from './detection-histogram.js';
import { FeedSample } from './feed-sample.js';
import { RttSample } from './rtt-sample.js';
import { FEED_PER_TICK, type StatsRoll, type TickFigures } from './live-report.js';

/** What the gateway reads out for a tick (live figures, not counted per message here). */
export interface StatsSources {
  connections(): number;
  clients(): number;
  pinged(): number;
  /** Heartbeats since start (the registry's counter). */
  heartbeats(): number;
  /** Shard worker threads (0: the monitor runs on the main thread). */
  threads: number;
  /** I/O threads (--threads). */
  ioThreads: number;
}

/** Bucket bounds (ms, exclusive) of the detection panel. */
export const DETECTION_BOUNDS_MS = [1, 2, 3, 5, 10, 20, 50, 100, 250, 500, 1000];

/**
 * The dashboard's view of one gateway thread: the event tap (O(1) per
 * event: counters, the detection histogram, the feed's reservoir sample)
 * and the 1 Hz roll-up of its second (StatsRoll: figures, and the delays
 * and round trips as parts that add up across threads). Memory: fixed (counters, the histogram's
 * arrays, FEED_PER_TICK events, the close-reason map bounded by the
 * gateway's fixed set of reasons).
 */
export class LiveStats implements GatewayEventTap {
  readonly detection = new DetectionHistogram();
  private readonly feedSample = new FeedSample(FEED_PER_TICK);
  private readonly rtt = new RttSample();
  private expiredClosed = 0;
  private expiredNotified = 0;
  private pings = 0;
  private moves = 0;
  private closes: Record<string, number> = {};
  private lastHeartbeats = 0;
  private lastTickAt = performance.now();
  private lag: IntervalHistogram | undefined;

  constructor(private readonly sources: StatsSources) {
    this.lastHeartbeats = sources.heartbeats();
  }

  expired(clientId: string, connection: number, action: 'closed' | 'notified', delayMs: number): void {
    if (action === 'closed') this.expiredClosed++;
    else this.expiredNotified++;
    this.detection.record(delayMs);
    const slot = this.feedSample.offer();
    if (slot >= 0) this.feedSample.put(slot, { kind: 'expired', at: Date.now(), clientId, connection, reason: action, delayMs });
  }

  moved(clientId: string, from: number): void {
    this.moves++;
    const slot = this.feedSample.offer();
    if (slot >= 0) this.feedSample.put(slot, { kind: 'moved', at: Date.now(), clientId, connection: from, reason: 'registered elsewhere' });
  }

  closed(connection: number, reason: string, clientsRemoved: number): void {
    this.closes[reason] = (this.closes[reason] ?? 0) + 1;
    // An expiry's close is already in the feed as the expiry.
    if (reason === 'keepalive_timeout') return;
    const slot = this.feedSample.offer();
    if (slot >= 0) this.feedSample.put(slot, { kind: 'closed', at: Date.now(), connection, reason: clientsRemoved > 0 ? `${reason} (${clientsRemoved} clients)` : reason });
  }

  pinged(count: number): void {
    this.pings += count;
  }

  roundTrip(ms: number): void {
    this.rtt.record(ms);
  }

  /** Event-loop delay sampling costs a timer; it runs only while a page watches. */
  watchLoopLag(on: boolean): void {
    if (on && this.lag === undefined) {
      this.lag = monitorEventLoopDelay({ resolution: 20 });
      this.lag.enable();
    } else if (!on && this.lag !== undefined) {
      this.lag.disable();
      this.lag = undefined;
    }
  }

  /** Rolls the counters since the previous roll into this thread's second and starts a new one. */
  roll(): StatsRoll {
    const at = performance.now();
    const seconds = Math.max(0.001, (at - this.lastTickAt) / 1000);
    this.lastTickAt = at;
    const rate = (n: number): number => Math.round((n / seconds) * 10) / 10;
    const heartbeats = this.sources.heartbeats();
    const closes: Record<string, number> = {};
    for (const [reason, n] of Object.entries(this.closes)) closes[reason] = rate(n);
    const feed = this.feedSample.take();
    const figures: TickFigures = {
      t: Date.now(),
      connections: this.sources.connections(),
      clients: this.sources.clients(),
      pinged: this.sources.pinged(),
      threads: this.sources.threads,
      io_threads: this.sources.ioThreads,
      heartbeats_per_s: rate(heartbeats - this.lastHeartbeats),
      pings_per_s: rate(this.pings),
      expiries_per_s: { closed: rate(this.expiredClosed), notified: rate(this.expiredNotified) },
      closes_per_s: closes,
      moves_per_s: rate(this.moves),
      loop_lag_ms: this.readLag(),
      feed: feed.events,
      feed_seen: feed.seen,
    };
    this.lastHeartbeats = heartbeats;
    this.expiredClosed = 0;
    this.expiredNotified = 0;
    this.pings = 0;
    this.moves = 0;
    this.closes = {};
    return { figures, delays: this.detection.rollTick(), rtt: this.rtt.rollTick() };
  }

  private readLag(): { mean: number; max: number } | null {
    const lag = this.lag;
    if (lag === undefined || lag.count === 0) return null;
    // The sampler's own resolution is counted in its delays: subtract it.
    const out = { mean: Math.max(0, lag.mean / 1e6 - 20), max: Math.max(0, lag.max / 1e6 - 20) };
    lag.reset();
    return { mean: Math.round(out.mean * 10) / 10, max: Math.round(out.max * 10) / 10 };
  }
}
