import { VirtualClock } from '../../src/monitor/clock.js';
import { WorkerLiveMonitor } from '../../src/monitor/workers/worker-live-monitor.js';
import { WsPatternMonitor } from '../baselines/ws-pattern.js';
import type { SweepSubject } from '../core/sweep-subject.js';
import { PauseProbe } from './pause-probe.js';

export { keepwatchSubject, mapSubject, type SweepSubject } from '../core/sweep-subject.js';

export function wsPatternSubject(): SweepSubject {
  const ws = new WsPatternMonitor();
  return {
    label: 'ws README pattern (isAlive walk)',
    register: (id, timeoutMs, now) => ws.register(id, timeoutMs, now),
    heartbeat: (id, now) => ws.heartbeat(id, now),
    sweep: (now) => ws.sweep(now),
    lastExpired: () => ws.terminated,
  };
}

/**
 * keepwatch's worker-backed live monitor on a virtual clock, its timer off:
 * each `sweep` is one round (lend the due shards, sweep on the workers,
 * settle the slots back into ids), timed end to end; the round's in-worker
 * time comes from the monitor's own `lastRound`.
 */
export function workerSubject(shards: number, workers: number): SweepSubject {
  const clock = new VirtualClock();
  let expired: string[] = [];
  const live = new WorkerLiveMonitor({
    shards,
    workers,
    clock,
    trackPings: false,
    queueExpiryReports: false,
    sweepTimer: false,
    events: { expired: ({ ids, count }) => void expired.push(...ids.slice(0, count)) },
  });
  // Scenario times are shifted by the virtual time the warm-up used; only differences matter.
  let base = 0;
  const at = (now: number): number => {
    clock.observe(base + now);
    return base + now;
  };
  let workerNs = 0;
  const probe = new PauseProbe();
  const subject: SweepSubject = {
    label: `keepwatch ${shards} shard${shards === 1 ? '' : 's'} on ${workers} worker${workers === 1 ? '' : 's'}`,
    register: (id, timeoutMs, now) => {
      at(now);
      live.register(id, { timeoutMs });
    },
    heartbeat: (id, now) => {
      at(now);
      live.heartbeat(id);
    },
    // Not an async function: one promise hop fewer in the end-to-end time of a sweep with nothing due.
    sweep: (now) => {
      expired = [];
      const before = live.lastRound;
      return live.sweep(at(now)).then(() => {
        // No round ran when nothing was due: no worker time.
        workerNs = live.lastRound !== before && live.lastRound ? live.lastRound.workerMs * 1e6 : 0;
        return expired.length;
      });
    },
    lastExpired: () => expired,
    lastWorkerNs: () => workerNs,
    /** Boots the threads and warms their JIT: short-lived clients, registered and expired a few times. */
    warmUp: async () => {
      for (let round = 0; round < 5; round++) {
        const t = round * 4;
        clock.observe(t);
        for (let i = 0; i < 4000; i++) live.register(`warm-up-${round}-${i}`, { timeoutMs: 1 });
        await live.sweep(t + 2);
      }
      base = 20;
      expired = [];
    },
    startPauseProbe: () => probe.start(),
    pauseNs: () => probe.stop().max,
    close: () => live.close(),
  };
  return subject;
}
