import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NIL, Shard, SweepBatch, type SweepSink } from '../../src/core/index.js';

/**
 * The crash repair under the worker scheme, in one thread: a view over a
 * shard's buffers (what a worker holds) dies half-way through a sweep (its
 * sink throws after n expiries); the owner relinks the shard from its
 * index and sweeps again. Compared with a twin shard that never crashed:
 * the same expiries and pings, the same live clients in the same order
 * with the same last_seen, and the same behaviour afterwards.
 */

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const DURATIONS = [1, 2, 3, 5, 8, 20];
const step = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    id: fc.constantFrom(...IDS),
    timeout: fc.constantFrom(...DURATIONS),
    ping: fc.constantFrom(...DURATIONS),
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), id: fc.constantFrom(...IDS) }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.constantFrom(...IDS) }),
  fc.record({ kind: fc.constant('advance' as const), by: fc.nat({ max: 6 }) }),
  fc.record({ kind: fc.constant('sweep' as const) }),
);

class Crash extends Error {}

/** A view's sink that dies after `limit` expiries, like a worker killed mid-sweep. */
class DyingSink implements SweepSink {
  readonly expiredSlots: number[] = [];
  readonly pingedSlots: number[] = [];
  constructor(private readonly limit: number) {}
  expired(_shard: Shard, slot: number): void {
    if (this.expiredSlots.length === this.limit) throw new Crash();
    this.expiredSlots.push(slot);
  }
  pinged(_shard: Shard, slot: number): void {
    this.pingedSlots.push(slot);
  }
}

function sweepSorted(shard: Shard, now: number): { expired: string[]; pinged: string[] } {
  const batch = new SweepBatch();
  shard.sweep(now, batch);
  return { expired: [...batch.expiredIds].sort(), pinged: [...batch.pingIds].sort() };
}

function live(shard: Shard): [string, number][] {
  const out: [string, number][] = [];
  for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) out.push([shard.idOf(s), shard.lastSeen(s)]);
  return out;
}

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function apply(shard: Shard, s: Step, now: number, seq: number): void {
  const slot = s.kind === 'advance' || s.kind === 'sweep' ? NIL : shard.find(s.id);
  if (s.kind === 'register') shard.register(s.id, s.timeout, s.ping, now, seq);
  else if (s.kind === 'heartbeat' && slot !== NIL) shard.heartbeat(slot, now);
  else if (s.kind === 'remove' && slot !== NIL) shard.remove(slot);
}

describe('Shard.relink after a view died mid-sweep', () => {
  it('matches a shard that never crashed', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.nat({ max: 25 }), fc.nat({ max: 3 }), (steps, advance, dieAfter) => {
        const clean = new Shard({ trackPings: true });
        const crashed = new Shard({ trackPings: true });
        let now = 0;
        let lastSweep = -Infinity;
        let seq = 0;
        for (const s of steps) {
          if (s.kind === 'advance') now += s.by;
          // Both sweep before any operation once something is due, as the monitor does.
          if (s.kind === 'sweep' || clean.nextFireAt() <= now) {
            expect(sweepSorted(crashed, now)).toEqual(sweepSorted(clean, now));
            lastSweep = now;
          }
          apply(clean, s, now, seq);
          apply(crashed, s, now, seq);
          seq++;
        }
        now += advance;
        const view = new Shard({ trackPings: true, buffers: crashed.buffers() });
        const sink = new DyingSink(dieAfter);
        let died = false;
        try {
          view.sweep(now, sink);
        } catch (error) {
          if (!(error instanceof Crash)) throw error;
          died = true;
        }
        const want = sweepSorted(clean, now);
        if (died) {
          crashed.relink(crashed.indexedSlots(), lastSweep);
          expect(sweepSorted(crashed, now)).toEqual(want);
        } else {
          // The view finished: the owner reads the ids, then forgets them (as the monitor settles).
          const expired = sink.expiredSlots.map((slot) => crashed.idOf(slot)).sort();
          const pinged = sink.pingedSlots.map((slot) => crashed.idOf(slot)).sort();
          for (const slot of sink.expiredSlots) crashed.forgetReleased(slot);
          expect({ expired, pinged }).toEqual(want);
        }
        expect(crashed.size).toBe(clean.size);
        expect(live(crashed)).toEqual(live(clean));
        expect(crashed.nextFireAt()).toBe(clean.nextFireAt());
        // Afterwards: the same again, operation for operation.
        for (const s of steps) {
          if (s.kind === 'advance') now += s.by;
          expect(crashed.nextFireAt()).toBe(clean.nextFireAt());
          if (s.kind === 'sweep' || clean.nextFireAt() <= now) {
            expect(sweepSorted(crashed, now)).toEqual(sweepSorted(clean, now));
          }
          apply(clean, s, now, seq);
          apply(crashed, s, now, seq);
          seq++;
        }
        now += 100;
        expect(sweepSorted(crashed, now)).toEqual(sweepSorted(clean, now));
        expect(crashed.size).toBe(0);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('relinks each list in last_seen order, not registration order', () => {
    const shard = new Shard({ trackPings: true });
    shard.register('x', 20, 50, 0, 0);
    shard.register('y', 20, 50, 1, 1);
    shard.register('z', 1, 50, 0, 2);
    shard.register('w', 1, 50, 0, 3);
    shard.heartbeat(shard.find('x'), 2);
    const view = new Shard({ trackPings: true, buffers: shard.buffers() });
    expect(() => view.sweep(3, new DyingSink(1))).toThrow(Crash);
    shard.relink(shard.indexedSlots(), -Infinity);
    expect(sweepSorted(shard, 3)).toEqual({ expired: ['w', 'z'], pinged: [] });
    // y (last seen at 1) is due before x (heartbeat at 2): y + 20 + 1.
    expect(shard.nextFireAt()).toBe(22);
    expect(sweepSorted(shard, 22)).toEqual({ expired: ['y'], pinged: [] });
    expect(live(shard)).toEqual([['x', 2]]);
  });
});
