import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { WorkerLiveMonitor } from '../../src/monitor/workers/worker-live-monitor.js';
import { builtShardWorkerEntry } from '../helpers/shard-workers.js';

/**
 * The deadline rule while a shard is lent to a worker: a client is expired
 * when silent for MORE than its timeout, so a heartbeat exactly at its
 * deadline is accepted, lent or not. A heartbeat that comes too late while
 * the shard is lent is refused, and the expired event reaches the
 * transport BEFORE the refusal (a gateway drops the client on the refusal
 * and must have closed its connection by then), exactly once.
 */

function setUp(sweepOnAccess: boolean) {
  const clock = new VirtualClock();
  const log: string[] = [];
  const live = new WorkerLiveMonitor({
    shards: 1,
    workers: 1,
    workerEntry: builtShardWorkerEntry,
    clock,
    trackPings: false,
    queueExpiryReports: true,
    sweepTimer: false,
    sweepOnAccess,
    events: { expired: ({ ids, deadlines, count }) => ids.slice(0, count).forEach((id, i) => log.push(`expired ${id} ${deadlines[i]}`)) },
  });
  // Enough clients that the round is still out when the test acts.
  for (let i = 0; i < 2000; i++) live.register(`o${i}`, { timeoutMs: 1000 });
  return { clock, live, log };
}

describe('a heartbeat at the deadline while the shard is lent', () => {
  it('sweepOnAccess: a heartbeat at exactly last_seen + timeout is accepted during a status round', async () => {
    const { clock, live, log } = setUp(true);
    try {
      const handle = live.register('x', { timeoutMs: 10 });
      live.register('y', { timeoutMs: 10 });
      clock.observe(10);
      const round = live.status();
      expect(live.heartbeatHandle(handle)).toBe(true);
      expect(live.heartbeat('y')).toBe(true);
      expect(live.has('x')).toBe(true);
      await round;
      expect(log).toEqual([]);
      // Their deadlines moved to 20: still live at 20, expired at 21.
      expect((await live.check(20)).expired).toEqual([]);
      const { expired } = await live.check(21);
      expect(expired).toEqual(['x', 'y']);
      expect(log).toEqual(['expired x 20', 'expired y 20']);
    } finally {
      await live.close();
    }
  });

  it('timer sweeps only (the gateway): the sweep at the deadline keeps the client, a heartbeat after it is accepted', async () => {
    const { clock, live, log } = setUp(false);
    try {
      const handle = live.register('x', { timeoutMs: 10 });
      live.register('y', { timeoutMs: 10 });
      const sweeping = live.sweep(10);
      clock.observe(12);
      expect(live.heartbeatHandle(handle)).toBe(true);
      expect(live.heartbeat('y')).toBe(true);
      await sweeping;
      expect(log).toEqual([]);
      await live.sweep(22);
      expect(log).toEqual([]);
      await live.sweep(23);
      expect(log).toEqual(['expired x 22', 'expired y 22']);
    } finally {
      await live.close();
    }
  });

  it('timer sweeps only: a heartbeat after the deadline the running sweep passed is refused, the expiry told first and once', async () => {
    const { clock, live, log } = setUp(false);
    try {
      const handle = live.register('x', { timeoutMs: 10 });
      live.register('y', { timeoutMs: 10 });
      live.register('z', { timeoutMs: 10 });
      const sweeping = live.sweep(11);
      clock.observe(13);
      const beforeX = log.length;
      expect(live.heartbeatHandle(handle)).toBe(false);
      expect(log.slice(beforeX)).toEqual(['expired x 10']);
      expect(live.heartbeat('y')).toBe(false);
      expect(log.slice(beforeX)).toEqual(['expired x 10', 'expired y 10']);
      expect(live.remove('z')).toBe(false);
      expect(log.slice(beforeX)).toEqual(['expired x 10', 'expired y 10', 'expired z 10']);
      await sweeping;
      expect(log).toEqual(['expired x 10', 'expired y 10', 'expired z 10']);
      const { expired, active } = await live.check(13);
      expect(expired).toEqual(['x', 'y', 'z']);
      expect(active.length).toBe(2000);
      expect(live.has('x')).toBe(false);
    } finally {
      await live.close();
    }
  });

  it('sweepOnAccess: a heartbeat past the deadline while lent (the task does not end it) is told once, reported once', async () => {
    const { clock, live, log } = setUp(true);
    try {
      live.register('x', { timeoutMs: 10 });
      clock.observe(10);
      const round = live.status();
      clock.observe(11);
      expect(live.heartbeat('x')).toBe(false);
      expect(log).toEqual(['expired x 10']);
      const listed = await round;
      // The status was taken at 10, when x was still live.
      expect(listed.some((s) => s.clientId === 'x')).toBe(true);
      expect(live.has('x')).toBe(false);
      const { expired } = await live.check(12);
      expect(expired).toEqual(['x']);
      await live.check(2000);
      expect(log.filter((l) => l.startsWith('expired x'))).toEqual(['expired x 10']);
    } finally {
      await live.close();
    }
  });
});
