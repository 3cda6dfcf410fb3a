import { describe, expect, it } from 'vitest';
import { Shard, SweepBatch } from '../../src/core/index.js';

function sweep(shard: Shard, now: number): { expired: string[]; pinged: string[] } {
  const batch = new SweepBatch();
  shard.sweep(now, batch);
  return { expired: batch.expiredIdList(), pinged: batch.pingIdList() };
}

describe('Shard: pingTickMs coarsens ping wake-ups, never expiry', () => {
  it('wakes once per tick for the pings due in it', () => {
    const shard = new Shard({ trackPings: true, pingTickMs: 50 });
    shard.register('early', 100_000, 1000, 7, 0); // ping due at 1007
    shard.register('late', 100_000, 1000, 40, 1); // ping due at 1040
    expect(shard.nextFireAt()).toBe(1050);
    expect(sweep(shard, 1049).pinged).toEqual([]);
    expect(sweep(shard, 1050).pinged).toEqual(['early', 'late']);
  });

  it('keeps expiry exact: silent for more than the timeout, to the millisecond', () => {
    const shard = new Shard({ trackPings: true, pingTickMs: 50 });
    shard.register('c', 1003, 5000, 0, 0);
    expect(shard.nextFireAt()).toBe(1004);
    expect(sweep(shard, 1003).expired).toEqual([]);
    expect(sweep(shard, 1004).expired).toEqual(['c']);
  });

  it('is exact by default', () => {
    const shard = new Shard({ trackPings: true });
    shard.register('d', 100_000, 1000, 7, 0);
    expect(shard.nextFireAt()).toBe(1007);
  });
});
