/** The dashboard's server-side pieces, without a gateway: sampling, delays, the table's query. */
import { describe, expect, it } from 'vitest';
import { aboutToExpire, queryClients } from '../../src/dashboard/client-query.js';
import { parseClientQuery } from '../../src/dashboard/dashboard-routes.js';
import { DetectionHistogram, EXACT_MS } from '../../src/dashboard/detection-histogram.js';
import { FeedSample } from '../../src/dashboard/feed-sample.js';
import { LiveStats } from '../../src/dashboard/live-stats.js';
import { RttSample } from '../../src/dashboard/rtt-sample.js';
import { ClientEntry, type Connection } from '../../src/transports/gateway/connection.js';

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
    expect(h.rollTick()).toEqual({ count: 100, p50: 2, p99: 40, max: 5000 });
    expect(h.rollTick()).toEqual({ count: 0, p50: null, p99: null, max: null });
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
    expect(h.rollTick()).toMatchObject({ count: 1, p50: EXACT_MS, max: EXACT_MS + 10 });
  });
});

describe('RttSample', () => {
  it('gives the exact nearest-rank p50/p99 of a second below its capacity, and null for a second without round trips', () => {
    const sample = new RttSample(1024);
    // 0.5, 1.0, ..., 50.0 ms in a shuffled order.
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) / 2);
    for (let i = 0; i < values.length; i++) sample.record(values[(i * 37) % 100]);
    expect(sample.rollTick()).toEqual({ p50: 25, p99: 49.5, count: 100 });
    expect(sample.rollTick()).toBeNull();
  });

  it('keeps a uniform sample of a flood and counts all of it', () => {
    const sample = new RttSample(256);
    for (let i = 0; i < 100_000; i++) sample.record(i % 2 === 0 ? 1 : 100);
    const tick = sample.rollTick();
    expect(tick?.count).toBe(100_000);
    // Half the flood is 1 ms, half 100 ms: the sample's p99 is 100 and its median one of the two.
    expect(tick?.p99).toBe(100);
    expect([1, 100]).toContain(tick?.p50);
  });
});

describe('LiveStats', () => {
  it('reports the round trips of a second as p50/p99', () => {
    const stats = new LiveStats({ connections: () => 1, clients: () => 1, pinged: () => 0, heartbeats: () => 0, threads: 0, ioThreads: 1 });
    for (const ms of [0.25, 0.5, 0.75, 52.125]) stats.roundTrip(ms);
    expect(stats.tick().rtt_ms).toEqual({ p50: 0.5, p99: 52.125, count: 4 });
    expect(stats.tick().rtt_ms).toBeNull();
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
    const tick = stats.tick();
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
    const next = stats.tick();
    expect(next).toMatchObject({ pings_per_s: 0, heartbeats_per_s: 0, moves_per_s: 0, feed: [], feed_seen: 0, closes_per_s: {} });
    expect(next.expiries_per_s).toEqual({ closed: 0, notified: 0 });
  });
});

describe('client table query', () => {
  const conn = { id: 7 } as Connection;
  const entry = (id: string, lastSeen: number, timeoutMs = 10_000): ClientEntry =>
    new ClientEntry(id, conn, { shard: 0, handle: 0 }, 1000, timeoutMs, lastSeen);

  // 10,000 clients (more than one scan chunk), last seen 0..9999 in a shuffled order.
  const N = 10_000;
  const seen = Array.from({ length: N }, (_, i) => (i * 7919) % N);
  const all = seen.map((t, i) => entry(`c${String(i).padStart(5, '0')}`, t));
  const now = (): number => N;
  const run = (q: Partial<Parameters<typeof queryClients>[3]>) =>
    queryClients(() => all.values(), () => all.length, now, { prefix: '', order: 'oldest', offset: 0, limit: 50, ...q });

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
    const rows = await aboutToExpire([entry('ok', 9000, 4000), entry('late', 1000, 10_000), entry('later', 2000, 10_000), entry('soon', 4000, 5000)].values(), now, 2);
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
