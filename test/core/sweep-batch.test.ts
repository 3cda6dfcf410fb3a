import { describe, expect, it } from 'vitest';
import { SweepBatch } from '../../src/core/sweep-batch.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';

/**
 * A sweep's batch keeps its arrays at capacity from sweep to sweep (no
 * regrowth per expired client): a later, smaller sweep overwrites the
 * front and its count says where its findings end.
 */
describe('SweepBatch reuse', () => {
  it('a smaller batch after a larger one reports only its own entries, and the storage stays', () => {
    const batch = new SweepBatch();
    for (let i = 0; i < 100; i++) batch.addExpired(`old${i}`, i, 1000 + i);
    for (let i = 0; i < 50; i++) batch.addPing(`p${i}`, i);
    batch.clear();
    expect(batch.expiredCount).toBe(0);
    expect(batch.pingCount).toBe(0);
    // Kept at capacity: the next sweep writes over these by index.
    expect(batch.expiredIds.length).toBe(100);
    batch.addExpired('a', 7, 10);
    batch.addExpired('b', 3, 11);
    batch.addPing('q', 9);
    expect(batch.expiredCount).toBe(2);
    expect(batch.expiredIdList()).toEqual(['a', 'b']);
    expect(batch.expiredSeqs.slice(0, 2)).toEqual([7, 3]);
    expect(batch.expiredDeadlines.slice(0, 2)).toEqual([10, 11]);
    expect(batch.pingIdList()).toEqual(['q']);
    expect(batch.pingHandles[0]).toBe(9);
    expect(batch.expiredIds.length).toBe(100);
  });

  it('a batch larger than what is kept gives its storage back at the next clear', () => {
    const batch = new SweepBatch();
    for (let i = 0; i < 70_000; i++) batch.addExpired(`c${i}`, i, i);
    batch.clear();
    expect(batch.expiredIds.length).toBe(0);
    expect(batch.expiredDeadlines.length).toBe(0);
  });

  it('the monitor reuses one batch: each sweep hands out exactly its own expiries', () => {
    const m = new KeepAliveMonitor({ queueExpiryReports: true });
    for (let i = 0; i < 30; i++) m.register(`big${i}`, { timeoutMs: 10 }, 0);
    for (let i = 0; i < 3; i++) m.register(`small${i}`, { timeoutMs: 100 }, 0);
    const first = m.sweep(11);
    expect(first.expiredIdList()).toEqual(Array.from({ length: 30 }, (_, i) => `big${i}`));
    const second = m.sweep(101);
    expect(second).toBe(first);
    expect(second.expiredCount).toBe(3);
    expect(second.expiredIdList()).toEqual(['small0', 'small1', 'small2']);
    expect(second.expiredDeadlines.slice(0, 3)).toEqual([100, 100, 100]);
    // The queued reports took each sweep's own entries only, exactly once.
    expect(m.check(101).expired).toEqual([...Array.from({ length: 30 }, (_, i) => `big${i}`), 'small0', 'small1', 'small2']);
  });
});
