import { describe, expect, it } from 'vitest';
import { FILED, NIL, SlotStore } from '../../src/core/slot-store.js';
import { TimingWheel } from '../../src/core/timing-wheel.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The wheel against a plain model (a Map of slot -> time, scanned): random
 * file / unfile / pop at times near and far (up to 2^45 ms ahead, across the
 * 2^32 boundary the bucket arithmetic splits at), with and without a budget
 * that stops a pop or a cascade half-way. After every step: the same slots
 * handed out, each at or after its time and never before, earliest first
 * (except within a bucket that was entirely due: see inOrder), nextAt equal
 * to the model's earliest time, and filedNoEarlierThan at or before it.
 */

/**
 * Whether `at`, handed out right after `last`, keeps the wheel's order at
 * `now`: not earlier, or both in one aligned span of 256^L ms (L >= 1)
 * whose last ms was due (a drained bucket hands its slots out in the order
 * they were filed).
 */
function inOrder(last: number, at: number, now: number): boolean {
  if (at >= last) return true;
  for (let span = 256; span <= 2 ** 56; span *= 256) {
    if (Math.floor(at / span) === Math.floor(last / span)) return Math.floor(at / span) * span + span - 1 <= now;
  }
  return false;
}

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
        if (!inOrder(last, at, now)) expect.fail(`slot at ${at} handed out after one at ${last} (now ${now})`);
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

  it('hands out 50,000 slots due at once in bounded pieces, bucket by bucket, with no cascade', () => {
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
        if (!inOrder(last, at, 100_000)) expect.fail(`slot at ${at} handed out after one at ${last}`);
        last = at;
        handed++;
      }
      calls++;
    }
    expect(handed).toBe(n);
    // Level-1 buckets entirely due are drained: the budget pays one pop per
    // slot and no cascade move (with a cascade it took ceil(2n / 4096) calls).
    expect(calls).toBe(Math.ceil(n / 4096));
    expect(wheel.size).toBe(0);
  });

  it('drains a bucket only when its last ms is due: a slot not yet due is never handed out', () => {
    for (const now of [766, 767]) {
      const slots = new SlotStore();
      const wheel = new TimingWheel(slots);
      // Level-1 bucket [512, 767] (cur 0; the next group, [256, 511], would
      // go to level 0's second bank), filed latest first so list order is not time order.
      const times = [767, 656, 556, 512];
      for (const at of times) wheel.file(slots.alloc(), at);
      const got: number[] = [];
      for (let slot = wheel.popDue(now); slot !== NIL; slot = wheel.popDue(now)) got.push(slots.f64(slot, FILED));
      if (now === 766) {
        // Partly due: cascaded, handed out earliest first, 767 kept.
        expect(got).toEqual([512, 556, 656]);
        expect(wheel.nextAt()).toBe(767);
      } else {
        // Entirely due: drained in the order filed.
        expect(got).toEqual(times);
        expect(wheel.nextAt()).toBe(Infinity);
      }
      expect(wheel.size).toBe(times.length - got.length);
    }
  });

  it('a bucket drained half-way by the budget: nextAt and filedNoEarlierThan stay at or before what is left', () => {
    const slots = new SlotStore();
    const wheel = new TimingWheel(slots);
    for (const at of [700, 600, 520]) wheel.file(slots.alloc(), at);
    wheel.budget = 1;
    expect(slots.f64(wheel.popDue(1000), FILED)).toBe(700);
    wheel.budget = Infinity;
    expect(wheel.nextAt()).toBeLessThanOrEqual(520);
    expect(wheel.filedNoEarlierThan()).toBeLessThanOrEqual(520);
    // Filed during the drain, after cur: not handed out before its time.
    const late = slots.alloc();
    wheel.file(late, 1001);
    const got: number[] = [];
    for (let slot = wheel.popDue(1000); slot !== NIL; slot = wheel.popDue(1000)) got.push(slots.f64(slot, FILED));
    expect(got).toEqual([600, 520]);
    expect(wheel.nextAt()).toBe(1001);
  });

  it('spreads a level-1 bucket over the sweeps before it falls due, keeping time order and the order of filing', () => {
    const slots = new SlotStore();
    const wheel = new TimingWheel(slots);
    const n = 2560;
    // Group [512, 767] two groups ahead of cur 0: a level-1 bucket. Ten
    // slots a ms, filed in an order that is not time order.
    const filed: number[] = [];
    for (let i = 0; i < n; i++) {
      const slot = slots.alloc();
      filed.push(slot);
      wheel.file(slot, 512 + ((i * 7) % 256));
    }
    let handed = 0;
    let most = 0;
    let last = -1;
    const seen: number[] = [];
    for (let now = 256; now <= 800; now += 20) {
      wheel.budget = 1_000_000;
      for (let slot = wheel.popDue(now); slot !== NIL; slot = wheel.popDue(now)) {
        const at = slots.f64(slot, FILED);
        expect(at).toBeLessThanOrEqual(now);
        expect(at).toBeGreaterThanOrEqual(last);
        // Equal times in the order filed.
        if (at === last) expect(filed.indexOf(slot)).toBeGreaterThan(filed.indexOf(seen[seen.length - 1]));
        last = at;
        seen.push(slot);
        handed++;
      }
      // Hand-outs and moves of this call: staged ahead, never the whole bucket at once.
      most = Math.max(most, 1_000_000 - wheel.budget);
    }
    expect(handed).toBe(n);
    expect(most).toBeLessThan(n / 4);
    expect(wheel.size).toBe(0);
  });
});
