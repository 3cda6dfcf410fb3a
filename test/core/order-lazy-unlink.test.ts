import { describe, expect, it } from 'vitest';
import { NIL, Shard, SweepBatch } from '../../src/core/index.js';
import { SlotStore } from '../../src/core/slot-store.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The registration order keeps released slots until a registration reuses
 * them or a walk passes them (slot-store.ts, ORDER). These drive long runs
 * of expiries, removals and reuses between rare walks, against a model of
 * the live ids in registration order.
 */

function walk(shard: Shard): string[] {
  const ids: string[] = [];
  for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) ids.push(shard.idOf(s));
  return ids;
}

/** Counts the released slots walks unlink (the private step of ORDER's lazy unlinking). */
function countDrops(): { count: number; restore: () => void } {
  const proto = SlotStore.prototype as unknown as { dropFromOrder: (slot: number) => number };
  const original = proto.dropFromOrder;
  const counter = {
    count: 0,
    restore: () => {
      proto.dropFromOrder = original;
    },
  };
  proto.dropFromOrder = function (this: SlotStore, slot: number): number {
    counter.count++;
    return original.call(this, slot);
  };
  return counter;
}

describe('registration order with released slots unlinked lazily', () => {
  for (const seed of [1, 2, 3]) {
    it(`matches the model through expiries, removals and reuses between rare walks (seed ${seed})`, () => {
      const rnd = mulberry32(seed);
      const shard = new Shard();
      const batch = new SweepBatch();
      /** Live ids -> [registration sequence, deadline]. */
      const model = new Map<string, [number, number]>();
      let now = 0;
      let seq = 0;
      let fresh = 0;
      let walks = 0;
      for (let step = 0; step < 4000; step++) {
        const op = rnd();
        if (op < 0.5) {
          const id = `c${fresh++}`;
          const timeout = 1 + Math.floor(rnd() * 40);
          shard.register(id, timeout, 1000, now, seq);
          model.set(id, [seq++, now + timeout]);
        } else if (op < 0.6 && model.size > 0) {
          const ids = [...model.keys()];
          const id = ids[Math.floor(rnd() * ids.length)];
          shard.remove(shard.find(id));
          model.delete(id);
        } else if (op < 0.9) {
          now += Math.floor(rnd() * 6);
          batch.clear();
          shard.sweep(now, batch);
          const want = [...model].filter(([, [, deadline]]) => deadline < now).map(([id]) => id);
          want.forEach((id) => model.delete(id));
          expect(batch.expiredIdList().sort()).toEqual(want.sort());
        }
        // Walks are rare, so most released slots are reused (and unlinked) by a registration first.
        if (rnd() < 0.02) {
          walks++;
          const want = [...model].sort((a, b) => a[1][0] - b[1][0]).map(([id]) => id);
          expect(walk(shard)).toEqual(want);
          expect(walk(shard)).toEqual(want);
        }
      }
      expect(walks).toBeGreaterThan(40);
      expect(shard.size).toBe(model.size);
    });
  }

  it('a walk unlinks each released slot it passes, once: the next walk passes none', () => {
    const shard = new Shard();
    for (let i = 0; i < 1000; i++) shard.register(`c${i}`, i % 2 === 0 ? 10 : 1000, 1000, 0, i);
    const batch = new SweepBatch();
    shard.sweep(11, batch);
    expect(batch.expiredCount).toBe(500);
    const drops = countDrops();
    try {
      const odd = Array.from({ length: 500 }, (_, i) => `c${2 * i + 1}`);
      expect(walk(shard)).toEqual(odd);
      expect(drops.count).toBe(500);
      expect(walk(shard)).toEqual(odd);
      expect(drops.count).toBe(500);
      // Slots the walk unlinked are reused without touching the order again: new clients go to its end.
      for (let i = 0; i < 500; i++) shard.register(`n${i}`, 1000, 1000, 11, 1000 + i);
      expect(walk(shard)).toEqual([...odd, ...Array.from({ length: 500 }, (_, i) => `n${i}`)]);
      expect(drops.count).toBe(500);
    } finally {
      drops.restore();
    }
  });

  it('a shard emptied by a sweep and refilled walks only its new clients, in order', () => {
    const shard = new Shard();
    for (let i = 0; i < 300; i++) shard.register(`old${i}`, 5 + (i % 7), 1000, 0, i);
    shard.sweep(100, new SweepBatch());
    expect(shard.size).toBe(0);
    for (let i = 0; i < 100; i++) shard.register(`new${i}`, 1000, 1000, 100, 300 + i);
    // 100 released slots were reused (each unlinked by its registration); 200 still sit in the order, free.
    expect(walk(shard)).toEqual(Array.from({ length: 100 }, (_, i) => `new${i}`));
    shard.remove(shard.find('new0'));
    shard.remove(shard.find('new99'));
    expect(walk(shard)).toEqual(Array.from({ length: 98 }, (_, i) => `new${i + 1}`));
  });
});
