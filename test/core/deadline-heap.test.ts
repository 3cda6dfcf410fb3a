import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../src/core/deadline-heap.js';
import { mulberry32 } from '../helpers/prng.js';

describe('DeadlineHeap (indexed min-heap in SharedArrayBuffers)', () => {
  it('is empty at first: Infinity and no item', () => {
    const heap = new DeadlineHeap();
    expect(heap.peekKey()).toBe(Infinity);
    expect(heap.peekItem()).toBe(-1);
    expect(heap.size).toBe(0);
    heap.remove(3);
    expect(heap.size).toBe(0);
  });

  it('agrees with a Map under random inserts, re-keys and removals, growing past its initial capacity', () => {
    const rnd = mulberry32(5);
    const heap = new DeadlineHeap(4);
    const model = new Map<number, number>();
    for (let step = 0; step < 50_000; step++) {
      const item = Math.floor(rnd() * (step < 25_000 ? 300 : 40));
      const r = rnd();
      if (r < 0.55) {
        const key = Math.floor(rnd() * 1000) + (rnd() < 0.1 ? 0.5 : 0);
        heap.set(item, key);
        model.set(item, key);
      } else if (r < 0.85) {
        heap.remove(item);
        model.delete(item);
      } else if (model.size > 0) {
        // Pop the minimum, as a sweep does when a list empties.
        const top = heap.peekItem();
        heap.remove(top);
        model.delete(top);
      }
      let min = Infinity;
      for (const k of model.values()) min = Math.min(min, k);
      if (heap.size !== model.size || heap.peekKey() !== min || (model.size > 0 && model.get(heap.peekItem()) !== min)) {
        expect({ size: heap.size, key: heap.peekKey(), item: heap.peekItem() }, `step ${step}`).toEqual({
          size: model.size,
          key: min,
          item: [...model].find(([, k]) => k === min)?.[0] ?? -1,
        });
      }
      if (step % 1000 === 0) for (const i of [0, 1, 299, 12345]) expect(heap.has(i)).toBe(model.has(i));
    }
  });

  it('shares its state: a second view over the same buffers sees the same heap', () => {
    const heap = new DeadlineHeap();
    for (let i = 0; i < 100; i++) heap.set(i, 1000 - i);
    const view = new DeadlineHeap(16, heap.buffers());
    expect(view.peekKey()).toBe(901);
    expect(view.peekItem()).toBe(99);
    expect(view.size).toBe(100);
  });
});
