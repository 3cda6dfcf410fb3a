import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { WorkerLiveMonitor } from '../../src/monitor/workers/worker-live-monitor.js';
import { builtShardWorkerEntry } from '../helpers/shard-workers.js';

/**
 * A transport keys its clients by id, so the expired event of a life must
 * reach it before a new life of the same id begins, exactly once, even
 * when the id registers again while its shard is out on a worker.
 */

function setUp(sweepOnAccess: boolean, shards = 2) {
  const clock = new VirtualClock();
  const log: string[] = [];
  const live = new WorkerLiveMonitor({
    shards,
    workers: 1,
    workerEntry: builtShardWorkerEntry,
    clock,
    trackPings: false,
    queueExpiryReports: true,
    sweepTimer: false,
    sweepOnAccess,
    events: { expired: ({ ids, deadlines, count }) => ids.slice(0, count).forEach((id, i) => log.push(`expired ${id} ${deadlines[i]}`)) },
  });
  return { clock, live, log };
}

describe('expired events and re-registration while the shard is lent', () => {
  it('a life the running sweep ends: its event comes before register returns, and only once', async () => {
    const { live, log } = setUp(false);
    try {
      live.register('x', { timeoutMs: 5 });
      for (let i = 0; i < 50; i++) live.register(`o${i}`, { timeoutMs: 5 });
      const sweeping = live.sweep(10);
      live.register('x', { timeoutMs: 100 });
      log.push('registered x');
      await sweeping;
      expect(log.slice(0, 2)).toEqual(['expired x 5', 'registered x']);
      expect(log.filter((l) => l.startsWith('expired x'))).toEqual(['expired x 5']);
      expect(log.length).toBe(52);
      expect(live.has('x')).toBe(true);
      const { expired, active } = await live.check();
      expect(expired.filter((id) => id === 'x')).toEqual(['x']);
      expect(expired.length).toBe(51);
      expect(active).toEqual(['x']);
    } finally {
      await live.close();
    }
  });

  it('a life past its deadline after the sweep began (sweepOnAccess): told at register, reported once', async () => {
    // One shard: x's shard is lent when x registers again.
    const { clock, live, log } = setUp(true, 1);
    try {
      live.register('x', { timeoutMs: 12 });
      live.register('y', { timeoutMs: 5 });
      const sweeping = live.sweep(10);
      clock.observe(20);
      live.register('x', { timeoutMs: 100 });
      log.push('registered x');
      await sweeping;
      expect(log).toEqual(['expired x 12', 'registered x', 'expired y 5']);
      const { expired, active } = await live.check();
      // Each expiry reported once (in the order they were found: see worker-live-monitor.ts).
      expect([...expired].sort()).toEqual(['x', 'y']);
      expect(active).toEqual(['x']);
      expect(log.length).toBe(3);
    } finally {
      await live.close();
    }
  });
});
