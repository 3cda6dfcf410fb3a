import { describe, expect, it } from 'vitest';
import { MonotonicClock } from '../../src/monitor/clock.js';
import { createLiveMonitor } from '../../src/monitor/create-live-monitor.js';
import { SchedulingWitness } from '../helpers/scheduling-witness.js';
import { builtShardWorkerEntry } from '../helpers/shard-workers.js';

/**
 * Real time, worker shards, the one timer: no client is expired before its
 * deadline (expired means silent for MORE than its timeout), every client
 * whose deadline passed is expired within a generous bound after it (plus
 * the delay the machine put on this process's own timers meanwhile), and a
 * client that keeps heartbeating is never expired.
 */

const BOUND_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('real-time expiry on worker shards', () => {
  it('never before the deadline, always within 200 ms after it', async () => {
    const clock = new MonotonicClock();
    const witness = new SchedulingWitness();
    const reports: { id: string; deadline: number; at: number }[] = [];
    const live = createLiveMonitor({
      shards: 4,
      workers: 2,
      workerEntry: builtShardWorkerEntry,
      clock,
      trackPings: true,
      events: {
        expired: ({ ids, deadlines, count }) => {
          const at = clock.now();
          ids.slice(0, count).forEach((id, i) => reports.push({ id, deadline: deadlines[i], at }));
        },
      },
    });
    try {
      // The pool's threads start with the monitor; a first round waits for them.
      expect(await live.status()).toEqual([]);
      /**
       * Each client's deadline (last_seen + timeout) lies between the clock
       * just before and just after the call that set last_seen.
       */
      const deadlineOf = new Map<string, [number, number]>();
      const timeoutOf = (i: number) => 30 + ((i * 37) % 400);
      for (let i = 0; i < 3000; i++) {
        const before = clock.now();
        live.register(`q${i}`, { timeoutMs: timeoutOf(i), pingIntervalMs: 10 + (i % 50) });
        deadlineOf.set(`q${i}`, [before + timeoutOf(i), clock.now() + timeoutOf(i)]);
      }
      // Keepers heartbeat every 20 ms with a 1 s timeout (room for CI stalls): never expired.
      for (let i = 0; i < 100; i++) live.register(`keep${i}`, { timeoutMs: 1000 });
      const refusedKeepers: string[] = [];
      // Fading clients heartbeat a few times, then fall silent.
      const keeper = setInterval(() => {
        for (let i = 0; i < 100; i++) if (!live.heartbeat(`keep${i}`)) refusedKeepers.push(`keep${i}`);
        for (let i = 0; i < 3000; i += 10) {
          const id = `q${i}`;
          const before = clock.now();
          if ((deadlineOf.get(id) as [number, number])[0] - before > 20 && before < 150 && live.heartbeat(id)) {
            deadlineOf.set(id, [before + timeoutOf(i), clock.now() + timeoutOf(i)]);
          }
        }
      }, 20);
      const lastDeadline = () => Math.max(...[...deadlineOf.values()].map(([, latest]) => latest));
      while (clock.now() < lastDeadline() + BOUND_MS + 50) await sleep(25);
      clearInterval(keeper);

      expect(refusedKeepers).toEqual([]);
      expect(reports.length).toBe(3000);
      expect(new Set(reports.map((r) => r.id)).size).toBe(3000);
      let worst = 0;
      for (const r of reports) {
        expect(r.id.startsWith('q'), `${r.id} kept heartbeating`).toBe(true);
        const [earliest, latest] = deadlineOf.get(r.id) as [number, number];
        expect(r.deadline, r.id).toBeGreaterThanOrEqual(earliest);
        expect(r.deadline, r.id).toBeLessThanOrEqual(latest);
        expect(r.at, `${r.id} expired before its deadline`).toBeGreaterThan(r.deadline);
        worst = Math.max(worst, r.at - r.deadline);
      }
      expect(worst).toBeLessThanOrEqual(BOUND_MS + witness.maxLateMs);
      expect(live.size).toBe(100);
      const { active } = await live.check();
      expect(active).toEqual(Array.from({ length: 100 }, (_, i) => `keep${i}`));
    } finally {
      witness.stop();
      await live.close();
    }
  });
});
