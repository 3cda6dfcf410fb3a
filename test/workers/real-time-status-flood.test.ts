import { describe, expect, it } from 'vitest';
import { MonotonicClock } from '../../src/monitor/clock.js';
import { createLiveMonitor } from '../../src/monitor/create-live-monitor.js';
import { builtShardWorkerEntry } from '../helpers/shard-workers.js';

/**
 * A continuous stream of status requests must not stop expiry on worker
 * shards. Each status round lends every shard; with the gateway's settings
 * (sweeps on the timer only) the rounds do not sweep, so the timer must be
 * armed between them and its sweep must get its turn in the round queue.
 * Clients registered during the flood expire after their deadline and
 * within a generous bound, while the flood goes on.
 */

// Generous: a round of 20,000 entries takes seconds on a loaded 2-core machine.
// Without the fix, no victim expires while the flood runs (GIVE_UP_MS).
const BOUND_MS = 2500;
const GIVE_UP_MS = 8000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('expiry during a continuous status flood on workers', () => {
  it('clients registered during back-to-back status rounds expire within bounds', async () => {
    const clock = new MonotonicClock();
    const expiredAt = new Map<string, { deadline: number; at: number; floodRunning: boolean }>();
    let statusInFlight = 0;
    const live = createLiveMonitor({
      shards: 4,
      workers: 2,
      workerEntry: builtShardWorkerEntry,
      clock,
      trackPings: true,
      pingTickMs: 50,
      sweepOnAccess: false,
      events: {
        expired: ({ ids, deadlines, count }) => {
          const at = clock.now();
          ids.slice(0, count).forEach((id, i) => expiredAt.set(id, { deadline: deadlines[i], at, floodRunning: flooding && statusInFlight > 0 }));
        },
      },
    });
    let flooding = true;
    const floods: Promise<void>[] = [];
    try {
      await live.status();
      for (let i = 0; i < 20_000; i++) live.register(`bg${i}`, { timeoutMs: 60_000, pingIntervalMs: 30_000 });
      // Two callers, each asking again as soon as it has an answer: the round queue is never empty.
      for (let caller = 0; caller < 2; caller++) {
        floods.push(
          (async () => {
            while (flooding) {
              statusInFlight++;
              await live.status();
              statusInFlight--;
            }
          })(),
        );
      }
      await sleep(100);
      const victims = new Map<string, [number, number]>();
      for (let i = 0; i < 20; i++) {
        const id = `victim${i}`;
        const timeoutMs = 100 + (i % 5) * 50;
        const before = clock.now();
        live.register(id, { timeoutMs, pingIntervalMs: 60_000 });
        victims.set(id, [before + timeoutMs, clock.now() + timeoutMs]);
        await sleep(25);
      }
      const started = clock.now();
      while ([...victims.keys()].some((id) => !expiredAt.has(id)) && clock.now() - started < GIVE_UP_MS) await sleep(20);
      flooding = false;
      await Promise.all(floods);

      expect([...victims.keys()].filter((id) => !expiredAt.has(id)), 'victims never expired during the flood').toEqual([]);
      for (const [id, [earliest, latest]] of victims) {
        const { deadline, at, floodRunning } = expiredAt.get(id) as { deadline: number; at: number; floodRunning: boolean };
        expect(floodRunning, `${id} expired while a status round was in flight`).toBe(true);
        expect(deadline, id).toBeGreaterThanOrEqual(earliest);
        expect(deadline, id).toBeLessThanOrEqual(latest);
        expect(at, `${id} expired before its deadline`).toBeGreaterThan(deadline);
        expect(at - deadline, `${id} expired late`).toBeLessThanOrEqual(BOUND_MS);
      }
      expect([...expiredAt.keys()].every((id) => id.startsWith('victim'))).toBe(true);
      expect(live.size).toBe(20_000);
    } finally {
      flooding = false;
      await Promise.all(floods).catch(() => undefined);
      await live.close();
    }
  });
});
