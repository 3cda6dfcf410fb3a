import { describe, expect, it } from 'vitest';
import { Shard, SweepBatch } from '../../src/core/index.js';
import { STATE, timeoutBound, timeoutBoundCode } from '../../src/core/slot-store.js';

/** A STATE word with only TBOUND set to `code` (the field sits at bits 8..3). */
const stateWithCode = (code: number): number => code << 3;

describe('STATE: TBOUND, the lower bound of the timeout a heartbeat reads from the hot record', () => {
  it('is at most the timeout and more than 2/3 of it, for every magnitude up to 2^31 - 1', () => {
    const timeouts = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 100, 999, 1000, 1023, 1024, 1535, 1536, 30_000, 299_999, 2 ** 30, 2 ** 31 - 1];
    for (let e = 0; e < 31; e++) timeouts.push(2 ** e, Math.floor(1.5 * 2 ** e), 2 ** e + 1, Math.min(2 ** 31 - 1, 2 ** (e + 1) - 1));
    for (const t of timeouts) {
      const bound = timeoutBound(stateWithCode(timeoutBoundCode(t)));
      expect(bound, `timeout ${t}`).toBeLessThanOrEqual(t);
      expect(bound, `timeout ${t}`).toBeGreaterThan((2 * t) / 3);
    }
  });

  it('is 0 for a timeout below 1 ms (the exact check decides)', () => {
    for (const t of [0, -5, 0.5, NaN]) expect(timeoutBound(stateWithCode(timeoutBoundCode(t)))).toBe(0);
  });

  it('a registration writes it beside the generation and the flags, leaving both alone', () => {
    const shard = new Shard({ trackPings: true });
    const slot = shard.register('a', 100, 10, 0, 0);
    const handle = shard.handleOf(slot);
    const batch = new SweepBatch();
    shard.sweep(10, batch);
    expect(batch.pingIdList()).toEqual(['a']);
    const pingedState = shard.slots.hot(slot, STATE);
    expect(timeoutBound(pingedState)).toBe(96);
    shard.register('a', 30_000, 10_000, 20, 1);
    expect(shard.handleOf(slot)).toBe(handle);
    expect(shard.slotOfHandle(handle)).toBe(slot);
    expect(timeoutBound(shard.slots.hot(slot, STATE))).toBe(24_576);
    expect(shard.timeoutOf(slot)).toBe(30_000);
    expect(shard.pingIntervalOf(slot)).toBe(10_000);
  });

  it('a silence between the bound and the timeout is still within the timeout: mayBeExpired is exact at every ms', () => {
    // 1535 ms: the bound is 1024, so silences of 1025..1535 ms take the exact (cold) check.
    const shard = new Shard();
    const slot = shard.register('a', 1535, 10_000, 0, 0);
    shard.register('b', 10, 10_000, 0, 1);
    shard.sweep(11, new SweepBatch());
    expect(shard.wheel.filedNoEarlierThan()).toBeLessThanOrEqual(1536);
    for (const t of [1, 1024, 1025, 1200, 1535]) expect(shard.mayBeExpired(slot, t), `t ${t}`).toBe(false);
    expect(shard.mayBeExpired(slot, 1536)).toBe(true);
  });

  it('generations wrap within their 23 bits without touching TBOUND or the slot', () => {
    const shard = new Shard();
    const first = shard.register('a', 1000, 10, 0, 0);
    const firstHandle = shard.handleOf(first);
    // Force the generation to its last value, then let the next life wrap it to 0.
    shard.slots.setHot(first, STATE, shard.slots.hot(first, STATE) | ((2 ** 23 - 1) << 9));
    const lastHandle = shard.handleOf(first);
    expect(lastHandle).toBe((2 ** 23 - 1) * 2 ** 26 + first);
    expect(shard.slotOfHandle(lastHandle)).toBe(first);
    expect(shard.slotOfHandle(firstHandle)).toBe(-1);
    shard.remove(first);
    const again = shard.register('b', 3000, 10, 0, 1);
    expect(again).toBe(first);
    expect(shard.handleOf(again)).toBe(first);
    expect(shard.slotOfHandle(lastHandle)).toBe(-1);
    expect(timeoutBound(shard.slots.hot(again, STATE))).toBe(2048);
  });
});
