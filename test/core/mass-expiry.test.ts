import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { InProcessLiveMonitor, SWEEP_STEP_LIMIT } from '../../src/monitor/live-monitor.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';

/**
 * A million clients in one process, and a mass expiry handed out in bounded
 * steps: no sweep call hands out more than its limit, the caller's event
 * loop runs between steps, and every client is expired exactly once.
 * (How long a step takes is measured by `npm run bench:core -- --clients
 * 1000000`, not asserted here.)
 */
describe('a million clients, a mass expiry in bounded steps', () => {
  it('holds 1,000,000 clients in <= 64 bytes each of shared memory; expires them all, <= limit per call', () => {
    const n = 1_000_000;
    const monitor = new KeepAliveMonitor({ queueExpiryReports: false });
    // Distinct timeouts, registered in a scrambled order.
    for (let k = 0; k < n; k++) {
      const i = (k * 7919) % n;
      monitor.register(`client-${i}`, { timeoutMs: 5_000 + (i % 295_000) }, 0);
    }
    expect(monitor.size).toBe(n);
    expect(monitor.sharedBytes / n).toBeLessThanOrEqual(64);
    const seen = new Uint8Array(n);
    let calls = 0;
    let expired = 0;
    do {
      const batch = monitor.sweep(400_000, SWEEP_STEP_LIMIT);
      expect(batch.expiredCount).toBeLessThanOrEqual(SWEEP_STEP_LIMIT);
      for (const id of batch.expiredIdList()) seen[Number(id.slice(7))]++;
      expired += batch.expiredCount;
      calls++;
    } while (monitor.moreDue);
    expect(expired).toBe(n);
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(n / SWEEP_STEP_LIMIT);
    expect(monitor.size).toBe(0);
    expect(monitor.nextFireAt()).toBe(Infinity);
  }, 180_000);

  it('the live monitor expires 100,000 clients due at once in steps, with the event loop turning between them', async () => {
    const clock = new VirtualClock();
    const batches: number[] = [];
    let turns = 0;
    const turnsAtBatch: number[] = [];
    const n = 100_000;
    // The event's arrays are reused from step to step: only their first `count` entries are this step's.
    const seen = new Uint8Array(n);
    let wrongDeadlines = 0;
    const live = new InProcessLiveMonitor({
      clock,
      events: {
        expired: ({ count, ids, deadlines }) => {
          batches.push(count);
          turnsAtBatch.push(turns);
          for (let k = 0; k < count; k++) {
            const i = Number(ids[k].slice(1));
            seen[i]++;
            if (deadlines[k] !== 1000 + (i % 7)) wrongDeadlines++;
          }
        },
      },
    });
    for (let i = 0; i < n; i++) live.register(`c${i}`, { timeoutMs: 1000 + (i % 7) });
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    // The timer armed at registration fires about 1 s from now and sweeps at 2000.
    clock.observe(2000);
    const deadline = Date.now() + 60_000;
    while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    ticking = false;
    await live.close();
    expect(live.size).toBe(0);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(n);
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(wrongDeadlines).toBe(0);
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(n / SWEEP_STEP_LIMIT));
    for (const size of batches) expect(size).toBeLessThanOrEqual(SWEEP_STEP_LIMIT);
    // The loop turned between every two steps.
    for (let i = 1; i < turnsAtBatch.length; i++) expect(turnsAtBatch[i]).toBeGreaterThan(turnsAtBatch[i - 1]);
  }, 120_000);
});
