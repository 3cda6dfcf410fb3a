import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import type { ShardTask } from '../../src/monitor/workers/shard-task.js';
import { WorkerLiveMonitor, type ShardTaskRunner } from '../../src/monitor/workers/worker-live-monitor.js';
import { dyingShardWorkerEntry } from '../helpers/shard-workers.js';

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

/**
 * A task runner that makes the first task of each shard in `shards` that
 * reaches `afterExpiries` expiries kill its worker thread mid-sweep
 * (dying-shard-worker.cjs); counts the tasks that failed.
 */
function killOnce(shards: number[], afterExpiries: number) {
  const armed = new Set(shards);
  const failures: number[] = [];
  const runTask: ShardTaskRunner = (task, runOnPool) => {
    if (!armed.has(task.shard)) return runOnPool(task);
    const dying: ShardTask & { dieAfterExpiries: number } = { ...task, dieAfterExpiries: afterExpiries };
    return runOnPool(dying).catch((error: unknown) => {
      armed.delete(task.shard);
      failures.push(task.shard);
      throw error;
    });
  };
  return { runTask, failures };
}

function setUp(shards: number, runTask: ShardTaskRunner) {
  const clock = new VirtualClock();
  const seen: Observed = { pings: [], expired: [] };
  const live = new WorkerLiveMonitor({
    shards,
    workers: 2,
    clock,
    trackPings: true,
    queueExpiryReports: true,
    sweepTimer: false,
    workerEntry: dyingShardWorkerEntry,
    runTask,
    events: {
      ping: ({ ids, count }) => seen.pings.push(ids.slice(0, count)),
      expired: ({ ids, count }) => seen.expired.push(ids.slice(0, count)),
    },
  });
  const refPings: string[] = [];
  const ref = new KeepAliveMonitor({
    shards,
    trackPings: true,
    queueExpiryReports: true,
    onSweep: (batch) => refPings.push(...batch.pingIdList()),
  });
  return { clock, live, ref, seen, refPings };
}

describe('a worker dies mid-task: nothing is lost', () => {
  it('exits after releasing 300 of its expiries; the retry on a new worker finds them all', async () => {
    const kill = killOnce([0], 300);
    const { clock, live, ref, seen, refPings } = setUp(2, kill.runTask);
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
      expect(kill.failures).toEqual([]);
      seen.pings = [];
      refPings.length = 0;
      const got = await live.check(21);
      const want = ref.check(21);
      expect(kill.failures, 'a worker died mid-sweep').toEqual([0]);
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

  it('every shard\'s worker dies in the middle of a large sweep: the check is still exact', async () => {
    const kill = killOnce([0, 1, 2], 1000);
    const { live, ref } = setUp(3, kill.runTask);
    try {
      for (let i = 0; i < 60_000; i++) {
        const settings = { timeoutMs: 10 + (i % 4), pingIntervalMs: 1000 };
        live.register(`t${i}`, settings);
        ref.register(`t${i}`, settings, 0);
      }
      const got = await live.check(12);
      expect(kill.failures.sort()).toEqual([0, 1, 2]);
      expect(got).toEqual(ref.check(12));
      expect(await live.check(100)).toEqual(ref.check(100));
    } finally {
      await live.close();
    }
    // 60,000 clients, three deaths and repairs: seconds on a quiet machine, far more on a loaded one.
  }, 150_000);
});
