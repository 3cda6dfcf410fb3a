import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import type { ShardTaskRunner } from '../../src/monitor/workers/worker-live-monitor.js';
import { WorkerLiveMonitor } from '../../src/monitor/workers/worker-live-monitor.js';
import { builtShardWorkerEntry } from '../helpers/shard-workers.js';

/**
 * A shard task that keeps failing on the pool (here: its runner always
 * throws for shard 0) must not cost a single expiry: the other shards of
 * the round are given back only when their own tasks are settled, and the
 * failing shard's task runs on the main thread instead. Every expiry is
 * reported exactly once, as the in-process monitor reports it.
 */

const CLIENTS = 6000;

function setUp(runTask: ShardTaskRunner) {
  const clock = new VirtualClock();
  const events: string[] = [];
  const live = new WorkerLiveMonitor({
    shards: 4,
    workers: 2,
    workerEntry: builtShardWorkerEntry,
    clock,
    trackPings: false,
    queueExpiryReports: true,
    sweepTimer: false,
    runTask,
    events: { expired: ({ ids, count }) => events.push(...ids.slice(0, count)) },
  });
  const ref = new KeepAliveMonitor({ shards: 4, queueExpiryReports: true });
  for (let i = 0; i < CLIENTS; i++) {
    const settings = { timeoutMs: 10 + (i % 7) };
    live.register(`c${i}`, settings);
    ref.register(`c${i}`, settings, 0);
  }
  return { clock, live, ref, events };
}

describe('a failing worker round', () => {
  it("shard 0's task always throws on the pool: every expiry is still reported exactly once", async () => {
    const attempts = new Map<number, number>();
    const { clock, live, ref, events } = setUp((task, runOnPool) => {
      attempts.set(task.shard, (attempts.get(task.shard) ?? 0) + 1);
      if (task.shard === 0) return Promise.reject(new Error('injected failure'));
      return runOnPool(task);
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      // Half of them heartbeat (they stay), the rest expire at the check.
      clock.observe(5);
      for (let i = 0; i < CLIENTS; i += 2) expect(live.heartbeat(`c${i}`)).toBe(ref.heartbeat(`c${i}`, 5));
      const got = await live.check(12);
      const want = ref.check(12);
      expect(want.expired.length).toBeGreaterThan(0);
      expect(got).toEqual(want);
      expect((attempts.get(0) ?? 0)).toBeGreaterThanOrEqual(3);
      // Later: everyone expires, each one once, in the same order as in process.
      const late = await live.check(100);
      expect(late).toEqual(ref.check(100));
      expect(late.active).toEqual([]);
      expect(events.length).toBe(CLIENTS);
      expect(new Set(events).size).toBe(CLIENTS);
      expect([...events].sort()).toEqual([...want.expired, ...late.expired].sort());
      expect(live.size).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.some((w) => w.includes('shard 0') && w.includes('main thread'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
      await live.close();
    }
  });

  it('the other shards stay lent until their slow tasks are settled, while the failing one gives up at once', async () => {
    // Shards 1-3 answer late; shard 0 fails at once. A shard given back
    // early would take operations directly while its worker still sweeps.
    const { clock, live, ref, events } = setUp(async (task, runOnPool) => {
      if (task.shard === 0) throw new Error('injected failure');
      const result = await runOnPool(task);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return result;
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const pending = live.check(20);
      // Operations during the round, on every shard: queued, then applied in order.
      clock.observe(21);
      const sent: boolean[] = [];
      for (let i = 0; i < 200; i++) sent.push(live.heartbeat(`c${i}`));
      for (let i = 0; i < 50; i++) live.register(`n${i}`, { timeoutMs: 100 });
      const got = await pending;
      const want = ref.check(20);
      expect(got).toEqual(want);
      expect(sent.every((alive) => !alive)).toBe(true);
      for (let i = 0; i < 50; i++) ref.register(`n${i}`, { timeoutMs: 100 }, 21);
      expect(events.length).toBe(CLIENTS);
      expect(new Set(events).size).toBe(CLIENTS);
      expect(await live.check(50)).toEqual(ref.check(50));
      expect(await live.check(200)).toEqual(ref.check(200));
      expect(live.size).toBe(0);
    } finally {
      process.off('warning', onWarning);
      await live.close();
    }
  });
});
