import { describe, expect, it } from 'vitest';
import { LazyHeapMonitor } from '../../bench/baselines/lazy-heap-monitor.js';
import { MapMonitor } from '../../bench/baselines/map-monitor.js';
import { assertSameExpiries, ExpiryLog } from '../../bench/core/expiry-log.js';
import { IdSource, makePopulation, parseProfiles, PROFILE_NAMES } from '../../bench/core/profiles.js';
import { heartbeatChurn, massExpiry, nothingDue, onePercentDue } from '../../bench/core/scenarios.js';
import { keepwatchSubject, lazyHeapSubject, mapSubject } from '../../bench/core/sweep-subject.js';
import { mulberry32 } from '../helpers/prng.js';

describe('traffic profiles', () => {
  it('realistic: a timeout per client over 5-300 s, mostly distinct; periods below the timeout; shuffled registration', () => {
    const p = makePopulation('realistic', 20_000);
    const distinct = new Set(p.timeoutMs).size;
    expect(distinct).toBeGreaterThan(18_000);
    let outside = 0;
    for (let i = 0; i < p.n; i++) {
      if (p.timeoutMs[i] < 5_000 || p.timeoutMs[i] > 300_000 || p.periodMs[i] >= p.timeoutMs[i] / 2) outside++;
    }
    expect(outside).toBe(0);
    expect(new Set(p.registrationOrder).size).toBe(p.n);
    expect(Array.from(p.registrationOrder.slice(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(p.freshIds).toBe(true);
  });

  it('tiers: four timeouts; uniform: one', () => {
    expect([...new Set(makePopulation('tiers', 5_000).timeoutMs)].sort((a, b) => a - b)).toEqual([10_000, 30_000, 60_000, 120_000]);
    expect([...new Set(makePopulation('uniform', 5_000).timeoutMs)]).toEqual([30_000]);
  });

  it('fresh ids are equal strings made anew per batch, in the order asked', () => {
    const source = new IdSource(makePopulation('realistic', 100));
    expect(source.batch([7, 3, 99])).toEqual(['client-7', 'client-3', 'client-99']);
    expect(source.batch(Uint32Array.of(1, 2, 3, 4), 1, 3)).toEqual(['client-2', 'client-3']);
  });

  it('--profile takes one name or all, and names the choices when wrong', () => {
    expect(parseProfiles(undefined)).toEqual(PROFILE_NAMES);
    expect(parseProfiles('tiers')).toEqual(['tiers']);
    expect(() => parseProfiles('bursty')).toThrow(/uniform, tiers, realistic/);
  });
});

describe('the lazy binary heap baseline', () => {
  it('expires exactly the clients the Map scan expires, sweep by sweep, on random traffic', () => {
    const random = mulberry32(7);
    const heap = new LazyHeapMonitor();
    const map = new MapMonitor();
    const heapLog = new ExpiryLog();
    const mapLog = new ExpiryLog();
    let now = 0;
    for (let step = 0; step < 3_000; step++) {
      now += Math.floor(random() * 5);
      const id = `c${Math.floor(random() * 300)}`;
      const op = random();
      if (op < 0.3) {
        const timeout = 1 + Math.floor(random() * 200);
        heap.register(id, timeout, now);
        map.register(id, timeout, now);
      } else if (op < 0.8) {
        expect(heap.heartbeat(id, now)).toBe(map.heartbeat(id, now));
      } else {
        expect(heap.sweep(now)).toBe(map.sweep(now));
        heapLog.record(heap.expired);
        mapLog.record(map.expired);
      }
    }
    expect(mapLog.total).toBeGreaterThan(100);
    expect(heapLog.firstDifference(mapLog)).toBe(-1);
    expect(heap.size).toBe(map.clients.size);
  });

  it('never expires at the timeout itself, only strictly after', () => {
    const heap = new LazyHeapMonitor();
    heap.register('a', 100, 0);
    heap.heartbeat('a', 50);
    expect(heap.sweep(150)).toBe(0);
    expect(heap.sweep(151)).toBe(1);
    expect(heap.expired).toEqual(['a']);
  });
});

describe('the expiry cross-check', () => {
  it('fails loudly when one implementation expires other clients at some sweep', () => {
    const a = new ExpiryLog();
    const b = new ExpiryLog();
    a.record(['x', 'y']);
    b.record(['y', 'x']); // order does not matter
    a.record(['z']);
    b.record(['w']);
    expect(() => assertSameExpiries('test', [['a', a], ['b', b]])).toThrow(/sweep 1/);
  });
});

describe('core scenarios on every profile: keepwatch, the Map scan and the lazy heap agree', () => {
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: (a)-(d) expire the same clients at the same sweeps`, async () => {
      const population = makePopulation(profile, 3_000);
      const subjects = () => [keepwatchSubject(1), mapSubject(), lazyHeapSubject()] as const;
      const labels = ['keepwatch', 'map', 'heap'];
      for (const run of [nothingDue, heartbeatChurn, onePercentDue]) {
        const results = [];
        for (const subject of subjects()) results.push(await run(subject, population, 120));
        assertSameExpiries(`${profile} ${run.name}`, results.map((r, k) => [labels[k], r.log] as const));
        if (run === onePercentDue) {
          // About 1% of the population per sweep (the schedule is built for it).
          const perSweep = results[0].expired / results[0].sweeps / population.n;
          expect(perSweep).toBeGreaterThan(0.005);
          expect(perSweep).toBeLessThan(0.02);
        } else {
          expect(results.map((r) => r.expired)).toEqual([0, 0, 0]);
        }
      }
      const mass = [];
      // keepwatch as bench:core runs it too: steps of at most 500 clients (the live monitor's limit, scaled down).
      for (const subject of [...subjects(), keepwatchSubject(1, 500)]) mass.push(await massExpiry(subject, population));
      expect(mass.map((m) => m.expired)).toEqual([3_000, 3_000, 3_000, 3_000]);
      expect(mass[0].sweeps).toBe(1);
      // 3,000 clients in steps of 500: six steps (plus none after the last: moreDue is false once all are out).
      expect(mass[3].sweeps).toBe(6);
      expect(mass[3].longestPauseNs).toBeLessThanOrEqual(mass[3].totalNs);
      expect(mass[3].longestPauseCpuNs).toBeLessThanOrEqual(mass[3].longestPauseNs);
      assertSameExpiries(`${profile} mass`, mass.map((m, k) => [labels[k] ?? 'keepwatch stepped', m.log.merged()] as const));
    });
  }
});
