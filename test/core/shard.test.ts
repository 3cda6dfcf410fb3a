import { describe, expect, it } from 'vitest';
import { NIL, Shard, SweepBatch } from '../../src/core/index.js';
import { PAGE_SIZE } from '../../src/core/slot-store.js';

function sweep(shard: Shard, now: number): { expired: string[]; pinged: string[]; deadlines: number[] } {
  const batch = new SweepBatch();
  shard.sweep(now, batch);
  return { expired: batch.expiredIdList(), pinged: batch.pingIdList(), deadlines: batch.expiredDeadlines.slice(0, batch.expiredCount) };
}

function order(shard: Shard): string[] {
  const ids: string[] = [];
  for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) ids.push(shard.idOf(s));
  return ids;
}

/** Slots ever handed out (the store's high-water mark, read through its shared header). */
const highWater = (shard: Shard) => new Int32Array(shard.slots.buffers().header)[2];

describe('Shard: expiry', () => {
  it('expires strictly after last_seen + timeout, in deadline order, exactly once', () => {
    const shard = new Shard();
    shard.register('a', 100, 10, 0, 0);
    shard.register('b', 50, 10, 0, 1);
    expect(shard.nextFireAt()).toBe(51);
    expect(sweep(shard, 50).expired).toEqual([]);
    expect(sweep(shard, 51)).toMatchObject({ expired: ['b'], deadlines: [50] });
    expect(sweep(shard, 51).expired).toEqual([]);
    expect(sweep(shard, 100).expired).toEqual([]);
    expect(sweep(shard, 1000)).toMatchObject({ expired: ['a'], deadlines: [100] });
    expect(shard.size).toBe(0);
    expect(shard.nextFireAt()).toBe(Infinity);
    expect(shard.find('a')).toBe(NIL);
  });

  it('distinct timeouts: a wheel bucket entirely due is handed out whole, the next one not before its time', () => {
    const shard = new Shard();
    // Filed at their expiry (deadline + 1): 557 and 767 share the level-1
    // bucket [512, 767] (the next group, [256, 511], would go to level 0's
    // second bank: timing-wheel.ts, STAGING); 768 starts the next.
    shard.register('a', 766, 10, 0, 0);
    shard.register('b', 556, 10, 0, 1);
    shard.register('c', 767, 10, 0, 2);
    const first = sweep(shard, 767);
    expect(first.expired).toEqual(['a', 'b']);
    expect(first.deadlines).toEqual([766, 556]);
    expect(shard.nextFireAt()).toBe(768);
    expect(sweep(shard, 767).expired).toEqual([]);
    expect(sweep(shard, 768).expired).toEqual(['c']);
  });

  it('a heartbeat moves the deadline; a sweep with nothing due changes nothing', () => {
    const shard = new Shard();
    const a = shard.register('a', 10, 10, 0, 0);
    shard.register('b', 10, 10, 0, 1);
    shard.heartbeat(a, 8);
    expect(shard.nextFireAt()).toBe(11);
    expect(sweep(shard, 11).expired).toEqual(['b']);
    expect(shard.nextFireAt()).toBe(19);
    expect(sweep(shard, 18).expired).toEqual([]);
    expect(shard.lastSeen(a)).toBe(8);
    expect(sweep(shard, 19).expired).toEqual(['a']);
  });

  it('re-registering a live client keeps its order, resets last_seen and takes the new timeout', () => {
    const shard = new Shard();
    shard.register('a', 100, 10, 0, 0);
    shard.register('b', 100, 10, 0, 1);
    const again = shard.register('a', 5, 10, 20, 2);
    expect(shard.regSeq(again)).toBe(0);
    expect(order(shard)).toEqual(['a', 'b']);
    expect(shard.lastSeen(again)).toBe(20);
    expect(shard.timeoutOf(again)).toBe(5);
    expect(sweep(shard, 26).expired).toEqual(['a']);
    expect(order(shard)).toEqual(['b']);
  });
});

describe('Shard: slots and handles', () => {
  it('reuses the slots of expired clients instead of growing', () => {
    const shard = new Shard();
    const first = ['a', 'b', 'c'].map((id, i) => shard.register(id, 10, 10, 0, i));
    expect(highWater(shard)).toBe(3);
    sweep(shard, 11);
    const second = ['d', 'e', 'f'].map((id, i) => shard.register(id, 10, 10, 11, 3 + i));
    expect(new Set(second)).toEqual(new Set(first));
    expect(highWater(shard)).toBe(3);
    expect(order(shard)).toEqual(['d', 'e', 'f']);
  });

  it('a handle is valid for exactly one life of its slot (generations)', () => {
    const shard = new Shard();
    const slot = shard.register('a', 10, 10, 0, 0);
    const handle = shard.handleOf(slot);
    expect(shard.slotOfHandle(handle)).toBe(slot);
    sweep(shard, 11);
    expect(shard.slotOfHandle(handle)).toBe(NIL);
    const reused = shard.register('b', 10, 10, 11, 1);
    expect(reused).toBe(slot);
    expect(shard.slotOfHandle(handle)).toBe(NIL);
    const newHandle = shard.handleOf(reused);
    expect(newHandle).not.toBe(handle);
    expect(shard.slotOfHandle(newHandle)).toBe(reused);
    shard.remove(reused);
    expect(shard.slotOfHandle(newHandle)).toBe(NIL);
    expect(shard.slotOfHandle(-1)).toBe(NIL);
    expect(shard.slotOfHandle(12345)).toBe(NIL);
  });

  it('a re-registration keeps the handle of the live client', () => {
    const shard = new Shard();
    const slot = shard.register('a', 10, 10, 0, 0);
    const handle = shard.handleOf(slot);
    shard.register('a', 20, 10, 5, 1);
    expect(shard.slotOfHandle(handle)).toBe(slot);
  });

  it(`grows past one page (${PAGE_SIZE} slots) without losing anything, then reuses every slot`, () => {
    const shard = new Shard();
    const n = 2 * PAGE_SIZE + 123;
    const handles: number[] = [];
    for (let i = 0; i < n; i++) handles.push(shard.handleOf(shard.register(`c${i}`, 1000 + (i % 3), 10, i % 500, i)));
    expect(shard.size).toBe(n);
    expect(shard.slots.i32Pages.length).toBe(3);
    const bytes = shard.sharedBytes;
    expect(bytes / n).toBeLessThanOrEqual(64 * 1.5);
    for (const i of [0, PAGE_SIZE - 1, PAGE_SIZE, 2 * PAGE_SIZE, n - 1]) {
      const slot = shard.find(`c${i}`);
      expect(shard.slotOfHandle(handles[i])).toBe(slot);
      expect(shard.lastSeen(slot)).toBe(i % 500);
      expect(shard.regSeq(slot)).toBe(i);
    }
    const ids = order(shard);
    expect(ids.length).toBe(n);
    expect(ids[PAGE_SIZE]).toBe(`c${PAGE_SIZE}`);
    const { expired } = sweep(shard, 10_000);
    expect(expired.length).toBe(n);
    expect(new Set(expired).size).toBe(n);
    expect(shard.size).toBe(0);
    for (let i = 0; i < n; i++) shard.register(`d${i}`, 10, 10, 10_000, n + i);
    expect(shard.sharedBytes).toBe(bytes);
    expect(highWater(shard)).toBe(n);
  });
});

describe('Shard: pings (trackPings)', () => {
  it('pings once per silence; a heartbeat re-arms; expiry follows whether pinged or not', () => {
    const shard = new Shard({ trackPings: true });
    const a = shard.register('a', 100, 30, 0, 0);
    expect(shard.nextFireAt()).toBe(30);
    expect(sweep(shard, 29).pinged).toEqual([]);
    expect(sweep(shard, 30).pinged).toEqual(['a']);
    expect(sweep(shard, 31).pinged).toEqual([]);
    expect(sweep(shard, 59).pinged).toEqual([]);
    expect(shard.nextFireAt()).toBe(101);
    shard.heartbeat(a, 55);
    expect(shard.nextFireAt()).toBe(85);
    expect(sweep(shard, 84).pinged).toEqual([]);
    expect(sweep(shard, 85).pinged).toEqual(['a']);
    expect(sweep(shard, 155)).toMatchObject({ pinged: [], expired: [] });
    expect(sweep(shard, 156)).toMatchObject({ pinged: [], expired: ['a'] });
    expect(shard.nextFireAt()).toBe(Infinity);
  });

  it('a heartbeat before the ping is due postpones it', () => {
    const shard = new Shard({ trackPings: true });
    const a = shard.register('a', 100, 30, 0, 0);
    shard.register('b', 100, 30, 0, 1);
    shard.heartbeat(a, 20);
    expect(sweep(shard, 30).pinged).toEqual(['b']);
    expect(sweep(shard, 49).pinged).toEqual([]);
    expect(sweep(shard, 50).pinged).toEqual(['a']);
  });

  it('a re-registration of a pinged client re-arms its ping with the new interval', () => {
    const shard = new Shard({ trackPings: true });
    shard.register('a', 100, 10, 0, 0);
    expect(sweep(shard, 10).pinged).toEqual(['a']);
    shard.register('a', 100, 20, 15, 1);
    expect(shard.pingIntervalOf(shard.find('a'))).toBe(20);
    expect(sweep(shard, 34).pinged).toEqual([]);
    expect(sweep(shard, 35).pinged).toEqual(['a']);
  });

  for (const interval of [101, 102, 150, 2 ** 31 - 1]) {
    it(`ping_interval_ms ${interval} > timeout_ms 100: never pinged, swept every ms or late`, () => {
      const everyMs = new Shard({ trackPings: true });
      // Another client makes the ping list of this interval exist first, so
      // that equal heap keys (ping and expiry both at 101) are not ordered
      // by luck.
      everyMs.register('other', 10_000, interval, 0, 0);
      everyMs.register('a', 100, interval, 0, 1);
      const pinged: string[] = [];
      for (let t = 0; t <= 101; t++) {
        const r = sweep(everyMs, t);
        pinged.push(...r.pinged.filter((id) => id === 'a'));
        if (t === 101) expect(r.expired).toEqual(['a']);
      }
      expect(pinged).toEqual([]);
      const late = new Shard({ trackPings: true });
      late.register('other', 10_000, interval, 0, 0);
      late.register('a', 100, interval, 0, 1);
      const r = sweep(late, Math.min(interval + 5, 9_999));
      expect(r.expired).toEqual(['a']);
      expect(r.pinged).not.toContain('a');
    });
  }

  it('a late sweep expires a client past its deadline without pinging it first', () => {
    const shard = new Shard({ trackPings: true });
    shard.register('a', 100, 50, 0, 0);
    shard.register('b', 1000, 50, 0, 1);
    const r = sweep(shard, 500);
    expect(r.expired).toEqual(['a']);
    expect(r.pinged).toEqual(['b']);
  });

  it('without trackPings nothing is pinged and the interval is still readable', () => {
    const shard = new Shard();
    const a = shard.register('a', 100, 7, 0, 0);
    expect(shard.pingIntervalOf(a)).toBe(7);
    expect(sweep(shard, 50).pinged).toEqual([]);
    expect(shard.nextFireAt()).toBe(101);
  });
});

describe('Shard: any number of distinct durations', () => {
  it('many distinct timeouts and intervals, round after round: fixed shared memory, nothing left filed', () => {
    const shard = new Shard({ trackPings: true });
    const perRound = 500;
    let seq = 0;
    let now = 0;
    let bytes = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < perRound; i++) {
        const d = 1 + round * perRound + i; // never seen before
        shard.register(`r${round}-${i}`, d, d + 7, now, seq++);
      }
      // Re-registrations move clients to yet other durations.
      for (let i = 0; i < perRound; i += 5) shard.register(`r${round}-${i}`, 3 + i, 2 + i, now, seq++);
      expect(shard.wheel.size).toBe(perRound);
      if (round === 0) bytes = shard.sharedBytes;
      expect(shard.sharedBytes).toBe(bytes);
      now += 20 * perRound * 20;
      const { expired } = sweep(shard, now);
      expect(expired.length).toBe(perRound);
      expect(shard.size).toBe(0);
      expect(shard.wheel.size).toBe(0);
    }
  });

  it('a heartbeat-only workload files each client once; the sweep looks at it about once per timeout', () => {
    const shard = new Shard();
    const slots = Array.from({ length: 100 }, (_, i) => shard.register(`c${i}`, 1000, 10, 0, i));
    let looked = 0;
    const counting = { expired: () => expect.fail('nobody may expire'), pinged: () => undefined };
    for (let t = 1; t < 5000; t++) {
      shard.heartbeat(slots[t % 100], t);
      if (t % 10 === 0) {
        const before = shard.nextFireAt();
        shard.sweep(t, counting);
        if (before <= t) looked++;
      }
      expect(shard.wheel.size).toBe(100);
    }
    // 100 clients, 5 s, 1 s timeout: each filed time comes due about 5 times.
    expect(looked).toBeLessThanOrEqual(100 * 6);
    expect(shard.size).toBe(100);
  });
});
