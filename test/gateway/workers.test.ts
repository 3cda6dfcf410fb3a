import { describe, expect, it } from 'vitest';
import { metric, useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';
import { SchedulingWitness } from '../helpers/scheduling-witness.js';

/** The same gateway behaviours with the shards served by worker threads. */
describe('keepwatch serve --workers 2 --shards 4', () => {
  const gw = useGateway({ args: ['--workers', '2', '--shards', '4', '--ping-jitter-ms', '0', '--log-level', 'debug'] });

  it('starts on the native binary with two workers', () => {
    expect(gw.startup).toMatchObject({ event: 'listening', uws: 'native', workers: 2, shards: 4 });
  });

  it('pings, then closes a silent lone client with 4000 after its deadline, within the bound', async () => {
    const witness = new SchedulingWitness();
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    await c.register('w-silent', 300, 100);
    await c.next((m) => m.body.type === 'ka_ping', 2000);
    const closed = await c.closed;
    witness.stop();
    expect(closed).toMatchObject({ code: 4000, reason: 'keepalive timeout' });
    expect(closed.at - c.lastSent).toBeGreaterThan(300);
    // The bound, plus how late the machine ran this process's own timers meanwhile.
    expect(closed.at - c.lastSent).toBeLessThan(300 + 250 + witness.maxLateMs);
    const log = await gw.waitForLog((l) => l.event === 'expired' && l.clientId === 'w-silent');
    expect(log.delayMs).toBeGreaterThanOrEqual(0);
    expect(log.delayMs).toBeLessThanOrEqual(250 + witness.maxLateMs);
  });

  it('multiplexed: ka_expired for the silent one, the heartbeating ones stay; status spans all shards', async () => {
    const edge = await TestClient.open(gw.wsUrl(), { autoPong: false });
    const live = Array.from({ length: 40 }, (_, i) => `w-live-${i}`);
    for (const id of live) await edge.register(id, 3000, 30000);
    await edge.register('w-quiet', 400, 4000);
    const beats = setInterval(() => live.forEach((id) => edge.send({ type: 'ka_heartbeat', client_id: id })), 80);
    try {
      const expired = await edge.next((m) => m.body.type === 'ka_expired', 3000);
      expect(expired.body.client_id).toBe('w-quiet');
      await sleep(500);
      expect(edge.ofType('ka_expired')).toHaveLength(1);
      const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
      expect(status.connections.map((e) => e.client_id)).toEqual(live);
    } finally {
      clearInterval(beats);
    }
    edge.close();
  });

  it('a 2 s stall with heartbeats queued expires nobody', async () => {
    const lone = await Promise.all(Array.from({ length: 10 }, () => TestClient.open(gw.wsUrl(), { autoPong: false })));
    await Promise.all(lone.map((c, i) => c.register(`w-lone-${i}`, 1000, 10000)));
    const before = (await gw.get('/metrics')).text;
    const beats = setInterval(() => lone.forEach((c, i) => c.send({ type: 'ka_heartbeat', client_id: `w-lone-${i}` })), 100);
    try {
      await sleep(200);
      expect((await gw.get('/test/stall?ms=2000')).status).toBe(200);
      await sleep(800);
      for (const c of lone) expect(c.isOpen).toBe(true);
      const after = (await gw.get('/metrics')).text;
      expect(metric(after, 'keepwatch_expiries_total{action="closed"}')).toBe(metric(before, 'keepwatch_expiries_total{action="closed"}'));
    } finally {
      clearInterval(beats);
      lone.forEach((c) => c.close());
    }
  });
});
