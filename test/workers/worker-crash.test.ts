import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import { WorkerLiveMonitor } from '../../src/monitor/workers/worker-live-monitor.js';

/**
 * A worker that dies in the middle of a sweep loses nothing: the shard is
 * repaired from shared memory and the main thread's index, the task runs
 * again on the replacement worker, and every answer (expiries, pings, live
 * clients, later operations) is the in-process monitor's.
 */

interface Observed {
  pings: string[][];
  expired: string[][];
}

function setUp(shards: number, killWorkerOnce?: { shard: number; afterExpiries: number }) {
  const clock = new VirtualClock();
  const seen: Observed = { pings: [], expired: [] };
  const live = new WorkerLiveMonitor({
    shards,
    workers: 2,
    clock,
    trackPings: true,
    queueExpiryReports: true,
    sweepTimer: false,
    killWorkerOnce,
    events: {
      ping: (ids) => seen.pings.push([...ids]),
      expired: (ids) => seen.expired.push([...ids]),
    },
  });
  const refPings: string[] = [];
  const ref = new KeepAliveMonitor({
    shards,
    trackPings: true,
    queueExpiryReports: true,
    onSweep: (batch) => refPings.push(...batch.pingIds),
  });
  return { clock, live, ref, seen, refPings };
}

const threadIds = (live: WorkerLiveMonitor) => live.workerThreads.map((w) => w.threadId).sort();

describe('a worker dies mid-task: nothing is lost', () => {
  it('exits after releasing 300 of its expiries; the retry on a new worker finds them all', async () => {
    const { clock, live, ref, seen, refPings } = setUp(2, { shard: 0, afterExpiries: 300 });
    try {
      for (let i = 0; i < 4000; i++) {
        const settings = { timeoutMs: i % 2 === 0 ? 20 : 200, pingIntervalMs: 5 };
        live.register(`k${i}`, settings);
        ref.register(`k${i}`, settings, 0);
      }
      // Every client pinged once (its ping list emptied: repair must not ping it again).
      await live.sweep(6);
      ref.sweep(6);
      expect(refPings.length).toBe(4000);
      expect(seen.pings.flat().sort()).toEqual([...refPings].sort());
      for (let i = 0; i < 4000; i += 5) {
        clock.observe(10);
        expect(live.heartbeat(`k${i}`)).toBe(ref.heartbeat(`k${i}`, 10));
      }
      const before = threadIds(live);
      seen.pings = [];
      refPings.length = 0;
      const got = await live.check(21);
      const want = ref.check(21);
      expect(threadIds(live), 'a worker was replaced').not.toEqual(before);
      expect(got.expired.length).toBeGreaterThan(1000);
      expect(got).toEqual(want);
      expect(seen.expired.flat().sort()).toEqual([...want.expired].sort());
      // Pings of the round: the heartbeated clients (pinged again), nobody twice.
      expect(refPings.length).toBe(800);
      expect(seen.pings.flat().sort()).toEqual([...refPings].sort());
      expect(live.size).toBe(ref.size);
      // The repaired shard keeps working: more operations, then everyone expires.
      for (let i = 1; i < 4000; i += 2) expect(live.heartbeat(`k${i}`)).toBe(ref.heartbeat(`k${i}`, 21));
      live.register('late', { timeoutMs: 1 });
      ref.register('late', { timeoutMs: 1 }, 21);
      expect(await live.status()).toEqual(ref.status(21));
      expect(await live.check(100)).toEqual(ref.check(100));
      expect(await live.check(1000)).toEqual(ref.check(1000));
      expect(live.size).toBe(0);
    } finally {
      await live.close();
    }
  });

  it('worker threads terminated while a large sweep runs: the check is still exact', async () => {
    const { live, ref } = setUp(3);
    try {
      for (let i = 0; i < 60_000; i++) {
        const settings = { timeoutMs: 10 + (i % 4), pingIntervalMs: 1000 };
        live.register(`t${i}`, settings);
        ref.register(`t${i}`, settings, 0);
      }
      const before = threadIds(live);
      const pending = live.check(12);
      // Both threads, so that whichever runs a task dies under it.
      for (const worker of live.workerThreads) void worker.terminate();
      const got = await pending;
      expect(threadIds(live)).not.toEqual(before);
      expect(got).toEqual(ref.check(12));
      expect(await live.check(100)).toEqual(ref.check(100));
    } finally {
      await live.close();
    }
  });
});
