import { describe, expect, it } from 'vitest';
import { metric, useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

// The timeout leaves the test's own heartbeat timers slack on a busy machine; the stall is twice as long.
const TIMEOUT_MS = 1000;
const HEARTBEAT_MS = 100;
const STALL_MS = 2000;

describe('an event-loop stall of 2 s with heartbeats queued', () => {
  const gw = useGateway();

  it('expires nobody: heartbeats read after the stall are counted before any sweep', async () => {
    // Lone clients (any frame counts) and a multiplexed edge (heartbeats name each client).
    const lone = await Promise.all(Array.from({ length: 20 }, () => TestClient.open(gw.wsUrl(), { autoPong: false })));
    await Promise.all(lone.map((c, i) => c.register(`lone-${i}`, TIMEOUT_MS, 10 * TIMEOUT_MS)));
    const edge = await TestClient.open(gw.wsUrl(), { autoPong: false });
    const edgeIds = Array.from({ length: 200 }, (_, i) => `edge-${i}`);
    for (const id of edgeIds) edge.send({ type: 'ka_register', client_id: id, timeout_ms: TIMEOUT_MS, ping_interval_ms: 10 * TIMEOUT_MS });
    await edge.request({ type: 'ka_check' });
    const beats = setInterval(() => {
      lone.forEach((c, i) => c.send({ type: 'ka_heartbeat', client_id: `lone-${i}` }));
      for (const id of edgeIds) edge.send({ type: 'ka_heartbeat', client_id: id });
    }, HEARTBEAT_MS);
    try {
      await sleep(300);
      const started = performance.now();
      const res = await gw.get(`/test/stall?ms=${STALL_MS}`);
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(STALL_MS - 50);
      await sleep(1000);
      for (const c of [...lone, edge]) expect(c.isOpen).toBe(true);
      expect(edge.ofType('ka_expired')).toHaveLength(0);
      const metrics = (await gw.get('/metrics')).text;
      expect(metric(metrics, 'keepwatch_expiries_total{action="closed"}')).toBe(0);
      expect(metric(metrics, 'keepwatch_expiries_total{action="notified"}')).toBe(0);
      expect(metric(metrics, 'keepwatch_clients{state="active"}') + metric(metrics, 'keepwatch_clients{state="pinged"}')).toBe(220);
    } finally {
      clearInterval(beats);
    }
    // The control: the same clients silent for longer than the timeout do expire.
    await edge.next((m) => m.body.type === 'ka_expired', TIMEOUT_MS + 5000);
    const closes = await Promise.all(lone.map((c) => c.closed));
    for (const closed of closes) expect(closed.code).toBe(4000);
  });
});
