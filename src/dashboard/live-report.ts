import { tickDelays, type DelayCounts } from './detection-histogram.js';
import { rttPercentiles, type RttPart } from './rtt-sample.js';
import type { ClientRow, DetectionPanel, FeedEvent, Tick, TickMessage } from './wire.js';

/** A thread's figures for its second: a Tick but for what is computed over every thread's parts. */
export type TickFigures = Omit<Tick, 'detection_ms' | 'rtt_ms' | 'io_threads_reporting'>;

/** LiveStats' roll of one second: figures, and the delays and round trips as parts that add up. */
export interface StatsRoll {
  figures: TickFigures;
  delays: DelayCounts;
  rtt: RttPart | null;
}

/**
 * One I/O thread's second for the dashboard's stream (LiveFeed.report):
 * what mergeLiveReports adds up, once a second, into the one message every
 * page gets. With --threads 1 the thread's own report is merged alone.
 */
export interface LiveReport extends StatsRoll {
  /** The detection panel since start (this thread's counts). */
  detection: DetectionPanel;
  /** Its soonest deadlines (empty while no page watches). */
  expiring: ClientRow[];
  /** Pages reading this thread's stream. */
  watchers: number;
}

/** Feed events per tick the page receives at most. */
export const FEED_PER_TICK = 50;
/** Rows in the "about to expire" panel. */
export const EXPIRING_ROWS = 20;

/**
 * The process's second from its threads' reports: counts and rates summed,
 * delay and round-trip percentiles over every thread's parts (exact for
 * delays), the detection panel summed bucket by bucket, the soonest
 * deadlines of all, the feed samples merged into one sample of at most
 * FEED_PER_TICK. `ioThreads`: how many threads there are (some may not have
 * answered). O(threads x (EXACT_MS + sample sizes)).
 */
export function mergeLiveReports(reports: readonly LiveReport[], ioThreads: number): TickMessage {
  const figures = reports.map((r) => r.figures);
  const sum = (pick: (f: TickFigures) => number): number => round1(figures.reduce((n, f) => n + pick(f), 0));
  const feed = mergeFeeds(figures);
  const tick: Tick = {
    t: Math.max(...figures.map((f) => f.t)),
    connections: sum((f) => f.connections),
    clients: sum((f) => f.clients),
    pinged: sum((f) => f.pinged),
    threads: sum((f) => f.threads),
    io_threads: ioThreads,
    ...(ioThreads > 1 ? { io_threads_reporting: reports.length } : {}),
    heartbeats_per_s: sum((f) => f.heartbeats_per_s),
    pings_per_s: sum((f) => f.pings_per_s),
    expiries_per_s: { closed: sum((f) => f.expiries_per_s.closed), notified: sum((f) => f.expiries_per_s.notified) },
    closes_per_s: sumByKey(figures.map((f) => f.closes_per_s)),
    moves_per_s: sum((f) => f.moves_per_s),
    loop_lag_ms: mergeLag(figures),
    detection_ms: tickDelays(reports.map((r) => r.delays)),
    rtt_ms: rttPercentiles(reports.map((r) => r.rtt)),
    feed: feed.events,
    feed_seen: feed.seen,
  };
  return { tick, detection: mergeDetection(reports.map((r) => r.detection)), expiring: soonest(reports.map((r) => r.expiring)) };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function sumByKey(parts: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of parts) for (const [key, n] of Object.entries(part)) out[key] = round1((out[key] ?? 0) + n);
  return out;
}

/** Mean of the threads' means, max of their maxes: the worst loop is what an operator looks for. */
function mergeLag(figures: readonly TickFigures[]): Tick['loop_lag_ms'] {
  const lags = figures.flatMap((f) => (f.loop_lag_ms === null ? [] : [f.loop_lag_ms]));
  if (lags.length === 0) return null;
  return { mean: round1(lags.reduce((n, l) => n + l.mean, 0) / lags.length), max: Math.max(...lags.map((l) => l.max)) };
}

/**
 * One sample of at most FEED_PER_TICK from the threads' uniform samples:
 * each thread keeps a share in proportion to the events it saw, picked
 * evenly across its (time-ordered) sample, so a busy thread is not
 * drowned by a quiet one's few events. With one thread: its sample as is.
 */
function mergeFeeds(figures: readonly TickFigures[]): { events: FeedEvent[]; seen: number } {
  const seen = figures.reduce((n, f) => n + f.feed_seen, 0);
  const all = figures.reduce((n, f) => n + f.feed.length, 0);
  if (all <= FEED_PER_TICK) return { events: figures.flatMap((f) => f.feed).sort((a, b) => a.at - b.at), seen };
  const events: FeedEvent[] = [];
  for (const f of figures) {
    const share = Math.min(f.feed.length, Math.round((FEED_PER_TICK * f.feed_seen) / seen));
    for (let i = 0; i < share; i++) events.push(f.feed[Math.floor((i * f.feed.length) / share)]);
  }
  return { events: events.slice(0, FEED_PER_TICK).sort((a, b) => a.at - b.at), seen };
}

function mergeDetection(panels: readonly DetectionPanel[]): DetectionPanel {
  const buckets = panels[0]?.buckets.map((b) => ({ le: b.le, count: 0 })) ?? [];
  let negative = 0;
  for (const panel of panels) {
    negative += panel.negative;
    panel.buckets.forEach((b, i) => (buckets[i].count += b.count));
  }
  return { buckets, negative };
}

/** Every thread's soonest deadlines, soonest first, EXPIRING_ROWS of them. */
function soonest(lists: readonly ClientRow[][]): ClientRow[] {
  if (lists.length === 1) return lists[0];
  return lists
    .flat()
    .sort((a, b) => a.deadline_in_ms - b.deadline_in_ms)
    .slice(0, EXPIRING_ROWS);
}
