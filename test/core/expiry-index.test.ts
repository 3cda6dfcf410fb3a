import { describe, expect, it } from 'vitest';
import { NIL, Shard, SweepBatch } from '../../src/core/index.js';

function expire(shard: Shard, now: number): string[] {
  const batch = new SweepBatch();
  shard.sweep(now, batch);
  return [...batch.expiredIds];
}

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

// A sweep forgets the ids it expired in one go at the end of each expiry
// run, with a single Map.clear when the shard is left empty: these check
// that the index is exactly the live clients afterwards, both ways.
describe('Shard: the id index after an expiry', () => {
  it('a sweep that empties the shard forgets every id; ids come back as new registrations', () => {
    const shard = new Shard();
    const first = ids('c', 3000);
    first.forEach((id, i) => shard.register(id, 100, 50, 0, i));
    expect(expire(shard, 101)).toHaveLength(3000);
    expect(shard.size).toBe(0);
    for (const id of first) expect(shard.find(id)).toBe(NIL);

    const again = [...first.slice(0, 10), ...ids('d', 10)];
    again.forEach((id, i) => shard.register(id, 100, 50, 200, 5000 + i));
    for (const id of again) {
      const slot = shard.find(id);
      expect(slot).not.toBe(NIL);
      expect(shard.idOf(slot)).toBe(id);
    }
    expect(shard.find('c10')).toBe(NIL);
    expect(expire(shard, 301)).toEqual(again);
  });

  it('a sweep that leaves clients live forgets exactly the expired ids', () => {
    const shard = new Shard();
    const early = ids('e', 500);
    const late = ids('l', 500);
    early.forEach((id, i) => shard.register(id, 100, 50, 0, i));
    late.forEach((id, i) => shard.register(id, 100, 50, 50, 500 + i));
    expect(expire(shard, 101)).toEqual(early);
    for (const id of early) expect(shard.find(id)).toBe(NIL);
    for (const id of late) expect(shard.idOf(shard.find(id))).toBe(id);
    // Two timeouts (two lists) due in the same sweep, the second emptying the shard.
    shard.register('x', 10, 50, 60, 2000);
    // Deadline order: x (60 + 10) before the late ones (50 + 100).
    expect(expire(shard, 151)).toEqual(['x', ...late]);
    expect(shard.size).toBe(0);
    for (const id of [...late, 'x']) expect(shard.find(id)).toBe(NIL);
  });
});
