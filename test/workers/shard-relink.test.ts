import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NIL, Shard, ShardView, SweepBatch, type SharedShard, type SweepSink } from '../../src/core/index.js';

/**
 * The crash repair under the worker scheme, in one thread: a view over a
 * shard's buffers (what a worker holds) dies half-way through a sweep (its
 * sink throws after n expiries); the owner relinks the shard from its
 * index and sweeps again. Compared with a twin shard that never crashed:
 * the same expiries and pings, the same live clients in the same order
 * with the same last_seen, and the same behaviour afterwards.
 */

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

/**
 * Two timescales: exact ping ticks with short durations, and the gateway's
 * 50 ms ping ticks with durations that are not multiples of the tick, so a
 * ping can fall due between the last delivered sweep and its rounded-up
 * time (issue 13, finding 4).
 */
const SCALES = [
  { pingTickMs: 1, durations: [1, 2, 3, 5, 8, 20], maxAdvance: 6, finalAdvance: 25 },
  { pingTickMs: 50, durations: [7, 30, 49, 51, 75, 120, 333], maxAdvance: 90, finalAdvance: 400 },
];

const steps = (durations: number[], maxAdvance: number) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('register' as const),
      id: fc.constantFrom(...IDS),
      timeout: fc.constantFrom(...durations),
      ping: fc.constantFrom(...durations),
    }),
    fc.record({ kind: fc.constant('heartbeat' as const), id: fc.constantFrom(...IDS) }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.constantFrom(...IDS) }),
    fc.record({ kind: fc.constant('advance' as const), by: fc.nat({ max: maxAdvance }) }),
    fc.record({ kind: fc.constant('sweep' as const) }),
  );
const step = steps(SCALES[0].durations, SCALES[0].maxAdvance);

class Crash extends Error {}

/** A view's sink that dies after `limit` expiries, like a worker killed mid-sweep. */
class DyingSink implements SweepSink {
  readonly expiredSlots: number[] = [];
  readonly pingedSlots: number[] = [];
  constructor(private readonly limit: number) {}
  expired(_shard: SharedShard, slot: number): void {
    if (this.expiredSlots.length === this.limit) throw new Crash();
    this.expiredSlots.push(slot);
  }
  pinged(_shard: SharedShard, slot: number): void {
    this.pingedSlots.push(slot);
  }
}

function sweepSorted(shard: Shard, now: number): { expired: string[]; pinged: string[] } {
  const batch = new SweepBatch();
  shard.sweep(now, batch);
  return { expired: batch.expiredIdList().sort(), pinged: batch.pingIdList().sort() };
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
  it.each(SCALES)('matches a shard that never crashed, handles included (pingTickMs $pingTickMs)', ({ pingTickMs, durations, maxAdvance, finalAdvance }) => {
    fc.assert(
      fc.property(fc.array(steps(durations, maxAdvance), { maxLength: 80 }), fc.nat({ max: finalAdvance }), fc.nat({ max: 3 }), (steps, advance, dieAfter) => {
        const clean = new Shard({ trackPings: true, pingTickMs });
        const crashed = new Shard({ trackPings: true, pingTickMs });
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
        // The handles the gateway holds for the live clients, before the crash.
        const handles = live(crashed).map(([id]) => [id, crashed.handleOf(crashed.find(id))] as const);
        const view = new ShardView(crashed.buffers(), { trackPings: true, pingTickMs });
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
          crashed.relink(lastSweep);
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
        // Every client still live after the repair is still named by the handle it had before.
        for (const [id, handle] of handles) {
          if (crashed.find(id) !== NIL) expect(crashed.idOf(crashed.slotOfHandle(handle)), id).toBe(id);
        }
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
        now += 1000;
        expect(sweepSorted(crashed, now)).toEqual(sweepSorted(clean, now));
        expect(crashed.size).toBe(0);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('50 ms ping ticks: a ping the dead view found after the last delivered sweep is sent again, and handles stay valid', () => {
    const build = (): Shard => {
      const shard = new Shard({ trackPings: true, pingTickMs: 50 });
      // p's ping falls due at 30, rounded up to the 50 ms tick; x and y expire at 55 and 56, after it.
      shard.register('p', 1000, 30, 0, 0);
      shard.register('x', 35, 1000, 20, 1);
      shard.register('y', 35, 1000, 21, 2);
      // Delivered: a sweep at 40, past p's raw ping time (30) but before its tick (50): nothing due yet.
      expect(sweepSorted(shard, 40)).toEqual({ expired: [], pinged: [] });
      return shard;
    };
    const clean = build();
    const crashed = build();
    const handles = ['p', 'x', 'y'].map((id) => [id, crashed.handleOf(crashed.find(id))] as const);
    // The view pings p (50), expires x (55), and dies at y (56): none of it was delivered.
    const view = new ShardView(crashed.buffers(), { trackPings: true, pingTickMs: 50 });
    const sink = new DyingSink(1);
    expect(() => view.sweep(60, sink)).toThrow(Crash);
    expect(sink.pingedSlots.map((slot) => crashed.idOf(slot))).toEqual(['p']);
    crashed.relink(40);
    for (const [id, handle] of handles) expect(crashed.idOf(crashed.slotOfHandle(handle)), id).toBe(id);
    const want = sweepSorted(clean, 60);
    expect(want).toEqual({ expired: ['x', 'y'], pinged: ['p'] });
    expect(sweepSorted(crashed, 60)).toEqual(want);
  });

  it('relinks each list in last_seen order, not registration order', () => {
    const shard = new Shard({ trackPings: true });
    shard.register('x', 20, 50, 0, 0);
    shard.register('y', 20, 50, 1, 1);
    shard.register('z', 1, 50, 0, 2);
    shard.register('w', 1, 50, 0, 3);
    shard.heartbeat(shard.find('x'), 2);
    const view = new ShardView(shard.buffers(), { trackPings: true });
    expect(() => view.sweep(3, new DyingSink(1))).toThrow(Crash);
    shard.relink(-Infinity);
    expect(sweepSorted(shard, 3)).toEqual({ expired: ['w', 'z'], pinged: [] });
    // y (last seen at 1) is due before x (heartbeat at 2): y + 20 + 1.
    expect(shard.nextFireAt()).toBe(22);
    expect(sweepSorted(shard, 22)).toEqual({ expired: ['y'], pinged: [] });
    expect(live(shard)).toEqual([['x', 2]]);
  });
});
