/** The dashboard's server-side pieces, without a gateway: sampling, delays, the table's query. */
import { describe, expect, it } from 'vitest';
import { aboutToExpire, queryClients, queryThreadClients } from '../../src/dashboard/client-query.js';
import { parseClientQuery } from '../../src/dashboard/dashboard-routes.js';
import { DetectionHistogram, EXACT_MS, tickDelays } from '../../src/dashboard/detection-histogram.js';
import { FeedSample } from '../../src/dashboard/feed-sample.js';
import { mergeLiveReports, type LiveReport } from '../../src/dashboard/live-report.js';
import { DETECTION_BOUNDS_MS, LiveStats } from '../../src/dashboard/live-stats.js';
import { RttSample, rttPercentiles } from '../../src/dashboard/rtt-sample.js';
import type { ClientRow, Tick } from '../../src/dashboard/wire.js';
import { VirtualClock, type Clock } from '../../src/monitor/clock.js';
import { ClientEntry, type Connection } from '../../src/transports/gateway/connection.js';
import { mergeClientPages } from '../../src/transports/gateway/threads/aggregate.js';

describe('FeedSample', () => {
  const fill = (sample: FeedSample, n: number): void => {
    for (let i = 0; i < n; i++) {
      const slot = sample.offer();
      if (slot >= 0) sample.put(slot, { kind: 'expired', at: i, clientId: `c${i}`, reason: 'closed' });
    }
  };

  it('keeps every event below its capacity, in time order', () => {
    const sample = new FeedSample(50);
    fill(sample, 30);
    const { events, seen } = sample.take();
    expect(seen).toBe(30);
    expect(events.map((e) => e.at)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(sample.take()).toEqual({ events: [], seen: 0 });
  });

  it('holds at most its capacity of a mass expiry and counts all of it', () => {
    const sample = new FeedSample(50);
    fill(sample, 100_000);
    const { events, seen } = sample.take();
    expect(seen).toBe(100_000);
    expect(events).toHaveLength(50);
    expect(new Set(events.map((e) => e.clientId)).size).toBe(50);
  });

  it('samples uniformly: early and late events are kept equally often', () => {
    // 2000 periods of 1000 events, 50 kept: each event is kept with p = 0.05.
    let early = 0;
    let late = 0;
    for (let run = 0; run < 2000; run++) {
      const sample = new FeedSample(50);
      fill(sample, 1000);
      for (const e of sample.take().events) {
        if (e.at < 100) early++;
        else if (e.at >= 900) late++;
      }
    }
    // Expected 10,000 each (sd about 100): far apart only if the sample is biased.
    expect(early).toBeGreaterThan(9000);
    expect(early).toBeLessThan(11000);
    expect(late).toBeGreaterThan(9000);
    expect(late).toBeLessThan(11000);
  });
});

describe('DetectionHistogram', () => {
  it("gives the tick's exact percentiles and moves its counts into the total", () => {
    const h = new DetectionHistogram();
    for (let i = 0; i < 98; i++) h.record(2);
    h.record(40);
    h.record(5000);
    expect(tickDelays([h.rollTick()])).toEqual({ count: 100, p50: 2, p99: 40, max: 5000 });
    expect(tickDelays([h.rollTick()])).toEqual({ count: 0, p50: null, p99: null, max: null });
    const buckets = h.buckets([1, 3, 50]);
    expect(buckets).toEqual([
      { le: 1, count: 0 },
      { le: 3, count: 98 },
      { le: 50, count: 1 },
      { le: null, count: 1 },
    ]);
  });

  it('counts negative delays apart (the promise the page shows) and caps the overflow bucket', () => {
    const h = new DetectionHistogram();
    h.record(-1);
    h.record(EXACT_MS + 10);
    expect(h.negative).toBe(1);
    expect(tickDelays([h.rollTick()])).toMatchObject({ count: 1, p50: EXACT_MS, max: EXACT_MS + 10 });
  });
});

describe('RttSample', () => {
  it('gives the exact nearest-rank p50/p99 of a second below its capacity, and null for a second without round trips', () => {
    const sample = new RttSample(1024);
    // 0.5, 1.0, ..., 50.0 ms in a shuffled order.
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) / 2);
    for (let i = 0; i < values.length; i++) sample.record(values[(i * 37) % 100]);
    expect(rttPercentiles([sample.rollTick()])).toEqual({ p50: 25, p99: 49.5, count: 100 });
    expect(sample.rollTick()).toBeNull();
    expect(rttPercentiles([null])).toBeNull();
  });

  it('keeps a uniform sample of a flood and counts all of it', () => {
    const sample = new RttSample(256);
    for (let i = 0; i < 100_000; i++) sample.record(i % 2 === 0 ? 1 : 100);
    const tick = rttPercentiles([sample.rollTick()]);
    expect(tick?.count).toBe(100_000);
    // Half the flood is 1 ms, half 100 ms: the sample's p99 is 100 and its median one of the two.
    expect(tick?.p99).toBe(100);
    expect([1, 100]).toContain(tick?.p50);
  });
});

/** A thread's report of its second, as LiveFeed.report makes it (no page open). */
function reportOf(stats: LiveStats, expiring: ClientRow[] = []): LiveReport {
  return { ...stats.roll(), detection: { buckets: stats.detection.buckets(DETECTION_BOUNDS_MS), negative: stats.detection.negative }, expiring, watchers: 0 };
}

/** The tick one thread's page gets (--threads 1: its report merged alone). */
function tickOf(stats: LiveStats): Tick {
  return mergeLiveReports([reportOf(stats)], 1).tick;
}

describe('LiveStats', () => {
  it('reports the round trips of a second as p50/p99', () => {
    const stats = new LiveStats({ connections: () => 1, clients: () => 1, pinged: () => 0, heartbeats: () => 0, threads: 0, ioThreads: 1 });
    for (const ms of [0.25, 0.5, 0.75, 52.125]) stats.roundTrip(ms);
    expect(tickOf(stats).rtt_ms).toEqual({ p50: 0.5, p99: 52.125, count: 4 });
    expect(tickOf(stats).rtt_ms).toBeNull();
  });

  it('rolls the counts of a second into per-second rates and starts over', () => {
    let heartbeats = 0;
    const stats = new LiveStats({ connections: () => 3, clients: () => 7, pinged: () => 1, heartbeats: () => heartbeats, threads: 2, ioThreads: 1 });
    heartbeats = 40;
    stats.expired('a', 1, 'closed', 3);
    stats.expired('b', 2, 'notified', 5);
    stats.moved('c', 4);
    stats.closed(1, 'keepalive_timeout', 1);
    stats.closed(9, 'no_client_registered', 0);
    stats.pinged(6);
    const tick = tickOf(stats);
    expect(tick).toMatchObject({ connections: 3, clients: 7, pinged: 1, threads: 2, rtt_ms: null, loop_lag_ms: null });
    expect(tick.detection_ms).toMatchObject({ count: 2, p50: 3, p99: 5 });
    expect(tick.heartbeats_per_s).toBeGreaterThan(0);
    expect(tick.pings_per_s).toBeGreaterThan(0);
    expect(Object.keys(tick.closes_per_s).sort()).toEqual(['keepalive_timeout', 'no_client_registered']);
    // The expiry's own close is not repeated in the feed; the reap is there.
    expect(tick.feed.map((e) => `${e.kind}:${e.clientId ?? e.connection}:${e.reason}`)).toEqual([
      'expired:a:closed',
      'expired:b:notified',
      'moved:c:registered elsewhere',
      'closed:9:no_client_registered',
    ]);
    expect(tick.feed_seen).toBe(4);
    const next = tickOf(stats);
    expect(next).toMatchObject({ pings_per_s: 0, heartbeats_per_s: 0, moves_per_s: 0, feed: [], feed_seen: 0, closes_per_s: {} });
    expect(next.expiries_per_s).toEqual({ closed: 0, notified: 0 });
  });
});

describe('mergeLiveReports (the stream over --threads N)', () => {
  const threadStats = (connections: number, clients: number): LiveStats =>
    new LiveStats({ connections: () => connections, clients: () => clients, pinged: () => 1, heartbeats: () => 0, threads: 0, ioThreads: 2 });
  const row = (client_id: string, deadline_in_ms: number, thread: number): ClientRow => ({
    client_id,
    deadline_in_ms,
    thread,
    last_seen_ms_ago: 0,
    timeout_ms: 1000,
    ping_interval_ms: 500,
    connection: 1,
    pinged: false,
    rtt_ms: null,
    srtt_ms: null,
  });

  it("sums both threads' figures and takes percentiles over both threads' delays and round trips", () => {
    const a = threadStats(10, 100);
    const b = threadStats(5, 50);
    // Thread a: 98 expiries 2 ms late; thread b: one 40 ms and one 700 ms late. Alone, b's p50 would be 40.
    for (let i = 0; i < 98; i++) a.expired(`a${i}`, 1, 'closed', 2);
    b.expired('b0', 2, 'notified', 40);
    b.expired('b1', 2, 'closed', 700);
    a.closed(3, 'no_client_registered', 0);
    b.closed(4, 'no_client_registered', 0);
    b.closed(5, 'client_closed', 0);
    a.roundTrip(1);
    b.roundTrip(3);
    b.roundTrip(5);
    const { tick, detection } = mergeLiveReports([reportOf(a), reportOf(b)], 2);
    expect(tick).toMatchObject({ connections: 15, clients: 150, pinged: 2, io_threads: 2, io_threads_reporting: 2 });
    expect(tick.detection_ms).toEqual({ count: 100, p50: 2, p99: 40, max: 700 });
    expect(tick.rtt_ms).toEqual({ p50: 3, p99: 5, count: 3 });
    expect(Object.keys(tick.closes_per_s).sort()).toEqual(['client_closed', 'no_client_registered']);
    expect(tick.expiries_per_s.closed).toBeGreaterThan(tick.expiries_per_s.notified);
    // The panel since start: both threads' counts, bucket by bucket.
    const total = detection.buckets.reduce((n, bucket) => n + bucket.count, 0);
    expect(total).toBe(100);
    expect(detection.buckets.find((bucket) => bucket.le === 3)?.count).toBe(98);
    expect(detection.buckets.find((bucket) => bucket.le === null)?.count).toBe(0);
    expect(detection.buckets.find((bucket) => bucket.le === 1000)?.count).toBe(1);
    // The feed: every event counted, a sample of at most 50 from both threads, in time order.
    expect(tick.feed_seen).toBe(98 + 2 + 3);
    expect(tick.feed).toHaveLength(50);
    const ats = tick.feed.map((e) => e.at);
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
  });

  it("keeps each thread's share of a sampled feed in proportion to what it saw", () => {
    const a = threadStats(1, 1);
    const b = threadStats(1, 1);
    for (let i = 0; i < 3000; i++) a.expired(`a${i}`, 1, 'closed', 1);
    for (let i = 0; i < 1000; i++) b.expired(`b${i}`, 2, 'closed', 1);
    const { tick } = mergeLiveReports([reportOf(a), reportOf(b)], 2);
    expect(tick.feed_seen).toBe(4000);
    expect(tick.feed.length).toBeLessThanOrEqual(50);
    const fromA = tick.feed.filter((e) => e.clientId?.startsWith('a')).length;
    const fromB = tick.feed.filter((e) => e.clientId?.startsWith('b')).length;
    expect(fromA).toBeGreaterThanOrEqual(36);
    expect(fromB).toBeGreaterThanOrEqual(12);
  });

  it("lists the soonest deadlines of both threads, and says when a thread's figures are missing", () => {
    const a = reportOf(threadStats(1, 1), [row('a-soon', -5, 0), row('a-late', 900, 0)]);
    const b = reportOf(threadStats(1, 1), [row('b-mid', 300, 1)]);
    const merged = mergeLiveReports([a, b], 2);
    expect(merged.expiring.map((r) => [r.client_id, r.thread])).toEqual([
      ['a-soon', 0],
      ['b-mid', 1],
      ['a-late', 0],
    ]);
    // One of three threads answered: its figures only, and the tick says so.
    expect(mergeLiveReports([reportOf(threadStats(4, 4))], 3).tick).toMatchObject({ io_threads: 3, io_threads_reporting: 1, clients: 4 });
  });
});

describe('client table query', () => {
  const conn = { id: 7 } as Connection;
  const entry = (id: string, lastSeen: number, timeoutMs = 10_000): ClientEntry =>
    new ClientEntry(id, conn, { shard: 0, handle: 0 }, true, 1000, timeoutMs, lastSeen);

  // 10,000 clients (more than one scan chunk), last seen 0..9999 in a shuffled order.
  const N = 10_000;
  const seen = Array.from({ length: N }, (_, i) => (i * 7919) % N);
  const all = seen.map((t, i) => entry(`c${String(i).padStart(5, '0')}`, t));
  const clock = new VirtualClock();
  clock.observe(N);
  const run = (q: Partial<Parameters<typeof queryClients>[3]>) =>
    queryClients(() => all.values(), () => all.length, clock, { prefix: '', order: 'oldest', offset: 0, limit: 50, ...q });

  it('pages every client, longest silent first, with no client twice', async () => {
    const ids = new Set<string>();
    let previousAge = Infinity;
    for (let offset = 0; offset < N; offset += 500) {
      const page = await run({ offset, limit: 500 });
      expect(page).toMatchObject({ total: N, matched: N, offset });
      for (const row of page.rows) {
        expect(row.last_seen_ms_ago).toBeLessThanOrEqual(previousAge);
        previousAge = row.last_seen_ms_ago;
        ids.add(row.client_id);
      }
    }
    expect(ids.size).toBe(N);
  });

  it('sorts most recently seen first and pages past the end to an empty page', async () => {
    const first = await run({ order: 'newest', limit: 3 });
    expect(first.rows.map((r) => r.last_seen_ms_ago)).toEqual([1, 2, 3]);
    const past = await run({ offset: N + 10 });
    expect(past).toMatchObject({ matched: N, offset: N, rows: [] });
  });

  it('filters by id prefix', async () => {
    const page = await run({ prefix: 'c0012', limit: 500 });
    expect(page.matched).toBe(10);
    expect(page.rows.map((r) => r.client_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `c0012${i}`));
    expect(page.rows[0]).toMatchObject({ timeout_ms: 10_000, ping_interval_ms: 1000, connection: 7, pinged: false });
  });

  it('lists clients past half their timeout, soonest deadline first', async () => {
    const rows = await aboutToExpire([entry('ok', 9000, 4000), entry('late', 1000, 10_000), entry('later', 2000, 10_000), entry('soon', 4000, 5000)].values(), () => clock.now(), 2);
    // Deadlines: late 11000, later 12000, soon 9000; ok is silent 1000 of 4000 (not past half).
    expect(rows.map((r) => [r.client_id, r.deadline_in_ms])).toEqual([
      ['soon', -1000],
      ['late', 1000],
    ]);
  });
});

describe('parseClientQuery', () => {
  it('takes defaults and rejects what it cannot serve, saying why', () => {
    expect(parseClientQuery('')).toEqual({ prefix: '', order: 'oldest', offset: 0, limit: 50 });
    expect(parseClientQuery('prefix=a%20b&order=newest&offset=100&limit=500')).toEqual({ prefix: 'a b', order: 'newest', offset: 100, limit: 500 });
    expect(parseClientQuery('order=sideways')).toMatch(/order must be/);
    expect(parseClientQuery('limit=501')).toMatch(/limit 1\.\.500/);
    expect(parseClientQuery('limit=0')).toMatch(/limit/);
    expect(parseClientQuery('offset=-1')).toMatch(/offset/);
    expect(parseClientQuery(`prefix=${'x'.repeat(257)}`)).toMatch(/prefix/);
  });
});

describe('client table merged over I/O threads', () => {
  const conn = { id: 1 } as Connection;
  // Two threads whose clocks started 2,000.4 ms apart: thread 1's t is thread 0's t + 2000.4.
  const threadClock = (origin: number, at: () => number): Clock => ({ now: at, observe: () => undefined, epochMs: (ms) => origin + ms });
  // 12 clients registered 0.3 ms apart on alternate threads, as each thread's integer clock reads it.
  const held = [0, 1].map((thread) =>
    Array.from({ length: 6 }, (_, i) => {
      const epoch = 10_000 + (2 * i + thread) * 0.3;
      const origin = thread === 0 ? 0 : 2000.4;
      return new ClientEntry(`m-${2 * i + thread}`, conn, { shard: 0, handle: 0 }, true, 1000, 60_000, Math.floor(epoch - origin));
    }),
  );

  /** One request: each thread answers at its own instant (`skew` ms apart), as the supervisor's gather does. */
  const request = async (offset: number, skew: number, order: 'oldest' | 'newest' = 'oldest') => {
    const query = { prefix: '', order, offset: 0, limit: offset + 5 };
    const pages = await Promise.all(
      [0, 1].map((thread) => {
        const origin = thread === 0 ? 0 : 2000.4;
        const at = 10_050 + thread * skew - origin;
        return queryThreadClients(() => held[thread].values(), () => 6, threadClock(origin, () => Math.floor(at)), query, thread);
      }),
    );
    return mergeClientPages(pages, { ...query, offset, limit: 5 }, 10_060);
  };

  it('pages the same order on every request whatever instant each thread answered at: no row twice, none skipped', async () => {
    for (const order of ['oldest', 'newest'] as const) {
      const rows = [];
      for (const [k, offset] of [0, 5, 10].entries()) rows.push(...(await request(offset, [0, 3, -2][k], order)).rows);
      const ids = rows.map((r) => r.client_id);
      expect(new Set(ids).size).toBe(12);
      const ages = rows.map((r) => r.last_seen_ms_ago);
      expect(ages).toEqual([...ages].sort((a, b) => (order === 'oldest' ? b - a : a - b)));
    }
  });

  it('reads every age against one instant: a row is as old as its last seen on the common time line', async () => {
    const page = await request(0, 7);
    expect(page).toMatchObject({ total: 12, matched: 12, offset: 0 });
    for (const row of page.rows) {
      const thread = Number(row.client_id.slice(2)) % 2;
      const origin = thread === 0 ? 0 : 2000.4;
      const entry = held[thread].find((e) => e.clientId === row.client_id) as ClientEntry;
      expect(row.last_seen_ms_ago).toBe(Math.round(10_060 - (origin + entry.lastSeen)));
      expect(row.deadline_in_ms).toBe(60_000 - row.last_seen_ms_ago);
    }
  });
});
