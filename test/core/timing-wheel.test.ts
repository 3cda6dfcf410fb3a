import { describe, expect, it } from 'vitest';
import { FILED, NIL, SlotStore } from '../../src/core/slot-store.js';
import { TimingWheel } from '../../src/core/timing-wheel.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The wheel against a plain model (a Map of slot -> time, scanned): random
 * file / unfile / pop at times near and far (up to 2^45 ms ahead, across the
 * 2^32 boundary the bucket arithmetic splits at), with and without a budget
 * that stops a pop or a cascade half-way. After every step: the same slots
 * handed out, each at or after its time and never before, earliest first,
 * nextAt equal to the model's earliest time, and filedNoEarlierThan at or
 * before it.
 */
function runSeed(seed: number, steps: number): number {
  const rnd = mulberry32(seed);
  const slots = new SlotStore();
  const wheel = new TimingWheel(slots);
  const model = new Map<number, number>();
  const free: number[] = [];
  let now = Math.floor(rnd() * 2 ** 33);
  wheel.reset(now);
  let popped = 0;
  const ahead = (): number => {
    const r = rnd();
    if (r < 0.4) return Math.floor(rnd() * 300);
    if (r < 0.7) return Math.floor(rnd() * 70_000);
    if (r < 0.9) return Math.floor(rnd() * 20_000_000);
    return Math.floor(rnd() * 2 ** 45);
  };
  for (let step = 0; step < steps; step++) {
    const r = rnd();
    if (r < 0.45) {
      const slot = free.pop() ?? slots.alloc();
      const at = now + 1 + ahead();
      wheel.file(slot, at);
      model.set(slot, at);
    } else if (r < 0.55 && model.size > 0) {
      const slot = [...model.keys()][Math.floor(rnd() * model.size)];
      wheel.unfile(slot);
      model.delete(slot);
      free.push(slot);
    } else {
      now += rnd() < 0.7 ? Math.floor(rnd() * 50) : ahead();
      wheel.budget = rnd() < 0.3 ? 1 + Math.floor(rnd() * 5) : Infinity;
      let last = -Infinity;
      for (let slot = wheel.popDue(now); slot !== NIL; slot = wheel.popDue(now)) {
        const at = model.get(slot);
        if (at === undefined) expect.fail(`slot ${slot} handed out but not filed`);
        expect(at).toBeLessThanOrEqual(now);
        expect(at).toBeGreaterThanOrEqual(last);
        last = at;
        model.delete(slot);
        free.push(slot);
        popped++;
      }
      const stopped = wheel.budget <= 0;
      wheel.budget = Infinity;
      if (!stopped) {
        const left = [...model.values()].filter((at) => at <= now);
        expect(left, `due at ${now} but not handed out`).toEqual([]);
      }
    }
    const min = model.size === 0 ? Infinity : Math.min(...model.values());
    // The heartbeat's bound (no walk): never after any filed time, whether the earliest is cached or not.
    expect(wheel.filedNoEarlierThan()).toBeLessThanOrEqual(min);
    const next = wheel.nextAt();
    expect(wheel.filedNoEarlierThan()).toBeLessThanOrEqual(min);
    // Exact, except while a cascade is half done (then "now": there is work).
    if (next !== min) expect(next).toBeLessThanOrEqual(min);
    expect(wheel.size).toBe(model.size);
  }
  return popped;
}

describe('TimingWheel against a model', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}`, () => {
      expect(runSeed(seed, 4000)).toBeGreaterThan(300);
    });
  }

  it('hands out 50,000 slots due at once in bounded pieces, earliest first', () => {
    const slots = new SlotStore();
    const wheel = new TimingWheel(slots);
    const n = 50_000;
    for (let i = 0; i < n; i++) wheel.file(slots.alloc(), 60_000 + (i % 1000));
    let handed = 0;
    let calls = 0;
    let last = 0;
    while (wheel.nextAt() <= 100_000) {
      wheel.budget = 4096;
      for (let slot = wheel.popDue(100_000); slot !== NIL; slot = wheel.popDue(100_000)) {
        const at = slots.f64(slot, FILED);
        expect(at).toBeGreaterThanOrEqual(last);
        last = at;
        handed++;
      }
      calls++;
    }
    expect(handed).toBe(n);
    // Each call moved or handed out at most 4096: one cascade (level 1 to 0) and one pop per slot.
    expect(calls).toBeGreaterThanOrEqual(Math.ceil((2 * n) / 4096));
    expect(wheel.size).toBe(0);
  });
});
