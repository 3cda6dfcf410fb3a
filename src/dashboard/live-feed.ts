import type { ClientEntry } from '../transports/gateway/connection.js';
import { aboutToExpire } from './client-query.js';
import type { EventStream } from './event-stream.js';
import { DETECTION_BOUNDS_MS, type LiveStats } from './live-stats.js';
import type { ClientRow, DetectionPanel, FeedEvent, HelloMessage, Tick, TickMessage } from './wire.js';

/** Ticks kept for a page that opens now: five minutes of charts. */
export const HISTORY_TICKS = 300;
/** Rows in the "about to expire" panel. */
export const EXPIRING_ROWS = 20;
/** Feed events a page that opens gets from before it opened. */
export const RECENT_FEED = 100;
const TICK_MS = 1000;

export interface LiveFeedSources {
  entries(): Iterator<ClientEntry>;
  /** Clock ms (the gateway's clock, for client ages). */
  now(): number;
}

/**
 * The 1 Hz heartbeat of the dashboard: rolls LiveStats into a Tick each
 * second, keeps the last HISTORY_TICKS (a ring, fixed memory), and sends
 * each tick to every open page as one server-sent event. Work that scales
 * with the number of clients (the "about to expire" scan, O(n) chunked)
 * runs only while at least one page is open, at most one at a time.
 */
export class LiveFeed {
  private readonly history: (Tick | undefined)[] = new Array<Tick | undefined>(HISTORY_TICKS);
  private next = 0;
  private readonly streams = new Set<EventStream>();
  private expiring: ClientRow[] = [];
  private scanning = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stats: LiveStats,
    private readonly sources: LiveFeedSources,
  ) {
    this.timer = setInterval(() => this.onTick(), TICK_MS);
    this.timer.unref();
  }

  get watchers(): number {
    return this.streams.size;
  }

  /** A page connected: it gets the history and the detection panel at once, then every tick. */
  add(stream: EventStream): void {
    this.streams.add(stream);
    this.stats.watchLoopLag(true);
    const hello: HelloMessage = { history: this.ticks(), feed: this.recentFeed(), detection: this.detectionPanel(), expiring: this.expiring };
    stream.send('hello', JSON.stringify(hello));
    if (this.streams.size === 1) this.refreshExpiring();
  }

  remove(stream: EventStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stats.watchLoopLag(false);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const stream of this.streams) stream.close();
    this.streams.clear();
    this.stats.watchLoopLag(false);
  }

  private onTick(): void {
    const tick = this.stats.tick();
    this.history[this.next] = tick;
    this.next = (this.next + 1) % HISTORY_TICKS;
    if (this.streams.size === 0) return;
    const message: TickMessage = { tick, detection: this.detectionPanel(), expiring: this.expiring };
    const json = JSON.stringify(message);
    for (const stream of this.streams) stream.send('tick', json);
    this.refreshExpiring();
  }

  private refreshExpiring(): void {
    if (this.scanning) return;
    this.scanning = true;
    aboutToExpire(this.sources.entries(), this.sources.now, EXPIRING_ROWS).then(
      (rows) => {
        this.expiring = rows;
        this.scanning = false;
      },
      () => {
        this.scanning = false;
      },
    );
  }

  private detectionPanel(): DetectionPanel {
    return { buckets: this.stats.detection.buckets(DETECTION_BOUNDS_MS), negative: this.stats.detection.negative };
  }

  /** The latest RECENT_FEED sampled events, oldest first: a page that opens now sees what just happened. */
  private recentFeed(): FeedEvent[] {
    const out: FeedEvent[] = [];
    for (let i = 1; i <= HISTORY_TICKS && out.length < RECENT_FEED; i++) {
      const tick = this.history[(this.next - i + HISTORY_TICKS) % HISTORY_TICKS];
      if (tick === undefined) break;
      for (let j = tick.feed.length - 1; j >= 0 && out.length < RECENT_FEED; j--) out.push(tick.feed[j]);
    }
    return out.reverse();
  }

  /** The kept ticks, oldest first, without their feed samples (recentFeed sends those). */
  private ticks(): Tick[] {
    const out: Tick[] = [];
    for (let i = 0; i < HISTORY_TICKS; i++) {
      const tick = this.history[(this.next + i) % HISTORY_TICKS];
      if (tick !== undefined) out.push({ ...tick, feed: [], feed_seen: 0 });
    }
    return out;
  }
}
