import { describe, expect, it, vi } from 'vitest';
import { NIL, Shard, SweepBatch } from '../../src/core/index.js';
import { SharedShard } from '../../src/core/shared-shard.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * A Shard driven by random operations against a naive model (a Map scanned
 * in full at every sweep), pings tracked: after every step the two agree on
 * what expired, what was pinged, what is live, in which order, with which
 * last_seen, and when the next sweep has work (never later than the model says).
 */
interface ModelClient {
  lastSeen: number;
  timeout: number;
  ping: number;
  pinged: boolean;
  seq: number;
  handle: number;
}

const DURATIONS = [1, 2, 3, 5, 8, 13, 20, 50];
/**
 * Durations past a 256 ms group, with time moving a few ms a step: clients
 * land in level-1 buckets and are staged, most after a heartbeat since they
 * were filed (the early look: timing-wheel.ts, STAGING).
 */
const LONG_DURATIONS = [300, 420, 700, 999, 1500, 2600];

interface SeedOptions {
  durations: readonly number[];
  /** The largest step of time between operations (ms); 10% of steps up to 80. */
  step: number;
}

function runSeed(seed: number, steps: number, idSpace: number, options: SeedOptions = { durations: DURATIONS, step: 6 }): { expired: number; pinged: number } {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const shard = new Shard({ trackPings: true });
  const model = new Map<string, ModelClient>();
  const batch = new SweepBatch();
  const deadHandles: number[] = [];
  const handles = new Map<string, number>();
  let now = 0;
  let seq = 0;
  let totalExpired = 0;
  let totalPinged = 0;

  const sweepBoth = () => {
    batch.clear();
    shard.sweep(now, batch);
    const expired: string[] = [];
    for (const [id, c] of model) {
      if (now - c.lastSeen > c.timeout) {
        expired.push(id);
        deadHandles.push(c.handle);
        model.delete(id);
      }
    }
    const pinged: string[] = [];
    for (const [id, c] of model) {
      if (!c.pinged && c.lastSeen + c.ping <= now) {
        c.pinged = true;
        pinged.push(id);
      }
    }
    const got = `${batch.expiredIdList().sort()} / ${batch.pingIdList().sort()}`;
    const want = `${expired.sort()} / ${pinged.sort()}`;
    if (got !== want) expect(got, `expired / pinged at ${now}`).toBe(want);
    if (batch.expiredDeadlines.slice(0, batch.expiredCount).some((d) => d >= now)) expect.fail(`a deadline not before ${now}: ${batch.expiredDeadlines}`);
    totalExpired += expired.length;
    totalPinged += pinged.length;
  };

  // One string per side and one assertion per step: cheap enough for
  // thousands of steps, and a mismatch shows both states in full.
  const compareState = () => {
    const shardState: string[] = [];
    for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) {
      shardState.push(`${shard.idOf(s)}@${shard.lastSeen(s)}#${shard.regSeq(s)}${shard.slotOfHandle(handles.get(shard.idOf(s)) ?? -1) === s ? '' : '!handle'}`);
    }
    const modelState = [...model]
      .sort((a, b) => a[1].seq - b[1].seq)
      .map(([id, c]) => `${id}@${c.lastSeen}#${c.seq}`);
    let next = Infinity;
    for (const c of model.values()) {
      next = Math.min(next, c.lastSeen + c.timeout + 1);
      if (!c.pinged) next = Math.min(next, c.lastSeen + c.ping);
    }
    const deadAlive = deadHandles.slice(-20).filter((h) => shard.slotOfHandle(h) !== NIL).length;
    // The shard's next time may be early (a heartbeat since it was filed), never late.
    const shardNext = shard.nextFireAt();
    const nextOk = shardNext <= next && (shardNext === Infinity) === (next === Infinity) ? 'ok' : shardNext;
    const got = `${shard.size} next=${nextOk} dead=${deadAlive} ${shardState.join(' ')}`;
    const want = `${model.size} next=ok dead=0 ${modelState.join(' ')}`;
    if (got !== want) expect(got, `state at ${now}`).toBe(want);
  };

  for (let step = 0; step < steps; step++) {
    const r = rnd();
    if (r < 0.25) now += Math.floor(rnd() * (rnd() < 0.1 ? 80 : options.step));
    sweepBoth();
    const id = `k${Math.floor(rnd() * idSpace)}`;
    const op = rnd();
    if (op < 0.35) {
      const timeout = pick(options.durations);
      const ping = pick(options.durations) + (rnd() < 0.2 ? timeout : 0);
      const live = model.get(id);
      const slot = shard.register(id, timeout, ping, now, seq);
      if (live) Object.assign(live, { lastSeen: now, timeout, ping, pinged: false });
      else {
        model.set(id, { lastSeen: now, timeout, ping, pinged: false, seq: seq++, handle: shard.handleOf(slot) });
        handles.set(id, shard.handleOf(slot));
      }
    } else if (op < 0.8) {
      const live = model.get(id);
      if (rnd() < 0.5) {
        const slot = shard.find(id);
        expect(slot === NIL).toBe(!live);
        if (live) shard.heartbeat(slot, now);
      } else if (live) {
        const slot = shard.slotOfHandle(live.handle);
        expect(slot).not.toBe(NIL);
        shard.heartbeat(slot, now);
      }
      if (live) Object.assign(live, { lastSeen: now, pinged: false });
    } else if (op < 0.85) {
      const live = model.get(id);
      if (live) {
        shard.remove(shard.find(id));
        deadHandles.push(live.handle);
        model.delete(id);
      }
    }
    compareState();
  }
  now += 10_000;
  sweepBoth();
  compareState();
  expect(shard.size).toBe(0);
  expect(shard.wheel.size).toBe(0);
  return { expired: totalExpired, pinged: totalPinged };
}

describe('Shard against a naive model (random operations, pings tracked)', () => {
  for (const [seed, idSpace] of [[1, 8], [2, 40], [3, 300], [4, 3]]) {
    it(`seed ${seed}, ${idSpace} distinct ids`, () => {
      const { expired, pinged } = runSeed(seed, 6000, idSpace);
      expect(expired).toBeGreaterThan(50);
      expect(pinged).toBeGreaterThan(50);
    });
  }
});

describe('Shard against a naive model, durations past a 256 ms group (staging and its early look)', () => {
  for (const [seed, idSpace] of [[5, 60], [6, 300]]) {
    it(`seed ${seed}, ${idSpace} distinct ids`, () => {
      const proto = SharedShard.prototype as unknown as { lookAhead: (slot: number, end: number) => number };
      const look = vi.spyOn(proto, 'lookAhead');
      const { expired, pinged } = runSeed(seed, 8000, idSpace, { durations: LONG_DURATIONS, step: 12 });
      // The early look ran and moved clients (a return of -1 leaves them where they were).
      expect(look.mock.results.filter((r) => (r.value as number) >= 0).length).toBeGreaterThan(20);
      look.mockRestore();
      expect(expired).toBeGreaterThan(20);
      expect(pinged).toBeGreaterThan(50);
    });
  }
});
