import { describe, expect, it } from 'vitest';
import { KeepAliveMonitor } from '../../src/index.js';
import { shardOf } from '../../src/monitor/shard-hash.js';

const ids = ['c10', 'c2', 'c1', 'c100', 'b', 'a', '\u00e9', 'e\u0301', '\u{1f600}', 'x'.repeat(256)];

describe('KeepAliveMonitor (programmatic API)', () => {
  for (const shards of [1, 2, 5, 16]) {
    it(`merges shards in registration order (${shards} shards)`, () => {
      const m = new KeepAliveMonitor({ shards });
      ids.forEach((id, i) => m.register(id, { timeoutMs: 100 + ((i * 7) % 5) }, 0));
      expect(m.size).toBe(ids.length);
      expect(m.check(0)).toEqual({ expired: [], active: ids });
      expect(m.status(40).map((s) => s.clientId)).toEqual(ids);
      expect(m.status(40).every((s) => s.lastSeenMsAgo === 40 && s.status === 'active')).toBe(true);
      // All expire in one check: reported in registration order, not deadline order.
      expect(m.check(1000)).toEqual({ expired: ids, active: [] });
      expect(m.check(1000)).toEqual({ expired: [], active: [] });
    });
  }

  it('spreads ids over shards by a stable hash', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`c${i}`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(shardOf('c1', 4)).toBe(shardOf('c1', 4));
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('queues expiries found by any operation for the next check, sweep by sweep', () => {
    const m = new KeepAliveMonitor({ shards: 3 });
    m.register('p', { timeoutMs: 50 }, 0);
    m.register('x', { timeoutMs: 5 }, 0);
    m.register('y', { timeoutMs: 3 }, 0);
    m.register('q', { timeoutMs: 10 }, 0);
    // A registration at 6 sweeps first: x and y (in registration order).
    m.register('y', { timeoutMs: 4 }, 6);
    expect(m.heartbeat('x', 6)).toBe(false);
    // A status at 11 sweeps q and y's second life.
    expect(m.status(11).map((s) => s.clientId)).toEqual(['p']);
    expect(m.check(51)).toEqual({ expired: ['x', 'y', 'q', 'y', 'p'], active: [] });
  });

  it('refuses a heartbeat past the deadline, with the earliest time cached or not (the heartbeat reads it, not the slot)', () => {
    const m = new KeepAliveMonitor();
    m.register('a', { timeoutMs: 10 }, 0);
    m.register('b', { timeoutMs: 20 }, 0);
    m.register('c', { timeoutMs: 1000 }, 0);
    expect(m.nextFireAt()).toBe(11); // cached: a's expiry
    expect(m.heartbeat('a', 10)).toBe(true); // at the deadline: still live
    expect(m.heartbeat('c', 10)).toBe(true);
    // 11 is not before the cached earliest: a's own filed time decides, then its deadline (now 20).
    expect(m.heartbeat('a', 11)).toBe(true);
    // A sweep at 21 hands out a (re-filed) and b (expired): the cached earliest is dropped.
    expect(m.sweep(21).expiredIdList()).toEqual(['b']);
    expect(m.heartbeat('a', 31)).toBe(false);
    expect(m.check(31).expired).toEqual(['b', 'a']);
  });

  it('a heartbeat that ends a pinged silence lowers the next-work bound: an operation at the new ping time sweeps', () => {
    const pings: string[] = [];
    const m = new KeepAliveMonitor({ trackPings: true, onSweep: (batch) => pings.push(...batch.pingIdList()) });
    m.register('a', { timeoutMs: 1000, pingIntervalMs: 100 }, 0);
    m.register('b', { timeoutMs: 5000, pingIntervalMs: 5000 }, 0);
    m.has('b', 100); // sweeps at 100: a is due its ping, then filed at its expiry (1001)
    expect(pings).toEqual(['a']);
    expect(m.heartbeat('a', 150)).toBe(true); // its next ping is due at 250 now, before 1001
    m.has('b', 249);
    expect(pings).toEqual(['a']);
    m.has('b', 250);
    expect(pings).toEqual(['a', 'a']);
  });

  it('a sweep before the cached next-work bound does nothing, and whatever files earlier lowers that bound first', () => {
    // sweepOnAccess off: only sweep() runs sweeps, so each step below goes
    // through its test of the bound; a bound left too high skips the work.
    const m = new KeepAliveMonitor({ trackPings: true, sweepOnAccess: false });
    m.register('a', { timeoutMs: 10_000, pingIntervalMs: 100 }, 0);
    expect(m.sweep(100).pingIdList()).toEqual(['a']); // a is filed at its expiry (10001) now
    expect(m.sweep(200).pingCount).toBe(0);
    // A registration due before the bound: swept at its expiry.
    m.register('b', { timeoutMs: 50 }, 200);
    expect(m.sweep(250).expiredCount).toBe(0);
    expect(m.sweep(251).expiredIdList()).toEqual(['b']);
    // A heartbeat ending a's pinged silence files its next ping at 400, before 10001.
    expect(m.heartbeat('a', 300)).toBe(true);
    expect(m.sweep(399).pingCount).toBe(0);
    expect(m.sweep(400).pingIdList()).toEqual(['a']);
    // A sweep that found something, then one before the bound: an empty batch (counts cleared).
    const empty = m.sweep(401);
    expect([empty.expiredCount, empty.pingCount, m.moreDue]).toEqual([0, 0, false]);
    expect(m.nextFireAt()).toBe(10_301);
    expect(m.sweep(10_301).expiredIdList()).toEqual(['a']);
  });

  it('treats a time earlier than the latest as the latest (never goes back)', () => {
    const m = new KeepAliveMonitor();
    m.register('a', { timeoutMs: 10 }, 100);
    expect(m.now).toBe(100);
    m.register('b', { timeoutMs: 10 }, 5);
    expect(m.status(0)).toEqual([
      { clientId: 'a', lastSeenMsAgo: 0, status: 'active' },
      { clientId: 'b', lastSeenMsAgo: 0, status: 'active' },
    ]);
    expect(m.check(110).active).toEqual(['a', 'b']);
    expect(m.check(111).expired).toEqual(['a', 'b']);
  });

  it('applies the defaults (30000 / 10000) on every registration', () => {
    const m = new KeepAliveMonitor({ trackPings: true });
    m.register('a', { timeoutMs: 10, pingIntervalMs: 5 }, 0);
    m.register('a', {}, 1);
    expect(m.nextFireAt()).toBe(10_001);
    expect(m.has('a', 30_001)).toBe(true);
    expect(m.has('a', 30_002)).toBe(false);
  });

  it('heartbeats by handle until that life ends, never touching the next one', () => {
    const m = new KeepAliveMonitor({ shards: 4 });
    const first = m.register('a', { timeoutMs: 10 }, 0);
    expect(m.heartbeatHandle(first, 8)).toBe(true);
    expect(m.heartbeatHandle(first, 19)).toBe(false);
    const second = m.register('a', { timeoutMs: 10 }, 19);
    expect(m.heartbeatHandle(first, 25)).toBe(false);
    expect(m.heartbeatHandle(second, 25)).toBe(true);
    expect(m.status(25)).toEqual([{ clientId: 'a', lastSeenMsAgo: 0, status: 'active' }]);
    expect(m.check(25)).toEqual({ expired: ['a'], active: ['a'] });
  });

  it('refuses a heartbeat after a silence of 2^32 ms + a little, which the hot record alone would read as 5 ms', () => {
    const m = new KeepAliveMonitor();
    m.register('quiet', { timeoutMs: 1000 }, 0);
    m.register('other', { timeoutMs: 1000 }, 0);
    // A heartbeat sweeps only when its own client is past its deadline: nothing swept 'quiet' before this one.
    expect(m.heartbeat('quiet', 2 ** 32 + 5)).toBe(false);
    expect(m.check(2 ** 32 + 5)).toEqual({ expired: ['quiet', 'other'], active: [] });
  });

  it('remove closes a client without reporting it expired', () => {
    const m = new KeepAliveMonitor();
    m.register('a', { timeoutMs: 10 }, 0);
    expect(m.remove('a', 1)).toBe(true);
    expect(m.remove('a', 1)).toBe(false);
    expect(m.check(100)).toEqual({ expired: [], active: [] });
  });

  it('sweep reports pings and expiries, and onSweep sees every sweep with findings', () => {
    const seen: string[] = [];
    const m = new KeepAliveMonitor({
      shards: 2,
      trackPings: true,
      onSweep: (b) => seen.push(`${b.pingIdList().join(',')}|${b.expiredIdList().join(',')}`),
    });
    m.register('a', { timeoutMs: 100, pingIntervalMs: 30 }, 0);
    m.register('b', { timeoutMs: 40, pingIntervalMs: 30 }, 0);
    expect(m.nextFireAt()).toBe(30);
    // The returned batch is reused by the next sweep: read it right away.
    expect(m.sweep(30).pingIdList().sort()).toEqual(['a', 'b']);
    expect(m.sweep(31).pingCount).toBe(0);
    expect(m.heartbeat('a', 35)).toBe(true);
    expect(m.nextFireAt()).toBe(41);
    const at41 = m.sweep(41);
    expect(at41.expiredIdList()).toEqual(['b']);
    expect(at41.pingCount).toBe(0);
    expect(m.sweep(65).pingIdList()).toEqual(['a']);
    expect(seen.map((s) => s.split('|').map((part) => part.split(',').sort().join(',')).join('|'))).toEqual(['a,b|', '|b', 'a|']);
    expect(m.check(65)).toEqual({ expired: ['b'], active: ['a'] });
  });

  it('queueExpiryReports false leaves check with active clients only', () => {
    const m = new KeepAliveMonitor({ queueExpiryReports: false });
    m.register('a', { timeoutMs: 1 }, 0);
    expect(m.check(5)).toEqual({ expired: [], active: [] });
  });

  it('rejects a shard count that is not a positive integer', () => {
    for (const shards of [0, -1, 1.5, NaN]) expect(() => new KeepAliveMonitor({ shards })).toThrow(RangeError);
  });

  it('holds 56 shared bytes per slot, allocated a page (8192 slots) at a time per shard', () => {
    const m = new KeepAliveMonitor({ shards: 2 });
    const clients = 100_000;
    for (let i = 0; i < clients; i++) m.register(`client-${i}`, {}, 0);
    const slotBytes = 56;
    expect(m.sharedBytes).toBeGreaterThanOrEqual(clients * slotBytes);
    expect(m.sharedBytes).toBeLessThanOrEqual((clients + 2 * 8192) * slotBytes + 2 * 64);
  });
});
