import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { KeepAliveMonitor, type ClientHandle } from '../../src/monitor/monitor.js';
import { WorkerLiveMonitor } from '../../src/monitor/workers/worker-live-monitor.js';
import { builtShardWorkerEntry } from '../helpers/shard-workers.js';

/**
 * The worker-backed monitor against the in-process KeepAliveMonitor, on
 * the same random operations and the same virtual time (moved by checks,
 * as in the stdio node): every answer equal. Operations also arrive while
 * a check, status or sweep is out on the workers (their shards lent), and
 * are compared with the in-process monitor applying them right after it.
 */

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'c1', 'c2', 'c10', '\u00e9', 'x y', 'id-\u4f60'];
const id = fc.constantFrom(...IDS);
const quickOp = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    id,
    timeoutMs: fc.constantFrom<number>(1, 2, 3, 5, 10, 40, 1000),
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), id }),
  fc.record({ kind: fc.constant('handle' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), id }),
  fc.record({ kind: fc.constant('has' as const), id }),
);
type ArbitraryValue<A> = A extends fc.Arbitrary<infer T> ? T : never;
type QuickOp = ArbitraryValue<typeof quickOp>;
const during = fc.array(quickOp, { maxLength: 6 });
const op = fc.oneof(
  { arbitrary: quickOp, weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('check' as const), advance: fc.nat({ max: 45 }), during }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('status' as const), during }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('sweep' as const), advance: fc.nat({ max: 45 }), during }), weight: 1 },
);

class Pair {
  readonly clock = new VirtualClock();
  readonly ref: KeepAliveMonitor;
  readonly live: WorkerLiveMonitor;
  /** Handles of every registration so far, worker-backed and in-process side by side. */
  readonly handles: [ClientHandle, ClientHandle][] = [];

  constructor(shards: number, sweepOnAccess = true) {
    this.ref = new KeepAliveMonitor({ shards, trackPings: false, queueExpiryReports: true, sweepOnAccess });
    this.live = new WorkerLiveMonitor({
      shards,
      workers: 2,
      workerEntry: builtShardWorkerEntry,
      clock: this.clock,
      trackPings: false,
      queueExpiryReports: true,
      sweepTimer: false,
      sweepOnAccess,
    });
  }

  get now(): number {
    return this.clock.now();
  }

  quick(o: QuickOp): void {
    const t = this.now;
    switch (o.kind) {
      case 'register':
        this.handles.push([this.live.register(o.id, { timeoutMs: o.timeoutMs }), this.ref.register(o.id, { timeoutMs: o.timeoutMs }, t)]);
        return;
      case 'heartbeat':
        expect(this.live.heartbeat(o.id), `heartbeat ${o.id} at ${t}`).toBe(this.ref.heartbeat(o.id, t));
        return;
      case 'handle': {
        if (this.handles.length === 0) return;
        const [mine, theirs] = this.handles[o.pick % this.handles.length];
        expect(this.live.heartbeatHandle(mine), `heartbeatHandle at ${t}`).toBe(this.ref.heartbeatHandle(theirs, t));
        return;
      }
      case 'remove':
        expect(this.live.remove(o.id), `remove ${o.id} at ${t}`).toBe(this.ref.remove(o.id, t));
        return;
      case 'has':
        expect(this.live.has(o.id), `has ${o.id} at ${t}`).toBe(this.ref.has(o.id, t));
    }
  }
}

async function play(pair: Pair, ops: readonly ArbitraryValue<typeof op>[]): Promise<void> {
  for (const o of ops) {
    if (o.kind === 'check') {
      const t = pair.now + o.advance;
      const pending = pair.live.check(t);
      const want = pair.ref.check(t);
      for (const q of o.during) pair.quick(q);
      expect(await pending, `check at ${t}`).toEqual(want);
    } else if (o.kind === 'status') {
      const pending = pair.live.status();
      const want = pair.ref.status(pair.now);
      for (const q of o.during) pair.quick(q);
      expect(await pending, `status at ${pair.now}`).toEqual(want);
    } else if (o.kind === 'sweep') {
      const t = pair.now + o.advance;
      const pending = pair.live.sweep(t);
      pair.ref.sweep(t);
      for (const q of o.during) pair.quick(q);
      await pending;
    } else {
      pair.quick(o);
    }
    expect(pair.live.size).toBe(pair.ref.size);
  }
  // Everything left: the final sweep and check must agree too.
  const t = pair.now + 2000;
  await pair.live.sweep(t);
  pair.ref.sweep(t);
  expect(await pair.live.check(t)).toEqual(pair.ref.check(t));
}

describe('WorkerLiveMonitor equals KeepAliveMonitor', () => {
  for (const [shards, sweepOnAccess] of [
    [1, true],
    [3, true],
    [3, false],
  ] as const) {
    it(`random operations, ${shards} shard(s), 2 workers, sweepOnAccess ${sweepOnAccess}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 250 }), async (ops) => {
          const pair = new Pair(shards, sweepOnAccess);
          try {
            await play(pair, ops);
          } finally {
            await pair.live.close();
          }
        }),
        { seed: 20261121 + shards + (sweepOnAccess ? 0 : 100), numRuns: 30 },
      );
      // 30 pools start and stop: seconds on a quiet machine, much more on a loaded one.
    }, 150_000);
  }

  it('operations queued while a shard is lent are applied in order, with their answers kept', async () => {
    const pair = new Pair(2);
    try {
      for (let i = 0; i < 200; i++) pair.quick({ kind: 'register', id: `k${i}`, timeoutMs: 10 + (i % 5) });
      const pending = pair.live.check(12);
      const want = pair.ref.check(12);
      // While lent: a removal, a re-registration, heartbeats of expired and live clients.
      for (const q of [
        { kind: 'remove', id: 'k3' },
        { kind: 'register', id: 'k3', timeoutMs: 5 },
        { kind: 'heartbeat', id: 'k0' },
        { kind: 'heartbeat', id: 'k4' },
        { kind: 'has', id: 'k3' },
        { kind: 'handle', pick: 200 },
        { kind: 'handle', pick: 4 },
      ] as const)
        pair.quick(q);
      expect(await pending).toEqual(want);
      expect(want.expired.length).toBeGreaterThan(0);
      expect(await pair.live.status()).toEqual(pair.ref.status(pair.now));
      expect(await pair.live.check(100)).toEqual(pair.ref.check(100));
    } finally {
      await pair.live.close();
    }
  });
});
