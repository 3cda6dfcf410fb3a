import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { WorkerLiveMonitor } from '../../src/monitor/workers/worker-live-monitor.js';
import { builtShardWorkerEntry } from '../helpers/shard-workers.js';

/**
 * Starting and stopping the worker pool is routine (every server start,
 * every test): it must never take the process down. Node 20 aborted now
 * and then while a piscina worker loaded an ES module entry
 * (require(esm)); the pool's entry is CommonJS for that reason.
 */

const CYCLES = 20;

describe('the worker pool starts and stops', () => {
  it(`${CYCLES} start/stop cycles with work in each, none aborts`, async () => {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const clock = new VirtualClock();
      const expired: string[] = [];
      const live = new WorkerLiveMonitor({
        shards: 2,
        workers: 2,
        workerEntry: builtShardWorkerEntry,
        clock,
        sweepTimer: false,
        queueExpiryReports: true,
        events: { expired: ({ ids, count }) => expired.push(...ids.slice(0, count)) },
      });
      try {
        live.register(`a${cycle}`, { timeoutMs: 5 });
        live.register(`b${cycle}`, { timeoutMs: 50 });
        const { expired: reported, active } = await live.check(10);
        expect(reported).toEqual([`a${cycle}`]);
        expect(active).toEqual([`b${cycle}`]);
        expect(expired).toEqual([`a${cycle}`]);
      } finally {
        await live.close();
      }
    }
    // Each cycle starts two threads: well under a second on a quiet machine, several on a loaded one.
  }, 150_000);
});
