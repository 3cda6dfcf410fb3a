import { describe, expect, it } from 'vitest';
import { NIL, Shard, SweepBatch } from '../../src/core/index.js';

function expire(shard: Shard, now: number): string[] {
  const batch = new SweepBatch();
  shard.sweep(now, batch);
  return batch.expiredIdList();
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

// Expiries that leave clients live do not delete their index entries on
// the spot: the entries go stale (their slots no longer hold the ids) and
// the registration that reuses a slot deletes the stale entry of its last id.
describe('Shard: stale index entries after an expiry', () => {
  it('a reused slot never answers for its previous id, and cleaning up spares the new owner', () => {
    const shard = new Shard();
    shard.register('keeper', 10_000, 50, 0, 0);
    shard.register('x', 100, 50, 0, 1);
    const xSlot = shard.find('x');
    expect(expire(shard, 101)).toEqual(['x']);
    shard.register('y', 100, 50, 101, 2); // takes x's slot from the free list
    expect(shard.find('y')).toBe(xSlot);
    expect(shard.find('x')).toBe(NIL);
    for (let i = 0; i < 10; i++) shard.register(`n${i}`, 100, 50, 101, 3 + i); // cleans the stale entry up
    expect(shard.idOf(shard.find('y'))).toBe('y');
    expect(shard.find('x')).toBe(NIL);
    shard.register('x', 100, 50, 102, 20);
    expect(shard.find('x')).not.toBe(xSlot);
    const order: string[] = [];
    for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) order.push(shard.idOf(s));
    expect(order).toEqual(['keeper', 'y', ...ids('n', 10), 'x']);
  });

  it('every expired id stays unknown through many cycles of expiry and registration', () => {
    const shard = new Shard();
    shard.register('keeper', 1_000_000, 50, 0, 0);
    let seq = 1;
    for (let round = 0; round < 20; round++) {
      const batch = ids(`r${round}-`, 300);
      batch.forEach((id) => shard.register(id, 10, 50, round * 100, seq++));
      expect(expire(shard, round * 100 + 11)).toEqual(batch);
      for (const id of batch) expect(shard.find(id)).toBe(NIL);
      // The previous round's 300 stale entries went as this round reused their slots.
      expect(shard.indexSize).toBeLessThanOrEqual(1 + 300);
    }
    expect(shard.size).toBe(1);
    expect(shard.indexedSlots()).toEqual([shard.find('keeper')]);
  });
});
