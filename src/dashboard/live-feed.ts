import type { ClientEntry } from '../transports/gateway/connection.js';
import { aboutToExpire } from './client-query.js';
import type { EventStream } from './event-stream.js';
import { EXPIRING_ROWS, mergeLiveReports, type LiveReport } from './live-report.js';
import { DETECTION_BOUNDS_MS, type LiveStats } from './live-stats.js';
import type { ClientRow, FeedEvent, HelloMessage, Tick, TickMessage } from './wire.js';

/** Ticks kept for a page that opens now: five minutes of charts. */
export const HISTORY_TICKS = 300;
/** Feed events a page that opens gets from before it opened. */
export const RECENT_FEED = 100;
const TICK_MS = 1000;

export interface LiveFeedSources {
  entries(): Iterator<ClientEntry>;
  /** Clock ms (the gateway's clock, for client ages). */
  now(): number;
  /** I/O threads (--threads). */
  ioThreads: number;
  /** With several I/O threads: this one's number (rows name it). */
  thread?: number;
  /** A cluster member (--redis): the page shows the nodes. */
  clustered: boolean;
}

/**
 * The 1 Hz heartbeat of the dashboard: each second this thread's figures
 * are rolled into a LiveReport, the reports of every thread are merged
 * into one TickMessage (mergeLiveReports), and `publish` keeps it in the
 * last HISTORY_TICKS (a ring, fixed memory) and sends it to every page
 * open on this thread as one server-sent event.
 *
 * Who drives the second: with one I/O thread, this feed's own timer
 * (report, merge alone, publish); with several (`driven: 'supervisor'`),
 * the supervisor asks every thread for its report, merges them and hands
 * every thread the same message to publish, so a page sees the whole
 * process whichever thread serves it.
 *
 * Work that scales with the number of clients (the "about to expire" scan,
 * O(n) chunked) runs only while a page is open (on any thread), at most
 * one at a time.
 */
export class LiveFeed {
  private readonly history: (Tick | undefined)[] = new Array<Tick | undefined>(HISTORY_TICKS);
  private next = 0;
  private readonly streams = new Set<EventStream>();
  /** This thread's soonest deadlines, from the latest scan. */
  private expiring: ClientRow[] = [];
  private latest: TickMessage | undefined;
  private scanning = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stats: LiveStats,
    private readonly sources: LiveFeedSources,
    driven: 'own-timer' | 'supervisor',
  ) {
    if (driven === 'own-timer') {
      this.timer = setInterval(() => this.publish(mergeLiveReports([this.report(false)], sources.ioThreads)), TICK_MS);
      this.timer.unref();
    }
  }

  get watchers(): number {
    return this.streams.size;
  }

  /** A page connected: it gets the history, the latest panels and recent feed at once, then every tick. */
  add(stream: EventStream): void {
    this.streams.add(stream);
    this.stats.watchLoopLag(true);
    const hello: HelloMessage = {
      clustered: this.sources.clustered,
      history: this.ticks(),
      feed: this.recentFeed(),
      detection: this.latest?.detection ?? this.localDetection(),
      expiring: this.latest?.expiring ?? [],
    };
    stream.send('hello', JSON.stringify(hello));
    if (this.streams.size === 1) this.refreshExpiring();
  }

  remove(stream: EventStream): void {
    this.streams.delete(stream);
  }

  /**
   * Rolls this thread's second. `watched`: a page is open on another
   * thread (this thread's own pages count too): the loop-lag sampler and
   * the "about to expire" scan run only then.
   */
  report(watched: boolean): LiveReport {
    const watching = watched || this.streams.size > 0;
    this.stats.watchLoopLag(watching);
    const report: LiveReport = {
      ...this.stats.roll(),
      detection: this.localDetection(),
      expiring: watching ? this.expiring : [],
      watchers: this.streams.size,
    };
    if (watching) this.refreshExpiring();
    return report;
  }

  /** The process's second (mergeLiveReports): kept for pages that open later, sent to the open ones. */
  publish(message: TickMessage): void {
    this.latest = message;
    this.history[this.next] = message.tick;
    this.next = (this.next + 1) % HISTORY_TICKS;
    if (this.streams.size === 0) return;
    const json = JSON.stringify(message);
    for (const stream of this.streams) stream.send('tick', json);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const stream of this.streams) stream.close();
    this.streams.clear();
    this.stats.watchLoopLag(false);
  }

  private refreshExpiring(): void {
    if (this.scanning) return;
    this.scanning = true;
    aboutToExpire(this.sources.entries(), this.sources.now, EXPIRING_ROWS, this.sources.thread).then(
      (rows) => {
        this.expiring = rows;
        this.scanning = false;
      },
      () => {
        this.scanning = false;
      },
    );
  }

  private localDetection(): TickMessage['detection'] {
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
